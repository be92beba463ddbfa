// A throttle with leading and trailing edges: the first call runs at once, further calls
// within `intervalMs` are coalesced and the latest arguments run when the interval ends, so
// the final value of a moving slider is always sent. Timers are injectable for tests.

export function throttle(fn, intervalMs, timers = globalThis) {
    let last = -Infinity; // when fn last ran
    let timer = null;
    let pendingArgs = null;
    const now = timers.now ? () => timers.now() : () => Date.now();

    function run() {
        timer = null;
        const args = pendingArgs;
        pendingArgs = null;
        last = now();
        fn(...args);
    }

    function call(...args) {
        pendingArgs = args;
        const wait = last + intervalMs - now();
        if (wait <= 0 && timer === null) {
            run();
        } else if (timer === null) {
            timer = timers.setTimeout(run, Math.max(0, wait));
        }
    }

    // Runs a pending trailing call now (e.g. when the slider is released).
    call.flush = () => {
        if (timer !== null) {
            timers.clearTimeout(timer);
            run();
        }
    };
    call.cancel = () => {
        if (timer !== null) timers.clearTimeout(timer);
        timer = null;
        pendingArgs = null;
    };
    call.pending = () => timer !== null;
    return call;
}
