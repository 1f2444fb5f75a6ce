// Session lifecycle seen from the admin API: handle_info's plugin_specific,
// the plugin's status, close, WebSocket drop, re-init after close.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitStatus } from '../lib/wait.mjs';
import { startFixture, skipPlugin, waitResolution, sleep } from '../lib/fixture.mjs';

describe('lifecycle: close, WebSocket drop, admin status and handle_info', { skip: skipPlugin(), timeout: 120000 }, () => {
  let fx;

  before(async () => {
    fx = await startFixture({
      name: 'lifecycle',
      sessionTimeout: 5,
      general: { heap_trim_interval: 1 },
      cameras: [
        { stream: 'camera1', port: 5304 },
        { stream: 'camera2', port: 5306 },
      ],
    });
  });
  after(async () => {
    await fx?.stop();
  });

  test('idle plugin: status has no sessions and no bound slots; every configured source is listed', async () => {
    const st = await fx.admin.status();
    assert.equal(st.multistream, 'status');
    assert.equal(st.sessions, 0);
    assert.equal(st.slots_bound, 0);
    const names = st.sources.filter((s) => !s.hidden).map((s) => s.name).sort();
    assert.deepEqual(names, ['camera1', 'camera2']);
    // The plugin's own: each rtp stream's H264 transcode (it may send H265)
    assert.deepEqual(st.sources.filter((s) => s.hidden).map((s) => `${s.name} of ${s.of}`).sort(),
      ['camera1@h264 of camera1', 'camera2@h264 of camera2']);
    for (const s of st.sources.filter((x) => !x.hidden)) {
      assert.equal(s.kind, 'rtp');
      assert.equal(s.consumers, 0);
      assert.equal(typeof s.state, 'string');
    }
  });

  test('status.heap: glibc figures of the process, and heap_trim_interval trims that return memory', async () => {
    let st = await fx.admin.status();
    const h = st.heap;
    assert.ok(h && typeof h === 'object', JSON.stringify(st));
    for (const k of ['in_use', 'free', 'arena', 'mmapped', 'trims', 'trim_last_us', 'trim_max_us', 'trim_released_kb']) {
      assert.ok(Number.isInteger(h[k]) && h[k] >= 0, `heap.${k}: ${JSON.stringify(h)}`);
    }
    // the GOP caches alone are 2 x 2 MB, allocated at load (the sanitizer
    // pass preloads ASan's allocator, whose mallinfo2 reports zeros)
    if (!process.env.MS_JANUS_PRELOAD) assert.ok(h.in_use >= 4 * 1024 * 1024, JSON.stringify(h));
    // heap_trim_interval 1: a trim per second
    const t0 = Date.now();
    do { await sleep(250); st = await fx.admin.status(); } while (st.heap.trims < h.trims + 2 && Date.now() - t0 < 5000);
    assert.ok(st.heap.trims >= h.trims + 2, `trims ${h.trims} -> ${st.heap.trims} in ${Date.now() - t0} ms`);
    assert.ok(st.heap.trim_max_us >= st.heap.trim_last_us && st.heap.trim_last_us < 1000000, JSON.stringify(st.heap));
  });

  test('handle_info plugin_specific follows new -> initialized -> negotiated -> closed; close reply; no RTP after close; 0 sessions', { timeout: 30000 }, async () => {
    const c = await fx.handle();
    let info = await fx.admin.handleInfo(c.sessionId, c.handleId);
    assert.equal(info.plugin, 'janus.plugin.multistream');
    assert.equal(info.plugin_specific?.state, 'new', JSON.stringify(info.plugin_specific));
    const ready = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'camera1' }, { slot: 1, stream: 'nosuchcam' }] });
    assert.equal(ready.data.type, 'multistream/ready');
    info = await fx.admin.handleInfo(c.sessionId, c.handleId);
    assert.equal(info.plugin_specific?.state, 'initialized', JSON.stringify(info.plugin_specific));
    c.drop();

    const { client, peer } = await fx.connect([{ slot: 0, stream: 'camera1' }, { slot: 1, stream: 'camera2' }]);
    await waitResolution(peer, 0, fx.res('camera1'), { timeoutMs: 8000 });
    await waitResolution(peer, 1, fx.res('camera2'), { timeoutMs: 8000 });
    info = await fx.admin.handleInfo(client.sessionId, client.handleId);
    const ps = info.plugin_specific;
    assert.equal(ps?.state, 'negotiated', JSON.stringify(ps));
    assert.deepEqual(ps.slots.map((s) => [s.slot, s.stream, s.status]), [[0, 'camera1', 'active'], [1, 'camera2', 'active']]);
    let st = await fx.admin.status();
    assert.equal(st.sessions, 1, JSON.stringify(st));
    assert.equal(st.slots_bound, 2);

    const r = await client.request('multistream/close', {});
    assert.deepEqual(r.data, { type: 'multistream/close', value: { request_id: r.request_id, status: 'closed' } });
    st = await fx.admin.status();
    assert.equal(st.sessions, 0, `no session with slots after close: ${JSON.stringify(st)}`);
    assert.equal(st.slots_bound, 0);
    for (const s of st.sources) assert.equal(s.consumers, 0, `${s.name} has no consumer after close`);
    info = await fx.admin.handleInfo(client.sessionId, client.handleId);
    assert.equal(info.plugin_specific?.state, 'closed', JSON.stringify(info.plugin_specific));
    await sleep(500);
    const t = Date.now();
    await sleep(1000);
    assert.equal(peer.packets(0, t).length + peer.packets(1, t).length, 0, 'no RTP after close');

    // A new init on the same handle starts over.
    const again = await client.request('multistream/init', { slots: [{ slot: 0, stream: 'camera2' }] });
    assert.equal(again.data.type, 'multistream/ready', JSON.stringify(again.data));
    info = await fx.admin.handleInfo(client.sessionId, client.handleId);
    assert.equal(info.plugin_specific?.state, 'initialized');
    // detach + destroy: the handle goes away (Janus may finish it just after
    // its reply), taking the re-initialized session with it.
    await client.close();
    await waitStatus(fx.admin, (s) => s.sessions === 0 && s.slots_bound === 0,
      { timeoutMs: 3000, what: '0 sessions / 0 bound slots after detach' });
  });

  test('WebSocket dropped without detach: within a few seconds 0 sessions, 0 bound slots, Janus session gone', { timeout: 30000 }, async () => {
    const { client, peer } = await fx.connect([{ slot: 0, stream: 'camera1' }, { slot: 1, stream: 'camera2' }, { slot: 2, stream: 'camera1' }]);
    await peer.waitPackets(0, 10, { timeoutMs: 8000 });
    let st = await fx.admin.status();
    assert.equal(st.sessions, 1, JSON.stringify(st));
    assert.equal(st.slots_bound, 3);
    const sid = client.sessionId;
    client.drop();
    const t0 = Date.now();
    st = await waitStatus(fx.admin, (s) => s.sessions === 0 && s.slots_bound === 0,
      { timeoutMs: 8000, what: 'status back to 0 sessions / 0 bound slots' });
    const took = Date.now() - t0;
    const sessions = await fx.admin.listSessions();
    assert.ok(!sessions.includes(sid), 'Janus session destroyed');
    for (const s of st.sources) assert.equal(s.consumers, 0, `${s.name} has no consumer left`);
    await peer.close();
    assert.ok(took < 8000, `cleanup took ${took} ms`);
  });

  test('Janus is still running', () => {
    assert.ok(fx.janusAlive(), `Janus exited: ${JSON.stringify(fx.janus.child.exitInfo)}\n${fx.janus.logTail(30)}`);
  });
});
