// Quality "auto" at the RTP level (werift): the plugin picks a slot's variant
// from its hints (rendered height, visibility): smallest while unhinted, the
// smallest variant at least as tall as the tile, the native stream when none
// is; a hidden tile sends nothing (status inactive, its variant released)
// and shows its camera again at once; every change as clean as a switch;
// hints for slots that are not auto are kept for when they are.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, skipPlugin, waitResolution, currentResolution, sleep } from '../lib/fixture.mjs';
import { isKeyframeMaterial } from '../lib/h264.mjs';
import { assertContinuous } from '../lib/rtpcheck.mjs';
import { RtcpRrPacket, RtcpReceiverInfo } from 'werift';

describe('quality auto', { skip: skipPlugin(), timeout: 180000 }, () => {
  let fx, conn;
  const hint = (slots) => conn.client.request('multistream/hint', { slots });
  // Receiver reports of the browser's (one per slot, as Chromium sends
  // them): fraction lost, and as the highest received the last packet of
  // the slot that arrived lagMs or more ago (slot 0 only; 0: the last)
  const report = async (fractionLost, lagMs = 0) => {
    for (const k of [0, 1]) {
      const ps = conn.peer.packets(k);
      const last = k === 0 && lagMs > 0 ? ps.filter((p) => p.at <= Date.now() - lagMs).at(-1) : ps.at(-1);
      if (!last) continue;
      const reports = [new RtcpReceiverInfo({ ssrc: last.ssrc, fractionLost, packetsLost: 0, highestSequence: last.seq, jitter: 0, lsr: 0, dlsr: 0 })];
      await conn.peer.transceivers[k].receiver.dtlsTransport.sendRtcp([new RtcpRrPacket({ ssrc: 0x1234 + k, reports })]);
    }
  };
  const reporting = (fractionLost, until, lagMs = 0) => (async () => { while (!until()) { await report(fractionLost, lagMs); await sleep(100); } })();
  const statusOf = async (slot, pred, since, timeoutMs = 6000) => (await conn.client.waitEvent(
    (d) => d?.type === 'multistream/status' && d.value?.slot === slot && pred(d.value.status), { since, timeoutMs, what: `slot ${slot} status` })).data.value.status;
  const consumers = async (name) => (await fx.admin.status()).sources.find((s) => s.name === name)?.consumers;
  const sourceOf = async (name) => (await fx.admin.status()).sources.find((s) => s.name === name);
  /** Poll the admin status until fn(source) holds (or fail with what it was). */
  const waitSource = async (name, fn, what, timeoutMs = 8000) => {
    const t0 = Date.now();
    let s = null;
    while (Date.now() - t0 < timeoutMs) {
      s = await sourceOf(name);
      if (s && fn(s)) return s;
      await sleep(100);
    }
    assert.fail(`${name}: ${what} (last: ${JSON.stringify(s)})`);
  };

  before(async () => {
    fx = await startFixture({
      name: 'auto',
      // Every bandwidth step up proven by a padding probe first (by default
      // only rounds over 150 % of what the slots carry: these cameras'
      // variants are a few kbit/s apart)
      general: { auto_probe_above: 100 },
      cameras: [{ stream: 'cam1', port: 5700 }, { stream: 'cam2', port: 5702 }],
      extraStreams: {
        'cam1-120p': 'ffmpeg:cam1#video=h264#height=120#gop=1',
        'cam1-180p': 'ffmpeg:cam1#video=h264#height=180#gop=1',
        'cam2-144p': 'ffmpeg:cam2#video=h264#height=144#gop=1',
      },
    });
    conn = await fx.connect([{ slot: 0, stream: 'cam1', quality: 'auto' }, { slot: 1, stream: 'cam2' }]);
  });
  after(async () => {
    await fx?.stop();
  });

  test('unhinted: the smallest variant; statuses say quality auto and actualQuality', { timeout: 30000 }, async () => {
    const a = conn.answer.data.value.slots[0];
    assert.equal(a.status, 'active');
    assert.deepEqual([a.quality, a.actualQuality], ['auto', '120p'], `the answer tells the pick: ${JSON.stringify(a)}`);
    await waitResolution(conn.peer, 0, '160x120', { timeoutMs: 10000 });
    const r = await conn.client.request('multistream/keyframe', { slot: 0 });
    assert.equal(r.data.type, 'multistream/keyframe');
    const h = await hint([{ slot: 0, width: 160, height: 120, visible: true }]);
    assert.deepEqual(h.data, { type: 'multistream/hint', value: { request_id: h.request_id } });
  });

  test('bigger tile: the smallest variant at least as tall; taller than all: native; every change clean', { timeout: 40000 }, async (t) => {
    let since = conn.client.mark();
    let t0 = Date.now();
    await hint([{ slot: 0, width: 240, height: 150, visible: true }]);
    let st = await statusOf(0, (s) => s.status === 'active' && s.actualQuality === '180p', since);
    assert.equal(st.quality, 'auto');
    assert.equal(st.stream, 'cam1');
    await waitResolution(conn.peer, 0, '240x180', { since: t0, timeoutMs: 8000 });
    const up1 = conn.peer.packets(0, t0).find((p) => currentResolution([p]) === '240x180').at - t0;
    since = conn.client.mark();
    t0 = Date.now();
    await hint([{ slot: 0, width: 800, height: 600, visible: true }]);
    st = await statusOf(0, (s) => s.status === 'active' && s.actualQuality === 'native', since);
    await waitResolution(conn.peer, 0, fx.res('cam1'), { since: t0, timeoutMs: 8000 });
    const up2 = conn.peer.packets(0, t0).find((p) => currentResolution([p]) === fx.res('cam1')).at - t0;
    t.diagnostic(`hint -> first packet of the new variant: ${up1} ms (to 180p), ${up2} ms (to native)`);
    await sleep(500);
    assertContinuous(conn.peer.packets(0), 'slot 0 across quality changes');
  });

  test('the candidates next to the pick are kept running (auto_warm): a shrink flips from a running variant', { timeout: 40000 }, async (t) => {
    await hint([{ slot: 0, width: 240, height: 150, visible: true }]);
    await waitResolution(conn.peer, 0, '240x180', { since: Date.now(), timeoutMs: 8000 });
    // 180p shown: 120p (one below) is kept running for the slot, with no viewer of its own
    await waitSource('cam1-120p', (s) => s.consumers === 1 && s.state === 'active', 'kept running next to the pick');
    await sleep(1200);		// its GOP cache holds a keyframe (gop=1)
    const since = conn.client.mark();
    const t0 = Date.now();
    await hint([{ slot: 0, width: 160, height: 100, visible: true }]);
    await statusOf(0, (s) => s.status === 'active' && s.actualQuality === '120p', since);
    await waitResolution(conn.peer, 0, '160x120', { since: t0, timeoutMs: 8000 });
    const first = conn.peer.packets(0, t0).find((p) => currentResolution([p]) === '160x120').at - t0;
    t.diagnostic(`shrink to the warm 120p -> its first packet ${first} ms after the hint`);
    // now 180p is the neighbour above: still running, for the slot's warm consumer only
    await waitSource('cam1-180p', (s) => s.consumers === 1 && s.state === 'active', 'kept running above the pick');
    await sleep(300);
    assertContinuous(conn.peer.packets(0), 'slot 0 across the warm flip');
  });

  test('hidden: inactive, no RTP, its variant released; visible again: its camera at once, from a keyframe', { timeout: 40000 }, async (t) => {
    await hint([{ slot: 0, width: 240, height: 150, visible: true }]);
    await waitResolution(conn.peer, 0, '240x180', { since: Date.now(), timeoutMs: 8000 });
    let since = conn.client.mark();
    await hint([{ slot: 0, width: 240, height: 150, visible: false }]);
    const st = await statusOf(0, (s) => s.status === 'inactive', since);
    assert.equal(st.actualQuality, '180p');
    await sleep(300);
    const mark = Date.now();
    await sleep(1200);
    assert.equal(conn.peer.packets(0, mark).length, 0, 'nothing sent while hidden');
    assert.ok(conn.peer.packets(1, mark).length > 5, 'the other slot plays on');
    assert.equal(await consumers('cam1-180p'), 0, 'the hidden slot released its variant');
    assert.equal(await consumers('cam1-120p'), 0, 'and the one it kept warm');
    since = conn.client.mark();
    const t0 = Date.now();
    await hint([{ slot: 0, width: 240, height: 150, visible: true }]);
    await statusOf(0, (s) => s.status === 'active', since);
    const pk = await conn.peer.waitPackets(0, 1, { since: t0, timeoutMs: 5000 });
    assert.ok(isKeyframeMaterial(pk[0].payload), 'visible again: starts on a keyframe');
    t.diagnostic(`visible again -> first packet ${pk[0].at - t0} ms`);
    await sleep(500);
    assertContinuous(conn.peer.packets(0), 'slot 0 across hide/show');
  });

  test('bandwidth: loss in receiver reports steps the slot down; the step back up starts at the live keyframe (no replay burst)', { timeout: 90000 }, async (t) => {
    await hint([{ slot: 0, width: 240, height: 150, visible: true }]);
    await waitResolution(conn.peer, 0, '240x180', { since: Date.now(), timeoutMs: 8000 });
    await sleep(2500);		// past the replay's grace: feedback is judged again
    let since = conn.client.mark();
    let done = false;
    const lossy = reporting(128, () => done);		// 50 % lost
    const down = await statusOf(0, (s) => s.status === 'active' && s.actualQuality === '120p', since, 15000).finally(() => { done = true; });
    await lossy;
    assert.equal(down.quality, 'auto');
    await waitResolution(conn.peer, 0, '160x120', { timeoutMs: 8000 });
    // Loss gone: the estimate grows back and the slot steps up (a probe)
    since = conn.client.mark();
    const t0 = Date.now();
    done = false;
    const clean = reporting(0, () => done);
    await statusOf(0, (s) => s.status === 'active' && s.actualQuality === '180p', since, 60000).finally(() => { done = true; });
    await clean;
    await waitResolution(conn.peer, 0, '240x180', { since: t0, timeoutMs: 8000 });
    const pk = conn.peer.packets(0, t0);
    const i = pk.findIndex((p) => currentResolution([p]) === '240x180');
    assert.ok(isKeyframeMaterial(pk[i].payload), 'the step up starts at a keyframe');
    // A replay sends the cached GOP at once (its frames a tick apart); a
    // live start sends one frame, the next a frame's time later
    const burst = new Set(pk.slice(i).filter((p) => p.at - pk[i].at < 40).map((p) => p.ts)).size;
    t.diagnostic(`stepped down on loss; back up ${Date.now() - t0} ms after the loss ended; frames within 40 ms of its keyframe: ${burst}`);
    assert.ok(burst <= 2, `the step up came as a burst of ${burst} frames (a GOP replay), not at the live keyframe`);
    // The step up was proven first by a padding probe (packets of no media
    // on the slots' own streams: as much as the step adds, here a few
    // kbit/s); padding only ever between two frames
    const info = (await fx.admin.handleInfo(conn.client.sessionId, conn.client.handleId)).plugin_specific;
    const all = [0, 1].map((k) => conn.peer.packets(k));
    const padding = all.map((ps) => ps.filter((p) => p.payload.length === 0).length);
    t.diagnostic(`probes ${JSON.stringify(info.probes)}; padding packets seen ${padding.join(', ')}, sent ${info.slots.map((x) => x.padding).join(', ')} (slots 0, 1)`);
    assert.ok(info.probes.passed >= 1, `no probe passed before the step up: ${JSON.stringify(info.probes)}`);
    for (const ps of all) {
      const bySeq = [...ps].sort((a, b) => a.seq - b.seq);
      for (let k = 1; k < bySeq.length; k++) {
        const p = bySeq[k], prev = bySeq[k - 1];
        if (p.payload.length === 0 && p.seq === ((prev.seq + 1) & 0xffff)) {
          assert.ok(prev.marker || prev.payload.length === 0, `padding ${p.seq} inside a frame (after ${prev.seq}, no marker)`);
          assert.equal(p.ts, prev.ts, 'padding carries the timestamp of the frame before it');
        }
      }
    }
    await sleep(300);
    assertContinuous(conn.peer.packets(0), 'slot 0 across bandwidth steps');
  });

  test('bandwidth: a probe the link does not carry (its receiver reports lag: a queue) steps nothing up; one it carries does', { timeout: 90000 }, async (t) => {
    const probes = async () => (await fx.admin.handleInfo(conn.client.sessionId, conn.client.handleId)).plugin_specific;
    await hint([{ slot: 0, width: 240, height: 150, visible: true }]);
    await sleep(2500);		// past any replay's grace
    let since = conn.client.mark();
    let done = false;
    const lossy = reporting(128, () => done);
    await statusOf(0, (s) => s.status === 'active' && s.actualQuality === '120p', since, 15000).finally(() => { done = true; });
    await lossy;
    const before = (await probes()).probes;
    // No loss now, but slot 0's reports name as the highest received a
    // packet sent 400 ms ago (slot 1's are fresh: the path's own lag stays
    // small): whatever a probe sends queues up
    since = conn.client.mark();
    done = false;
    const lagging = reporting(0, () => done, 400);
    await sleep(9000);
    done = true;
    await lagging;
    const held = await probes();
    t.diagnostic(`lagging reports for 9 s: probes ${JSON.stringify(held.probes)} (before ${JSON.stringify(before)})`);
    assert.ok(held.probes.failed > before.failed, `no probe failed on the report lag: ${JSON.stringify(held.probes)}`);
    assert.equal(held.probes.passed, before.passed, 'a probe passed on lagging reports');
    assert.equal(held.slots[0].actualQuality, '120p', 'the slot stepped up without a probe that passed');
    assert.equal(conn.client.events.slice(since).filter((e) => e.data?.type === 'multistream/status' && e.data.value?.slot === 0 &&
      e.data.value.status?.actualQuality === '180p').length, 0, 'a status said 180p');
    // Fresh reports: the next probe passes (its padding seen on the slots'
    // streams, between frames), and the slot steps up
    const t0 = Date.now();
    done = false;
    const clean = reporting(0, () => done);
    await statusOf(0, (s) => s.status === 'active' && s.actualQuality === '180p', since, 30000).finally(() => { done = true; });
    await clean;
    const after = await probes();
    const padding = [0, 1].map((k) => conn.peer.packets(k, t0).filter((p) => p.payload.length === 0).length);
    t.diagnostic(`fresh reports: stepped up ${Date.now() - t0} ms later; probes ${JSON.stringify(after.probes)}; padding packets seen ${padding.join(', ')}, sent ${after.slots.map((x) => x.padding).join(', ')}`);
    assert.ok(after.probes.passed > held.probes.passed);
    assert.ok(padding[0] + padding[1] > 0, 'no padding seen from the probe that passed');
  });

  test('a hint for a slot that is not auto changes nothing, and is used once it is', { timeout: 30000 }, async () => {
    await waitResolution(conn.peer, 1, fx.res('cam2'), { timeoutMs: 8000 });
    await hint([{ slot: 1, width: 100, height: 100, visible: true }]);
    const mark = Date.now();
    await sleep(800);
    assert.equal(currentResolution(conn.peer.packets(1)), fx.res('cam2'), 'a fixed slot is never changed by the plugin');
    assert.ok(conn.peer.packets(1, mark).length > 5);
    const r = await conn.client.request('multistream/switch', { slot: 1, stream: 'cam2', quality: 'auto' });
    assert.equal(r.data.value.status.quality, 'auto');
    assert.equal(r.data.value.status.actualQuality, '144p', `the kept hint picks 144p: ${JSON.stringify(r.data)}`);
    await waitResolution(conn.peer, 1, `${Math.round((Number(fx.res('cam2').split('x')[0]) * 144) / Number(fx.res('cam2').split('x')[1]) / 2) * 2}x144`, { since: mark, timeoutMs: 8000 });
  });

  test('errors: a hint for a slot not in the init -> 483, nothing changes; a malformed hint -> 480', async () => {
    const e = await conn.client.request('multistream/hint', { slots: [{ slot: 0, width: 1, height: 1, visible: false }, { slot: 5, width: 1, height: 1, visible: true }] });
    assert.equal(e.data.value.code, 483, JSON.stringify(e.data));
    const mark = Date.now();
    await sleep(600);
    assert.ok(conn.peer.packets(0, mark).length > 3, 'slot 0 was not hidden by the refused hint');
    const e2 = await conn.client.request('multistream/hint', { slots: [{ slot: 0, width: 1, height: 1 }] });
    assert.equal(e2.data.value.code, 480);
  });
});
