// init / offer / answer, RTP per slot, keyframe requests, quality resolution.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, skipPlugin, resolutionsIn, waitResolution, sleep } from '../lib/fixture.mjs';
import { mediaSections } from '../lib/sdp.mjs';

describe('signaling: init, offer/answer, RTP per slot', { skip: skipPlugin(), timeout: 120000 }, () => {
  let fx;
  let conn; // { client, peer, ready, answer }
  const slots = [
    { slot: 0, stream: 'camera1' },
    { slot: 1, stream: 'camera2' },
    { slot: 2, stream: 'nosuchcam' },
  ];

  before(async () => {
    fx = await startFixture({
      name: 'signaling',
      cameras: [
        { stream: 'camera1', port: 5004 },
        { stream: 'camera2', port: 5006 },
        { stream: 'camera3', port: 5008 },
        { stream: 'camera1-360p', port: 5010 },
      ],
    });
  });
  after(async () => {
    await fx?.stop();
  });

  test('init with 3 slots (one unknown stream) -> ready; offer -> answer with per-slot status and mid', { timeout: 30000 }, async () => {
    conn = await fx.connect(slots);
    const { ready, answer, peer } = conn;
    assert.deepEqual(ready.data, { type: 'multistream/ready', value: { request_id: ready.request_id, slots: 3 } });

    const a = answer.data;
    assert.equal(a.type, 'multistream/answer');
    assert.equal(a.value.request_id, answer.request_id);
    assert.ok(Array.isArray(a.value.slots), 'value.slots is an array');
    assert.equal(a.value.slots.length, 3);
    const bySlot = Object.fromEntries(a.value.slots.map((s) => [s.slot, s]));
    for (const k of [0, 1]) {
      const s = bySlot[k];
      assert.ok(s, `slot ${k} present`);
      assert.equal(s.stream, slots[k].stream);
      assert.ok(['active', 'buffering', 'pending'].includes(s.status), `slot ${k} status ${s.status}`);
      assert.equal(s.error, undefined);
    }
    assert.equal(bySlot[2].stream, 'nosuchcam');
    assert.equal(bySlot[2].status, 'error');
    assert.equal(bySlot[2].error, 'stream not found');
    for (const s of a.value.slots) assert.equal(typeof s.mid, 'string', `mid of slot ${s.slot} is a string`);
    assert.equal(new Set(a.value.slots.map((s) => s.mid)).size, 3, 'mids are distinct');

    // jsep: N sendonly video m-lines, slot k = k-th m-line, one SSRC each.
    assert.equal(answer.jsep.type, 'answer');
    const ms = mediaSections(answer.jsep.sdp);
    const videos = ms.filter((m) => m.kind === 'video');
    assert.equal(videos.length, 3, 'three video m-lines');
    assert.equal(ms.length, 3, 'nothing but the three video m-lines');
    const offerMids = peer.mids();
    videos.forEach((m, k) => {
      assert.equal(m.direction, 'sendonly', `m-line ${k} is sendonly`);
      assert.notEqual(m.port, 0, `m-line ${k} is not rejected`);
      assert.equal(m.mid, bySlot[k].mid, `slot ${k}'s mid is the ${k}-th m-line's mid`);
      assert.equal(m.mid, offerMids[k], `answer mid ${k} matches the offer`);
      const h264 = m.rtpmaps.filter((r) => r.codec.toUpperCase() === 'H264');
      assert.equal(h264.length, 1, `m-line ${k} negotiates H264`);
      assert.match(m.fmtps[h264[0].pt] || '', /packetization-mode=1/);
      assert.equal(m.ssrcs.length, 1, `m-line ${k} has one SSRC (got ${m.ssrcs})`);
    });
    assert.equal(new Set(videos.map((m) => m.ssrcs[0])).size, 3, 'SSRCs distinct per slot');
  });

  test('RTP arrives on every bound slot with its camera, its SSRC and the negotiated PT; none on the error slot', { timeout: 20000 }, async () => {
    assert.ok(conn, 'needs the previous test');
    const { peer, answer } = conn;
    const videos = mediaSections(answer.jsep.sdp);
    await peer.waitPackets(0, 30, { timeoutMs: 8000 });
    await peer.waitPackets(1, 30, { timeoutMs: 8000 });
    await waitResolution(peer, 0, fx.res('camera1'), { timeoutMs: 5000 });
    await waitResolution(peer, 1, fx.res('camera2'), { timeoutMs: 5000 });
    await sleep(500);
    for (const k of [0, 1]) {
      const pk = peer.packets(k);
      assert.deepEqual([...new Set(pk.map((p) => p.ssrc))], videos[k].ssrcs, `slot ${k} SSRC is the answer's`);
      const pt = videos[k].rtpmaps.find((r) => r.codec.toUpperCase() === 'H264').pt;
      assert.deepEqual([...new Set(pk.map((p) => p.pt))], [pt], `slot ${k} payload type`);
      assert.deepEqual([...new Set(resolutionsIn(pk))], [fx.res(slots[k].stream)], `slot ${k} shows only ${slots[k].stream}`);
    }
    assert.equal(peer.packets(2).length, 0, 'no RTP on the error slot');
    const st = await fx.admin.status();
    assert.equal(st.multistream, 'status');
    assert.ok(st.sessions >= 1);
    assert.equal(st.slots_bound, 2, `two bound slots: ${JSON.stringify(st)}`);
    const src = Object.fromEntries(st.sources.map((s) => [s.name, s]));
    assert.equal(src.camera1?.kind, 'rtp');
    assert.equal(src.camera1?.consumers, 1);
    assert.equal(src.camera2?.consumers, 1);
    assert.equal(src.camera3?.consumers, 0);
  });

  test('keyframe on slot 0 and on slot -1 -> multistream/keyframe requested', { timeout: 10000 }, async () => {
    const { client } = conn;
    for (const slot of [0, -1]) {
      const r = await client.request('multistream/keyframe', { slot });
      assert.deepEqual(r.data, { type: 'multistream/keyframe', value: { request_id: r.request_id, slot, status: 'requested' } });
    }
  });

  test('switch with quality: "360p" -> camera1-360p; "" and "native" -> bare name; the error slot comes alive', { timeout: 40000 }, async () => {
    const { client, peer } = conn;
    const cases = [
      { value: { slot: 2, stream: 'camera1', quality: '360p' }, resolved: 'camera1-360p', quality: '360p' },
      { value: { slot: 2, stream: 'camera3', quality: '' }, resolved: 'camera3' },
      { value: { slot: 2, stream: 'camera2', quality: 'native' }, resolved: 'camera2' },
      { value: { slot: 2, stream: 'camera1' }, resolved: 'camera1' },
    ];
    for (const c of cases) {
      const t = Date.now();
      const r = await client.request('multistream/switch', c.value);
      assert.equal(r.data.type, 'multistream/status', JSON.stringify(r.data));
      assert.equal(r.data.value.slot, 2);
      assert.equal(r.data.value.status.slot, 2);
      assert.equal(r.data.value.status.status, 'buffering', `first reply is buffering: ${JSON.stringify(r.data)}`);
      assert.equal(r.data.value.status.stream, c.resolved);
      if (c.quality) assert.equal(r.data.value.status.quality, c.quality);
      const act = await client.waitStatus(2, 'active', { since: r.since, timeoutMs: 6000 });
      assert.equal(act.data.value.status.stream, c.resolved);
      await waitResolution(peer, 2, fx.res(c.resolved), { since: t, timeoutMs: 4000 });
    }
  });

  test('Janus is still running', () => {
    assert.ok(fx.janusAlive(), `Janus exited: ${JSON.stringify(fx.janus.child.exitInfo)}\n${fx.janus.logTail(30)}`);
  });
});
