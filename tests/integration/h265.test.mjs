// H265 cameras end to end at the RTP level (werift clients):
// - the codec of each stream is found (declared #video=h265, or from the
//   stream itself) and shown in the stream list and in every status;
// - a client that offers H265 gets H265 on its slots: VPS/SPS/PPS before the
//   first IRAP, the H265 payload type of its m-line;
// - a slot switches between H264 and H265 cameras with one SSRC, seq +1,
//   the old stream ending on a frame and the new one starting with its
//   parameter sets;
// - a client that offers only H264 gets an H264 transcode of an H265 camera:
//   one per camera however many viewers, stopped after the last;
// - bad input: a feed that changes codec mid-stream, truncated aggregation
//   packets, parameter sets without an IRAP.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startFixture, skipPlugin, resolutionsIn, waitResolution, currentResolution, sleep } from '../lib/fixture.mjs';
import { h264Codec, h265Codec } from '../lib/client.mjs';
import * as H265 from '../lib/h265.mjs';
import { slotPayloadTypes } from '../lib/sdp.mjs';
import { isKeyframeMaterial, seqDiff, tsDiff } from '../lib/h264.mjs';
import { assertContinuous } from '../lib/rtpcheck.mjs';
import { ffmpegChildren } from '../lib/procs.mjs';
import { startCamera } from '../lib/cameras.mjs';

const BOTH = () => [h265Codec(), h264Codec()];


/** What a packet is: 'h265' or 'h264', from the slot's payload types. */
const codecOf = (p, pts) => (p.pt === pts.h265 ? 'h265' : p.pt === pts.h264 ? 'h264' : `pt${p.pt}`);

/** A keyframe start of the packet's codec. */
function keyStart(p, pts) {
  return codecOf(p, pts) === 'h265' ? H265.keyframeStart(p.payload) : isKeyframeMaterial(p.payload);
}

/**
 * A switch on a capture: the first packet after sentAt of codec `to`. The
 * packet before it ends a frame, it starts a keyframe (H265: parameter sets
 * first, then an IRAP before any other picture), only `to` after it.
 */
function checkCodecSwitch(pk, pts, { to, toRes, sentAt, label }) {
  const flip = pk.findIndex((p) => p.at >= sentAt && codecOf(p, pts) === to && resolutionsIn([p]).includes(toRes));
  assert.ok(flip > 0, `${label}: a ${to} keyframe of ${toRes} arrived after the switch`);
  assert.equal(pk[flip - 1].marker, true, `${label}: the old stream ends on a frame (marker bit)`);
  assert.ok(keyStart(pk[flip], pts), `${label}: the new stream starts with a keyframe`);
  const after = pk.slice(flip);
  for (const p of after) assert.equal(codecOf(p, pts), to, `${label}: only ${to} after the flip`);
  if (to === 'h265') {
    const types = after.slice(0, 60).flatMap((p) => H265.nalTypes(p.payload));
    const firstPic = types.findIndex((t) => t < 32);
    assert.ok(firstPic > 0, `${label}: pictures after the parameter sets`);
    assert.ok(H265.isIrap(types[firstPic]), `${label}: the first picture is an IRAP (NALs ${types.slice(0, 8).map(H265.nalName)})`);
    for (const ps of [H265.NAL.VPS, H265.NAL.SPS, H265.NAL.PPS]) {
      assert.ok(types.slice(0, firstPic).includes(ps), `${label}: ${H265.nalName(ps)} before the first IRAP`);
    }
  }
  return { flip, latencyMs: pk[flip].at - sentAt };
}

async function sourceStatus(fx, name) {
  const st = await fx.admin.status();
  return (st.sources || []).find((s) => s.name === name);
}

async function waitSource(fx, name, pred, timeoutMs = 8000) {
  const t0 = Date.now();
  let s;
  while (Date.now() - t0 < timeoutMs) {
    s = await sourceStatus(fx, name);
    if (s && pred(s)) return s;
    await sleep(100);
  }
  throw new Error(`source ${name}: condition not met in ${timeoutMs} ms (${JSON.stringify(s)})`);
}

