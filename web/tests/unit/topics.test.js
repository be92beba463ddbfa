import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    parseTopic,
    subscriptionsFor,
    setConfigTopic,
    deviceIdFromBridgeName,
    normalizeMode,
} from '../../src/lib/topics.js';

test('device id is the part of the bridge name before _broker', () => {
    assert.equal(deviceIdFromBridgeName('b827eb08451e_broker'), 'b827eb08451e');
    assert.equal(deviceIdFromBridgeName('dev_1_broker'), 'dev_1');
    assert.equal(deviceIdFromBridgeName('cloud'), null);
    assert.equal(deviceIdFromBridgeName('_broker'), null);
    assert.equal(deviceIdFromBridgeName(undefined), null);
});

test('cloud mode: bridge notifications, changed, service state', () => {
    assert.deepEqual(parseTopic('cloud', '$SYS/broker/connection/dev1_broker/state'), {
        kind: 'bridge',
        id: 'dev1',
        bridge: 'dev1_broker',
    });
    assert.deepEqual(parseTopic('cloud', 'devices/dev1/lamp/changed'), { kind: 'changed', id: 'dev1' });
    assert.deepEqual(parseTopic('cloud', 'devices/dev1/lamp/connection/lamp_service/state'), {
        kind: 'service',
        id: 'dev1',
        service: 'lamp_service',
    });
});

test('cloud mode ignores unrelated topics', () => {
    for (const t of [
        'lamp/changed',
        'devices/dev1/lamp/set_config',
        'devices/dev1/other/changed',
        'devices//lamp/changed',
        'devices/dev1/lamp/changed/extra',
        'devices/dev1/lamp/connection//state',
        '$SYS/broker/connection/other/state',
        '$SYS/broker/connection/dev1_broker/state/x',
        '$SYS/broker/clients/connected',
    ]) {
        assert.equal(parseTopic('cloud', t), null, t);
    }
});

test('edge mode: a single lamp under lamp/', () => {
    assert.deepEqual(parseTopic('edge', 'lamp/changed'), { kind: 'changed', id: 'lamp' });
    assert.deepEqual(parseTopic('edge', 'lamp/connection/lamp_ui/state'), {
        kind: 'service',
        id: 'lamp',
        service: 'lamp_ui',
    });
    assert.deepEqual(parseTopic('edge', 'lamp/associated'), { kind: 'associated', id: 'lamp' });
    assert.equal(parseTopic('edge', 'devices/dev1/lamp/changed'), null);
});

test('subscriptions and set_config topic per mode', () => {
    assert.deepEqual(subscriptionsFor('cloud'), [
        '$SYS/broker/connection/+/state',
        'devices/+/lamp/changed',
        'devices/+/lamp/connection/+/state',
    ]);
    assert.ok(subscriptionsFor('edge').includes('lamp/changed'));
    assert.equal(setConfigTopic('cloud', 'dev1'), 'devices/dev1/lamp/set_config');
    assert.equal(setConfigTopic('edge', 'lamp'), 'lamp/set_config');
    assert.equal(normalizeMode('bogus'), 'cloud');
});
