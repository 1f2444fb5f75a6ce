// Proves the harness itself, independent of our plugin: private netns,
// Janus from a private config (stock echotest plugin), werift completing
// ICE/DTLS against it, the admin API, and the ffmpeg cameras' SPS parsing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { startJanus, ECHOTEST_SO, netnsSkipReason, toLibconfig, OUTPUT } from '../lib/janus.mjs';
import { openHandle, MsPeer, AdminClient } from '../lib/client.mjs';
import { startCameras, stopCameras } from '../lib/cameras.mjs';
import { nalTypes, packetResolution, seqDiff, tsDiff, frameNumViolations } from '../lib/h264.mjs';
import { checkSwitch } from '../lib/rtpcheck.mjs';
import { stopAll } from '../lib/procs.mjs';

const skip = netnsSkipReason() || (!fs.existsSync(ECHOTEST_SO) && 'echotest plugin not installed') || false;

test('libconfig writer', () => {
  const txt = toLibconfig({
    general: { max_slots: 9, events: true, ffmpeg: 'ffmpeg' },
    streams: { camera1: 'rtp://127.0.0.1:5004', 'camera1-360p': 'rtp://127.0.0.1:5006', lobby: { source: 'a"b', preload: true } },
  });
  assert.match(txt, /general: \{\n\tmax_slots = 9\n\tevents = true\n\tffmpeg = "ffmpeg"\n\}/);
  assert.match(txt, /\tcamera1-360p = "rtp:\/\/127.0.0.1:5006"/);
  assert.match(txt, /lobby = \{\n\t\tsource = "a\\"b"\n\t\tpreload = true\n\t\}/);
  assert.throws(() => toLibconfig({ 'bad name': 1 }));
});

test('sequence/timestamp arithmetic wraps', () => {
  assert.equal(seqDiff(65535, 0), 1);
  assert.equal(seqDiff(0, 65535), -1);
  assert.equal(tsDiff(0xffffff00, 0x10), 0x110);
  assert.equal(tsDiff(0x10, 0xffffff00), -0x110);
});

describe('harness: Janus + echotest + werift in the private netns', { skip, timeout: 60000 }, () => {
  let janus;
  before(async () => {
    janus = await startJanus({ name: 'harness-echotest', pluginSo: ECHOTEST_SO, pluginPackage: 'janus.plugin.echotest' });
  });
  after(async () => {
    await janus?.stop();
    await stopAll();
  });

  test('Janus starts fast with only our plugin and only the WS transport', () => {
    assert.deepEqual(Object.keys(janus.info.plugins), ['janus.plugin.echotest']);
    assert.deepEqual(Object.keys(janus.info.transports), ['janus.transport.websockets']);
    assert.ok(janus.startMs < 10000, `start took ${janus.startMs} ms`);
  });

  test('werift completes ICE/DTLS with Janus (webrtcup)', { timeout: 30000 }, async () => {
    const c = await openHandle(janus, { plugin: 'janus.plugin.echotest' });
    const peer = new MsPeer(1);
    try {
      const offer = await peer.createOffer();
      assert.match(offer.sdp, /a=candidate:.* 127\.0\.0\.2 /, 'werift must gather a host candidate on 127.0.0.2');
      const { since } = c.sendMessage({ audio: false, video: true }, offer);
      const ev = await c.waitEvent((d, e) => !!e.jsep, { since, timeoutMs: 10000, what: 'echotest answer' });
      assert.equal(ev.jsep.type, 'answer');
      assert.match(ev.jsep.sdp, /a=candidate:.* 127\.0\.0\.2 /, 'Janus must offer a host candidate on 127.0.0.2');
      await peer.setAnswer(ev.jsep);
      for (const cand of peer.localCandidates) await c.trickle(cand);
      await c.trickle(null);
      await peer.waitConnected(15000);
      await c.waitJanusEvent('webrtcup', { timeoutMs: 10000 });

      const admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
      try {
        const sessions = await admin.listSessions();
        assert.ok(sessions.includes(c.sessionId));
        const handles = await admin.listHandles(c.sessionId);
        assert.deepEqual(handles, [c.handleId]);
        const info = await admin.handleInfo(c.sessionId, c.handleId);
        assert.equal(info.plugin, 'janus.plugin.echotest');
        assert.equal(info.flags?.ready, true, 'handle_info flags.ready');
        await assert.rejects(new AdminClient(janus.adminUrl, 'wrong').connect().then((a) => a.listSessions().finally(() => a.close())));
      } finally {
        admin.close();
      }
      await c.close();
    } finally {
      await peer.close();
      c.drop();
    }
  });
});

describe('harness: ffmpeg cameras', { skip: netnsSkipReason() || false, timeout: 30000 }, () => {
  test('each camera is H264 PT 96 with keyframes and its own SPS resolution', async () => {
    const ports = [47004, 47006, 47008];
    const stats = {};
    const socks = ports.map((p) => {
      const s = dgram.createSocket('udp4');
      stats[p] = { n: 0, res: new Set(), types: new Set(), pt: new Set(), seqOk: true, last: null, pk: [] };
      s.on('message', (m) => {
        const st = stats[p];
        st.n++;
        st.pt.add(m[1] & 0x7f);
        const seq = m.readUInt16BE(2);
        if (st.last !== null && seqDiff(st.last, seq) !== 1) st.seqOk = false;
        st.last = seq;
        const pay = m.subarray(12);
        st.pk.push({ seq, ts: m.readUInt32BE(4), marker: !!(m[1] & 0x80), ssrc: m.readUInt32BE(8), payload: Buffer.from(pay), at: Date.now() });
        for (const t of nalTypes(pay)) st.types.add(t);
        const r = packetResolution(pay);
        if (r) st.res.add(r);
      });
      s.bind(p, '127.0.0.1');
      return s;
    });
    const cams = await startCameras(ports.map((port, i) => ({ name: `h${i}`, port })), { logDir: path.join(OUTPUT, 'harness-cameras') });
    try {
      await new Promise((r) => setTimeout(r, 4500));
    } finally {
      await stopCameras(cams);
      socks.forEach((s) => s.close());
    }
    cams.forEach((cam) => {
      const st = stats[cam.port];
      assert.ok(st.n > 20, `camera ${cam.name}: ${st.n} packets`);
      assert.deepEqual([...st.pt], [96]);
      assert.ok(st.types.has(7) && st.types.has(8) && st.types.has(5), `SPS/PPS/IDR seen: ${[...st.types]}`);
      assert.deepEqual([...st.res], [`${cam.width}x${cam.height}`]);
      assert.ok(st.seqOk);
      assert.deepEqual(frameNumViolations(st.pk), [], `camera ${cam.name}: frame_num continuous`);
    });

    // The RTP checkers must be able to fail: splice camera B into camera A
    // (1) at a P-frame of B (what a bad switch does), (2) at B's keyframe.
    const [A, B] = [stats[cams[0].port].pk, stats[cams[1].port].pk];
    let ia = Math.floor(A.length * 0.4);
    while (!A[ia].marker) ia++;
    let ib = Math.floor(B.length * 0.5);
    while (!B[ib].marker || packetResolution(B[ib + 1].payload)) ib++; // next packet is a P-frame
    const t0 = A[ia].at - 1;
    const bad = [...A.slice(0, ia + 1), ...B.slice(ib + 1).map((p) => ({ ...p, at: Math.max(p.at, A[ia].at) }))];
    assert.notDeepEqual(frameNumViolations(bad), [], 'a P-frame splice breaks frame_num');
    const res = (c) => `${c.width}x${c.height}`;
    // Mid-frame flip (old camera's last packet without the marker) is caught.
    let ja = Math.floor(A.length * 0.4);
    while (A[ja].marker) ja++;
    const kb = B.findIndex((p, i) => i > 5 && packetResolution(p.payload));
    const midFrame = [...A.slice(0, ja + 1), ...B.slice(kb).map((p) => ({ ...p, at: Math.max(p.at, A[ja].at) }))];
    assert.throws(() => checkSwitch(midFrame, { from: res(cams[0]), to: res(cams[1]), sentAt: A[0].at, label: 'mid-frame' }), /marker/);
    // A clean splice at B's keyframe after A's marker passes both checks.
    const good = [...A.slice(0, ia + 1), ...B.slice(kb).map((p) => ({ ...p, at: Math.max(p.at, A[ia].at) }))];
    checkSwitch(good, { from: res(cams[0]), to: res(cams[1]), sentAt: t0, label: 'clean splice' });
    assert.deepEqual(frameNumViolations(good), []);
  });
});