describe('H265 cameras at the RTP level', { skip: skipPlugin(), timeout: 240000 }, () => {
  let fx;

  before(async () => {
    fx = await startFixture({
      name: 'h265',
      cameras: [
        { stream: 'camera1', port: 5420 },
        { stream: 'camera2', port: 5422, codec: 'h265' },
        { stream: 'camera3', port: 5424, codec: 'h265', declare: false },
        { stream: 'camera4', port: 5426 },
      ],
      extraStreams: {
        // A feed whose sender changes codec; an H265 output variant of an
        // H264 camera; an H264 variant of an H265 camera.
        flip: 'rtp://127.0.0.1:5428',
        'camera1-hevc': 'ffmpeg:camera1#video=h265#height=120#gop=1',
        'camera2-small': 'ffmpeg:camera2#video=h264#height=144#gop=1',
        junk: 'rtp://127.0.0.1:5430#video=h265',
      },
    });
  });
  after(async () => {
    await fx?.stop();
  });

  test('stream list: codec per stream, declared or found in the stream; null until known', async () => {
    const h = await fx.handle();
    const t0 = Date.now();
    let list;
    while (Date.now() - t0 < 6000) {
      const r = await h.request('multistream/streams', {});
      list = Object.fromEntries(r.data.value.streams.map((s) => [s.name, s]));
      if (list.camera3?.codec === 'h265' && list.camera1?.codec === 'h264') break;
      await sleep(200);
    }
    assert.equal(list.camera1.codec, 'h264');
    assert.equal(list.camera2.codec, 'h265', 'declared #video=h265');
    assert.equal(list.camera3.codec, 'h265', 'an undeclared rtp feed is found H265 from its parameter sets');
    assert.equal(list['camera1-hevc'].codec, 'h265', 'an ffmpeg: variant sends what it says');
    assert.equal(list['camera2-small'].codec, 'h264');
    assert.ok(!Object.keys(list).some((n) => n.includes('@')), `the transcodes are not listed (${Object.keys(list)})`);
  });

  test('a client offering H265 gets H265: its payload type, VPS/SPS/PPS before the first IRAP; status codec h265', { timeout: 30000 }, async () => {
    const conn = await fx.connect([{ slot: 0, stream: 'camera2' }, { slot: 1, stream: 'camera1' }], { codecs: BOTH() });
    const pts = slotPayloadTypes(conn.answer.jsep.sdp);
    assert.equal(pts.length, 2);
    for (const p of pts) {
      assert.ok(p.h264 >= 0 && p.h265 >= 0, `every slot m-line keeps H264 and H265: ${p.mline}`);
    }
    await waitResolution(conn.peer, 0, fx.res('camera2'), { timeoutMs: 8000 });
    await waitResolution(conn.peer, 1, fx.res('camera1'), { timeoutMs: 8000 });
    const pk0 = conn.peer.packets(0);
    assert.ok(pk0.every((p) => p.pt === pts[0].h265), `slot 0 sends the H265 payload type only (${[...new Set(pk0.map((p) => p.pt))]})`);
    assert.ok(conn.peer.packets(1).every((p) => p.pt === pts[1].h264), 'slot 1 sends the H264 payload type only');
    const types = pk0.slice(0, 40).flatMap((p) => H265.nalTypes(p.payload));
    const firstPic = types.findIndex((t) => t < 32);
    assert.ok(firstPic > 0 && H265.isIrap(types[firstPic]), `first picture is an IRAP: ${types.slice(0, 8).map(H265.nalName)}`);
    for (const ps of [32, 33, 34]) assert.ok(types.slice(0, firstPic).includes(ps), `${H265.nalName(ps)} first`);
    const st = await conn.client.request('multistream/switch', { slot: 0, stream: 'camera2' });
    assert.equal(st.data.value.status.codec, 'h265', JSON.stringify(st.data));
    const st1 = await conn.client.request('multistream/switch', { slot: 1, stream: 'camera1' });
    assert.equal(st1.data.value.status.codec, 'h264', JSON.stringify(st1.data));
    // No transcode was needed
    const t = await sourceStatus(fx, 'camera2@h264');
    assert.ok(t, 'the transcode exists (admin status)');
    assert.equal(t.consumers, 0, 'and nobody uses it');
    await conn.peer.close();
  });

  test('switching H264 <-> H265 on one slot: one SSRC, seq +1, ends on a frame, starts with parameter sets and an IRAP', { timeout: 60000 }, async (t) => {
    const conn = await fx.connect([{ slot: 0, stream: 'camera1' }, { slot: 1, stream: 'camera4' }], { codecs: BOTH() });
    const pts = slotPayloadTypes(conn.answer.jsep.sdp)[0];
    await waitResolution(conn.peer, 0, fx.res('camera1'), { timeoutMs: 8000 });
    const plan = ['camera2', 'camera1', 'camera3', 'camera2', 'camera4', 'camera3', 'camera1'];
    const codec = { camera1: 'h264', camera2: 'h265', camera3: 'h265', camera4: 'h264' };
    const latencies = [];
    let prev = 'camera1';
    for (const [i, next] of plan.entries()) {
      await sleep(350 + ((i * 389) % 700));
      const sentAt = Date.now();
      const r = await conn.client.request('multistream/switch', { slot: 0, stream: next });
      assert.equal(r.data.value.status.status, 'buffering', JSON.stringify(r.data));
      const act = await conn.client.waitStatus(0, 'active', { since: r.since, timeoutMs: 5000 });
      assert.equal(act.data.value.status.codec, codec[next], `active status says ${codec[next]}: ${JSON.stringify(act.data)}`);
      await waitResolution(conn.peer, 0, fx.res(next), { since: sentAt, timeoutMs: 5000 });
      await sleep(300);
      if (codec[next] !== codec[prev] || fx.res(next) !== fx.res(prev)) {
        const res = checkCodecSwitch(conn.peer.packets(0), pts, { to: codec[next], toRes: fx.res(next), sentAt, label: `#${i} ${prev}->${next}` });
        latencies.push(res.latencyMs);
      }
      prev = next;
    }
    await sleep(1500);
    const pk = conn.peer.packets(0);
    assertContinuous(pk, 'slot 0 across codec switches');
    assert.equal(currentResolution(pk), fx.res(prev));
    assertContinuous(conn.peer.packets(1), 'slot 1 untouched');
    t.diagnostic(`switch request -> first packet of the new camera (ms): ${latencies.join(', ')}`);
    await conn.peer.close();
  });

  test('a client offering only H264 gets the H264 transcode: one ffmpeg per camera for all its viewers, stopped after the last', { timeout: 60000 }, async (t) => {
    const c0 = Date.now();
    const a = await fx.connect([{ slot: 0, stream: 'camera2' }]);
    const ptsA = slotPayloadTypes(a.answer.jsep.sdp)[0];
    assert.equal(ptsA.h265, -1, 'no H265 in the answer when not offered');
    await waitResolution(a.peer, 0, fx.res('camera2'), { timeoutMs: 10000 });
    t.diagnostic(`cold transcode: connect -> first packet ${a.peer.packets(0)[0].at - c0} ms`);
    assert.ok(a.peer.packets(0).every((p) => p.pt === ptsA.h264), 'H264 payload type only');
    assert.ok(isKeyframeMaterial(a.peer.packets(0)[0].payload), 'starts with an H264 keyframe');
    // A second viewer, switching in from an H264 camera
    const b = await fx.connect([{ slot: 0, stream: 'camera1' }]);
    await waitResolution(b.peer, 0, fx.res('camera1'), { timeoutMs: 8000 });
    const sentAt = Date.now();
    const r = await b.client.request('multistream/switch', { slot: 0, stream: 'camera2' });
    assert.equal(r.data.value.status.status, 'buffering');
    assert.equal(r.data.value.status.stream, 'camera2', 'the slot shows the camera by its name');
    const act = await b.client.waitStatus(0, 'active', { since: r.since, timeoutMs: 5000 });
    assert.equal(act.data.value.status.codec, 'h264', JSON.stringify(act.data));
    await waitResolution(b.peer, 0, fx.res('camera2'), { since: sentAt, timeoutMs: 5000 });
    t.diagnostic(`warm transcode: switch -> first packet ${b.peer.packets(0, sentAt).find((p) => resolutionsIn([p]).includes(fx.res('camera2'))).at - sentAt} ms`);
    const tr = await sourceStatus(fx, 'camera2@h264');
    assert.equal(tr.consumers, 2, 'both viewers on one transcode');
    const kids = ffmpegChildren(fx.janus.child.pid).filter((k) => k.cmd.includes('libx264') && !k.cmd.includes('scale='));
    assert.equal(kids.length, 1, `one H264 transcode ffmpeg (${kids.map((k) => k.cmd).join(' | ')})`);
    await sleep(1000);
    assertContinuous(b.peer.packets(0), 'viewer b across the switch into the transcode');
    // Back to an H264 camera; then both leave: the transcode stops
    await b.client.request('multistream/switch', { slot: 0, stream: 'camera1' });
    await a.client.request('multistream/pause', { slot: 0 });
    await waitSource(fx, 'camera2@h264', (s) => !s.running, 8000);
    const transcodes = () => ffmpegChildren(fx.janus.child.pid).filter((k) => k.cmd.includes('ms-variant') && !k.cmd.includes('scale='));
    for (let i = 0; i < 40 && transcodes().length > 0; i++) await sleep(100); // being stopped
    assert.equal(transcodes().length, 0, 'no transcode process left');
    await a.peer.close();
    await b.peer.close();
  });

  test('ffmpeg: variants take an H265 parent, and may send H265', { timeout: 40000 }, async () => {
    const conn = await fx.connect([{ slot: 0, stream: 'camera2', quality: 'small' }, { slot: 1, stream: 'camera1', quality: 'hevc' }], { codecs: BOTH() });
    const pts = slotPayloadTypes(conn.answer.jsep.sdp);
    const waitPk = async (k, pred, what) => {
      const t0 = Date.now();
      while (Date.now() - t0 < 15000) {
        if (conn.peer.packets(k).some(pred)) return;
        await sleep(100);
      }
      throw new Error(`slot ${k}: no ${what}`);
    };
    await waitPk(0, (p) => p.pt === pts[0].h264 && resolutionsIn([p]).some((r) => r.endsWith('x144')), 'H264 SPS of 144 lines');
    await waitPk(1, (p) => p.pt === pts[1].h265 && resolutionsIn([p]).some((r) => r.endsWith('x120')), 'H265 SPS of 120 lines');
    await conn.peer.close();
  });

  test('bad input: a feed changing codec mid-stream is followed; truncated APs and parameter sets without an IRAP harm nobody', { timeout: 60000 }, async () => {
    // The feed starts as H264
    let cam = startCamera({ name: 'flip', port: 5428, colour: 'white', width: 256, height: 192, logDir: fx.janus.outDir });
    try {
      const h265 = await fx.connect([{ slot: 0, stream: 'flip' }, { slot: 1, stream: 'junk' }, { slot: 2, stream: 'camera4' }], { codecs: BOTH() });
      const h264only = await fx.connect([{ slot: 0, stream: 'flip' }]);
      const pts = slotPayloadTypes(h265.answer.jsep.sdp)[0];
      await waitResolution(h265.peer, 0, '256x192', { timeoutMs: 8000 });
      await waitResolution(h264only.peer, 0, '256x192', { timeoutMs: 8000 });
      assert.ok(h265.peer.packets(0).every((p) => p.pt === pts.h264));
      // ... then the sender restarts sending H265 to the same port
      await cam.stop();
      const sentAt = Date.now();
      cam = startCamera({ name: 'flip', port: 5428, colour: 'white', width: 288, height: 160, codec: 'h265', logDir: fx.janus.outDir });
      await waitResolution(h265.peer, 0, '288x160', { since: sentAt, timeoutMs: 10000 });
      await waitResolution(h264only.peer, 0, '288x160', { since: sentAt, timeoutMs: 15000 });
      const h = await fx.handle();
      const list = (await h.request('multistream/streams', {})).data.value.streams;
      assert.equal(list.find((s) => s.name === 'flip').codec, 'h265', 'the list follows the stream');
      await sleep(1000);
      const pk = h265.peer.packets(0);
      assertContinuous(pk, 'the H265 viewer across the codec change');
      const first265 = pk.findIndex((p) => p.pt === pts.h265);
      assert.ok(first265 > 0 && H265.keyframeStart(pk[first265].payload), 'the H265 part starts with a keyframe');
      assert.ok(pk.slice(first265).every((p) => p.pt === pts.h265), 'then only H265');
      const pkOld = h264only.peer.packets(0);
      assertContinuous(pkOld, 'the H264-only viewer, moved to the transcode');
      assert.ok(pkOld.every((p) => isKeyframeMaterial(p.payload) || p.payload.length > 0), 'H264 only');
      assert.equal(resolutionsIn(pkOld).filter((r) => r !== '256x192' && r !== '288x160').length, 0);

      // Junk on an H265 feed: truncated and overrunning APs, parameter sets
      // that never get an IRAP, FUs of nothing
      const sock = dgram.createSocket('udp4');
      const vps = Buffer.from('40010c01ffff016000000300b0000003000003005d15c0', 'hex');
      let seq = 100;
      const rtp = (payload, marker = false) => {
        const b = Buffer.alloc(12);
        b[0] = 0x80; b[1] = 96 | (marker ? 0x80 : 0);
        b.writeUInt16BE(seq++ & 0xffff, 2); b.writeUInt32BE(90000 * seq, 4); b.writeUInt32BE(0xbad, 8);
        return Buffer.concat([b, payload]);
      };
      const junk = [
        Buffer.from([0x60, 0x01, 0x00, 0x30]),                        // AP: size beyond the end
        Buffer.from([0x60, 0x01, 0x00]),                              // AP: half a size
        Buffer.concat([Buffer.from([0x60, 0x01, 0x00, vps.length]), vps, Buffer.from([0x00])]), // trailing byte
        Buffer.from([0x60, 0x01, 0x00, 0x00]),                        // AP: a zero size
        Buffer.from([0x62, 0x01]),                                    // FU without its header
        Buffer.from([0x62, 0x01, 0xb1]),                              // FU of an FU
        Buffer.concat([Buffer.from([0x60, 0x01, 0x00, vps.length]), vps]), // parameter sets, no IRAP ever
        Buffer.from([0x42, 0x00, 0x01]),                              // TID 0
      ];
      for (let i = 0; i < 200; i++) sock.send(rtp(junk[i % junk.length], i % 3 === 0), 5430, '127.0.0.1');
      await sleep(1500);
      sock.close();
      // The junk slot starts, if at all, at the well-formed parameter sets
      // (a decoder then waits for an IRAP that never comes): never on a
      // malformed packet
      const pj = h265.peer.packets(1);
      if (pj.length > 0) {
        assert.equal(H265.describePayload(pj[0].payload), 'AP[VPS]', `the junk slot starts at the parameter sets (${H265.describePayload(pj[0].payload)})`);
      }
      assert.equal(pj.filter((p) => H265.nalTypes(p.payload).some((t) => t < 32)).length, 0, 'no picture reached the junk slot');
      const h2 = await fx.handle();
      const st = await h2.request('multistream/streams', {});
      assert.equal(st.data.type, 'multistream/streams', 'Janus still answers');
      const pk2 = h265.peer.packets(2);
      assertContinuous(pk2, 'a slot on another camera kept playing');
      assert.ok(pk2.filter((p) => p.at > Date.now() - 1000).length > 5, 'and still plays');
      await h265.peer.close();
      await h264only.peer.close();
    } finally {
      await cam.stop();
    }
  });
});
