import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throttle } from '../../src/lib/throttle.js';

// A fake clock with timers that run when time is advanced.
function fakeTimers() {
    let t = 0;
    let seq = 0;
    const timers = new Map();
    return {
        now: () => t,
        setTimeout(fn, ms) {
            const id = ++seq;
            timers.set(id, { fn, at: t + ms });
            return id;
        },
        clearTimeout(id) {
            timers.delete(id);
        },
        advance(ms) {
            const end = t + ms;
            for (;;) {
                const due = [...timers.entries()]
                    .filter(([, x]) => x.at <= end)
                    .sort((a, b) => a[1].at - b[1].at)[0];
                if (!due) break;
                timers.delete(due[0]);
                t = due[1].at;
                due[1].fn();
            }
            t = end;
        },
    };
}

test('the first call runs at once (leading edge)', () => {
    const ft = fakeTimers();
    const calls = [];
    const f = throttle((v) => calls.push([ft.now(), v]), 100, ft);
    f(1);
    assert.deepEqual(calls, [[0, 1]]);
});

test('calls within the interval coalesce into one trailing call with the latest value', () => {
    const ft = fakeTimers();
    const calls = [];
    const f = throttle((v) => calls.push([ft.now(), v]), 100, ft);
    f(1);
    ft.advance(10);
    f(2);
    ft.advance(10);
    f(3);
    assert.equal(calls.length, 1);
    ft.advance(100);
    assert.deepEqual(calls, [
        [0, 1],
        [100, 3],
    ]);
});

test('a continuous slide sends at most once per interval, and the final value last', () => {
    const ft = fakeTimers();
    const calls = [];
    const f = throttle((v) => calls.push([ft.now(), v]), 100, ft);
    for (let i = 0; i <= 100; i++) {
        f(i);
        ft.advance(5); // an input event every 5 ms for 0.5 s
    }
    ft.advance(200);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] - calls[i - 1][0] >= 100);
    assert.equal(calls.at(-1)[1], 100);
    assert.ok(calls.length <= 7, `sent ${calls.length} times`);
});

test('flush sends the pending trailing value now; cancel drops it', () => {
    const ft = fakeTimers();
    const calls = [];
    const f = throttle((v) => calls.push(v), 100, ft);
    f(1);
    f(2);
    assert.equal(f.pending(), true);
    f.flush();
    assert.deepEqual(calls, [1, 2]);
    f(3);
    f.cancel();
    ft.advance(500);
    assert.deepEqual(calls, [1, 2]);
    f.flush(); // nothing pending: no call
    assert.deepEqual(calls, [1, 2]);
});

test('after a quiet interval the next call is immediate again', () => {
    const ft = fakeTimers();
    const calls = [];
    const f = throttle((v) => calls.push([ft.now(), v]), 100, ft);
    f(1);
    ft.advance(250);
    f(2);
    assert.deepEqual(calls, [
        [0, 1],
        [250, 2],
    ]);
});
