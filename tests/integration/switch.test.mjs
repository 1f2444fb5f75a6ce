// Switching at the RTP level: one SSRC, continuous sequence numbers,
// non-decreasing timestamps, old camera ends on a whole frame, new camera
// starts with a keyframe whose SPS is the new camera's. Pause / resume.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, skipPlugin, resolutionsIn, waitResolution, currentResolution, sleep } from '../lib/fixture.mjs';
import { isKeyframeMaterial, packetResolution, frameNumViolations } from '../lib/h264.mjs';
import { assertContinuous, checkSwitch } from '../lib/rtpcheck.mjs';

describe('switch and pause/resume at the RTP level', { skip: skipPlugin(), timeout: 150000 }, () => {
  let fx;
  let conn;

  before(async () => {
    fx = await startFixture({
      name: 'switch',
      cameras: [
        { stream: 'camera1', port: 5104 },
        { stream: 'camera2', port: 5106 },
        { stream: 'camera3', port: 5108 },
        { stream: 'camera4', port: 5110 },
      ],
    });
    conn = await fx.connect([{ slot: 0, stream: 'camera1' }, { slot: 1, stream: 'camera2' }]);
    await waitResolution(conn.peer, 0, fx.res('camera1'), { timeoutMs: 8000 });
    await waitResolution(conn.peer, 1, fx.res('camera2'), { timeoutMs: 8000 });
  });
  after(async () => {
    await fx?.stop();
  });

  test('switch: buffering then active; same SSRC, seq +1, ts non-decreasing, marker before, keyframe of the new camera after', { timeout: 60000 }, async (t) => {
    const { client, peer } = conn;
    // Several switches at different GOP phases, including back to an earlier camera.
    const plan = ['camera3', 'camera4', 'camera1', 'camera3', 'camera1'];
    let current = 'camera1';
    const latencies = [];
    for (const [i, next] of plan.entries()) {
      await sleep(300 + ((i * 457) % 900)); // vary the GOP phase
      const sentAt = Date.now();
      const r = await client.request('multistream/switch', { slot: 0, stream: next });
      assert.equal(r.data.type, 'multistream/status', JSON.stringify(r.data));
      assert.equal(r.data.value.slot, 0);
      assert.equal(r.data.value.status.status, 'buffering', `first reply: ${JSON.stringify(r.data)}`);
      assert.equal(r.data.value.status.stream, next);
      const act = await client.waitStatus(0, 'active', { since: r.since, timeoutMs: 5000 });
      assert.equal(act.data.value.status.stream, next);
      await waitResolution(peer, 0, fx.res(next), { since: sentAt, timeoutMs: 5000 });
      await sleep(400); // let the new camera run a little
      const res = checkSwitch(peer.packets(0), { from: fx.res(current), to: fx.res(next), sentAt, label: `switch #${i} ${current}->${next}` });
      latencies.push(res.latencyMs);
      current = next;
    }
    // Keep capturing a full GOP (2 s) after the last switch: the old
    // camera's keyframes must not leak into the slot.
    await sleep(2200);
    const pk0 = peer.packets(0);
    assertContinuous(pk0, 'slot 0');
    assert.ok(isKeyframeMaterial(pk0[0].payload), 'the slot starts with keyframe material');
    assert.deepEqual(frameNumViolations(pk0), [], 'slot 0 decodes cleanly: no P-frame on a foreign reference');
    assert.deepEqual(frameNumViolations(peer.packets(1)), [], 'slot 1 decodes cleanly');
    assert.equal(currentResolution(pk0), fx.res(current));
    assertContinuous(peer.packets(1), 'slot 1 (untouched)');
    assert.deepEqual([...new Set(resolutionsIn(peer.packets(1)))], [fx.res('camera2')], 'slot 1 kept camera2');
    t.diagnostic(`switch request -> first packet of the new camera (ms): ${latencies.join(', ')}`);
    for (const l of latencies) assert.ok(l < 2500, `switch latency ${l} ms (GOP is 2 s)`);
  });

  test('pause: status paused, no RTP on that slot while the other keeps flowing; resume: buffering, active, RTP with continuous seq', { timeout: 40000 }, async () => {
    const { client, peer } = conn;
    const r = await client.request('multistream/pause', { slot: 1 });
    assert.equal(r.data.type, 'multistream/status', JSON.stringify(r.data));
    assert.equal(r.data.value.slot, 1);
    assert.equal(r.data.value.status.status, 'paused');
    await sleep(300); // in-flight packets
    const mark = Date.now();
    await sleep(1200);
    assert.equal(peer.packets(1, mark).length, 0, 'no RTP on the paused slot');
    assert.ok(peer.packets(0, mark).length >= 10, `slot 0 keeps flowing (${peer.packets(0, mark).length} packets)`);
    const st = await fx.admin.status();
    assert.equal(st.slots_bound, 1, `paused slot is not bound: ${JSON.stringify(st)}`);

    // resume with the stream (spec form)
    const sentAt = Date.now();
    const rr = await client.request('multistream/resume', { slot: 1, stream: 'camera2' });
    assert.equal(rr.data.type, 'multistream/status', JSON.stringify(rr.data));
    assert.equal(rr.data.value.status.status, 'buffering');
    assert.equal(rr.data.value.status.stream, 'camera2');
    await client.waitStatus(1, 'active', { since: rr.since, timeoutMs: 5000 });
    await peer.waitPackets(1, 10, { since: sentAt, timeoutMs: 5000 });
    const first = peer.packets(1, sentAt)[0];
    assert.ok(isKeyframeMaterial(first.payload), 'RTP after resume starts with keyframe material');
    assert.equal(packetResolution(first.payload) ?? resolutionsIn(peer.packets(1, sentAt))[0], fx.res('camera2'));
    assertContinuous(peer.packets(1), 'slot 1 across pause/resume');

    // pause again, resume without a stream: back to the slot's stream
    const p2 = await client.request('multistream/pause', { slot: 1 });
    assert.equal(p2.data.value.status.status, 'paused');
    await sleep(500);
    const sent2 = Date.now();
    const r2 = await client.request('multistream/resume', { slot: 1 });
    assert.equal(r2.data.type, 'multistream/status', JSON.stringify(r2.data));
    assert.equal(r2.data.value.status.status, 'buffering');
    assert.equal(r2.data.value.status.stream, 'camera2');
    await client.waitStatus(1, 'active', { since: r2.since, timeoutMs: 5000 });
    await waitResolution(peer, 1, fx.res('camera2'), { since: sent2, timeoutMs: 5000 });
    await sleep(300);
    assertContinuous(peer.packets(1), 'slot 1 across two pause/resume cycles');
    assert.deepEqual(frameNumViolations(peer.packets(1)), [], 'slot 1 decodes cleanly across pause/resume');
    assertContinuous(peer.packets(0), 'slot 0 throughout');
  });

  test('Janus is still running', () => {
    assert.ok(fx.janusAlive(), `Janus exited: ${JSON.stringify(fx.janus.child.exitInfo)}\n${fx.janus.logTail(30)}`);
  });
});
