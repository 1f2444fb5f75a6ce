// Every error code of docs/protocol.md §5 with its string and the echoed request_id;
// errors leave the session exactly as it was; 20 malformed messages in a row.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, skipPlugin, expectError, waitResolution, resolutionsIn, sleep } from '../lib/fixture.mjs';
import { MsPeer, rid } from '../lib/client.mjs';
import { assertContinuous } from '../lib/rtpcheck.mjs';

const E = {
  480: 'invalid request',
  481: 'session not initialized',
  482: 'no active session',
  483: 'invalid slot index',
  484: 'too many slots requested',
  485: 'stream not found',
  486: 'invalid state',
};

/** Send a raw body and wait for the next multistream/error after it. */
async function nextError(client, body, jsep = null, timeoutMs = 4000) {
  const { since } = client.sendMessage(body, jsep);
  return client.waitEvent((d) => d?.type === 'multistream/error', { since, timeoutMs, what: `error for ${JSON.stringify(body).slice(0, 120)}` });
}

async function slotStreams(fx, client) {
  const info = await fx.admin.handleInfo(client.sessionId, client.handleId);
  return Object.fromEntries((info.plugin_specific?.slots || []).map((s) => [s.slot, s.stream]));
}

describe('errors', { skip: skipPlugin(), timeout: 150000 }, () => {
  let fx;
  let conn; // negotiated 2-slot session: slot 0 camera1, slot 1 camera2

  before(async () => {
    fx = await startFixture({
      name: 'errors',
      cameras: [
        { stream: 'camera1', port: 5204 },
        { stream: 'camera2', port: 5206 },
      ],
    });
    conn = await fx.connect([{ slot: 0, stream: 'camera1' }, { slot: 1, stream: 'camera2' }]);
    await waitResolution(conn.peer, 0, fx.res('camera1'), { timeoutMs: 8000 });
    await waitResolution(conn.peer, 1, fx.res('camera2'), { timeoutMs: 8000 });
  });
  after(async () => {
    await fx?.stop();
  });

  test('481 session not initialized: switch, pause, keyframe, offer before any init', { timeout: 20000 }, async () => {
    const c = await fx.handle();
    for (const [type, value] of [
      ['multistream/switch', { slot: 0, stream: 'camera1' }],
      ['multistream/pause', { slot: 0 }],
      ['multistream/keyframe', { slot: -1 }],
    ]) {
      const r = await c.request(type, value);
      expectError(r, 481, E[481], r.request_id);
    }
    const peer = new MsPeer(1);
    try {
      const offer = await peer.createOffer();
      const r = await c.request('multistream/offer', {}, { jsep: offer });
      expectError(r, 481, E[481], r.request_id);
    } finally {
      await peer.close();
    }
  });

  test('480 invalid request: unknown type, non-object value, wrong field types, offer without jsep', { timeout: 20000 }, async () => {
    const { client } = conn;
    const cases = [
      ['multistream/bogus', { slot: 0 }],
      ['multistream/switch', { slot: '0', stream: 'camera2' }],
      ['multistream/switch', { slot: 0, stream: 42 }],
      ['multistream/switch', { slot: 0, stream: 'camera2', quality: 360 }],
      ['multistream/pause', { slot: true }],
      ['multistream/keyframe', { slot: null }],
      ['multistream/switch', { slot: 0 }], // stream missing
    ];
    for (const [type, value] of cases) {
      const r = await client.request(type, value);
      expectError(r, 480, E[480], r.request_id);
    }
    // init with wrong types on a fresh handle
    const c = await fx.handle();
    for (const value of [{ slots: 'camera1' }, { slots: [{ slot: 0, stream: 7 }] }, { slots: [{ slot: 0 }] }, { slots: [] }]) {
      const r = await c.request('multistream/init', value);
      expectError(r, 480, E[480], r.request_id);
    }
    // offer without jsep on an initialized session
    const ready = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'camera1' }] });
    assert.equal(ready.data.type, 'multistream/ready');
    const r = await c.request('multistream/offer', { sdp: 'v=0\r\n' });
    expectError(r, 480, E[480], r.request_id);
    // non-object value: no request_id can travel, still one error
    for (const value of ['x', 5, [1, 2], null]) {
      const ev = await nextError(client, { type: 'multistream/switch', value });
      expectError(ev, 480, E[480]);
    }
    const ev = await nextError(client, { value: { request_id: 'no-type' } });
    expectError(ev, 480, E[480]);
  });

  test('483 invalid slot index: 99, 1.5, 1e12, -1 for switch, duplicates at init; never truncated', { timeout: 20000 }, async () => {
    const { client, peer } = conn;
    for (const slot of [99, 1.5, 1e12, -1, 2, 2 ** 31, -(2 ** 31) - 1]) {
      const r = await client.request('multistream/switch', { slot, stream: 'camera1' });
      expectError(r, 483, E[483], r.request_id);
    }
    for (const [type, value] of [['multistream/pause', { slot: 99 }], ['multistream/keyframe', { slot: 7 }], ['multistream/keyframe', { slot: -2 }], ['multistream/resume', { slot: 1.5 }]]) {
      const r = await client.request(type, value);
      expectError(r, 483, E[483], r.request_id);
    }
    // Nothing was switched: slot 1 still camera2 (1.5 was not truncated to 1).
    assert.deepEqual(await slotStreams(fx, client), { 0: 'camera1', 1: 'camera2' });
    const t = Date.now();
    await sleep(800);
    assert.deepEqual([...new Set(resolutionsIn(peer.packets(1)))], [fx.res('camera2')]);
    assert.ok(peer.packets(1, t).length > 5, 'slot 1 keeps flowing');
    // init: duplicate indices, and indices that are not 0..N-1
    const c = await fx.handle();
    for (const slots of [
      [{ slot: 0, stream: 'camera1' }, { slot: 0, stream: 'camera2' }],
      [{ slot: 1, stream: 'camera1' }],
      [{ slot: 0, stream: 'camera1' }, { slot: 2, stream: 'camera2' }],
      [{ slot: 0.5, stream: 'camera1' }],
    ]) {
      const r = await c.request('multistream/init', { slots });
      expectError(r, 483, E[483], r.request_id);
    }
    // after all those errors the handle can still init
    const ok = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'camera1' }] });
    assert.equal(ok.data.type, 'multistream/ready');
  });

  test('484 too many slots requested: max_slots + 1', { timeout: 10000 }, async () => {
    const c = await fx.handle();
    const slots = Array.from({ length: 10 }, (_, i) => ({ slot: i, stream: i % 2 ? 'camera2' : 'camera1' }));
    const r = await c.request('multistream/init', { slots });
    expectError(r, 484, E[484], r.request_id);
    const ok = await c.request('multistream/init', { slots: slots.slice(0, 9) });
    assert.equal(ok.data.type, 'multistream/ready', 'max_slots itself is fine');
    assert.equal(ok.data.value.slots, 9);
  });

  test('485 stream not found: the slot keeps its old stream and RTP keeps flowing', { timeout: 15000 }, async () => {
    const { client, peer } = conn;
    const t = Date.now();
    for (const [stream, quality] of [['nosuchcam', undefined], ['camera1', '4k'], ['camera2', 'native-ish']]) {
      const r = await client.request('multistream/switch', { slot: 0, stream, ...(quality !== undefined ? { quality } : {}) });
      expectError(r, 485, E[485], r.request_id);
      if (r.data.value.slot !== undefined) assert.equal(r.data.value.slot, 0);
    }
    await sleep(1000);
    assert.deepEqual(await slotStreams(fx, client), { 0: 'camera1', 1: 'camera2' });
    const pk = peer.packets(0, t);
    assert.ok(pk.length >= 10, `slot 0 keeps flowing (${pk.length} packets)`);
    assertContinuous(peer.packets(0), 'slot 0 after 485s');
    const seen = new Set(resolutionsIn(peer.packets(0)));
    assert.deepEqual([...seen], [fx.res('camera1')]);
  });

  test('486 invalid state: a second offer', { timeout: 15000 }, async () => {
    const { client } = conn;
    const peer = new MsPeer(2);
    try {
      const offer = await peer.createOffer();
      const r = await client.request('multistream/offer', {}, { jsep: offer });
      expectError(r, 486, E[486], r.request_id);
    } finally {
      await peer.close();
    }
    // the original PeerConnection is untouched
    const t = Date.now();
    await sleep(600);
    assert.ok(conn.peer.packets(0, t).length > 3 && conn.peer.packets(1, t).length > 3, 'RTP still flows on both slots');
  });

  test('482 no active session: switch after close', { timeout: 20000 }, async () => {
    const c2 = await fx.connect([{ slot: 0, stream: 'camera2' }]);
    const closed = await c2.client.request('multistream/close', {});
    assert.equal(closed.data.type, 'multistream/close');
    for (const [type, value] of [['multistream/switch', { slot: 0, stream: 'camera1' }], ['multistream/pause', { slot: 0 }], ['multistream/keyframe', { slot: 0 }]]) {
      const r = await c2.client.request(type, value);
      expectError(r, 482, E[482], r.request_id);
    }
  });

  test('20 malformed messages, each answered with an error; the session still switches fine', { timeout: 40000 }, async () => {
    const { client, peer } = conn;
    const id = () => rid('bad');
    const bad = [
      {},
      { type: 5 },
      { type: null, value: {} },
      { type: 'multistream/' },
      { type: 'MULTISTREAM/SWITCH', value: { request_id: id(), slot: 0, stream: 'camera2' } },
      { type: 'multistream/switch' },
      { type: 'multistream/switch', value: [] },
      { type: 'multistream/switch', value: 'str' },
      { type: 'multistream/switch', value: { request_id: id(), slot: '0', stream: 'camera2' } },
      { type: 'multistream/switch', value: { request_id: id(), slot: 0, stream: 7 } },
      { type: 'multistream/switch', value: { request_id: id(), slot: 0 } },
      { type: 'multistream/switch', value: { request_id: id(), slot: 0, stream: '' } },
      { type: 'multistream/switch', value: { request_id: id(), slot: 0, stream: 'camera2', quality: 360 } },
      { type: 'multistream/switch', value: { request_id: id(), slot: null, stream: 'camera2' } },
      { type: 'multistream/switch', value: { request_id: id(), slot: 0, stream: 'x'.repeat(5000) } },
      { type: 'multistream/switch', value: { request_id: id(), slot: 1e300, stream: 'camera2' } },
      { type: 'multistream/switch', value: { request_id: id(), slot: 0, stream: 'камера1 ☃' } }, // (a NUL byte never reaches the plugin: Janus core rejects it)
      { type: 'multistream/pause', value: { request_id: id(), slot: { a: 1 } } },
      { type: 'multistream/keyframe', value: { request_id: id(), slot: [0] } },
      { type: 'multistream/resume', value: { request_id: id(), slot: -1 } },
    ];
    assert.equal(bad.length, 20);
    for (const body of bad) {
      const ev = await nextError(client, body);
      const v = ev.data.value;
      assert.ok([480, 483, 485].includes(v.code), `error code for ${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(ev.data)}`);
      assert.equal(v.error, E[v.code]);
      const sentId = body.value && typeof body.value === 'object' && !Array.isArray(body.value) ? body.value.request_id : undefined;
      if (sentId !== undefined) assert.equal(v.request_id, sentId, 'request_id echoed');
    }
    assert.deepEqual(await slotStreams(fx, client), { 0: 'camera1', 1: 'camera2' }, 'nothing changed');
    const t = Date.now();
    const r = await client.request('multistream/switch', { slot: 0, stream: 'camera2' });
    assert.equal(r.data.value?.status?.status, 'buffering', JSON.stringify(r.data));
    await client.waitStatus(0, 'active', { since: r.since, timeoutMs: 5000 });
    await waitResolution(peer, 0, fx.res('camera2'), { since: t, timeoutMs: 5000 });
    await sleep(300);
    assertContinuous(peer.packets(0), 'slot 0 after the malformed messages and a switch');
  });

  test('Janus is still running', () => {
    assert.ok(fx.janusAlive(), `Janus exited: ${JSON.stringify(fx.janus.child.exitInfo)}\n${fx.janus.logTail(30)}`);
  });
});
