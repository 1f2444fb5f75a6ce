// H265 RTSP cameras (GStreamer's RTSP server, x265enc + rtph265pay): the
// codec is unknown (null) until the camera first runs, then found from its
// stream; a viewer that cannot take H265 asked for an H265 camera whose codec
// was not known yet is moved to the H264 transcode once it is; the common
// real camera with an H265 main and an H264 sub stream; an ffmpeg: variant of
// an H265 RTSP camera.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startJanus, pluginSkipReason } from '../lib/janus.mjs';
import { startRtspServer, rtspSkipReason } from '../lib/rtsp.mjs';
import { connectMultistream, openHandle, h264Codec, h265Codec, AdminClient } from '../lib/client.mjs';
import { packetResolution as res264, isKeyframeMaterial } from '../lib/h264.mjs';
import * as H265 from '../lib/h265.mjs';
import { slotPayloadTypes } from '../lib/sdp.mjs';
import { assertContinuous } from '../lib/rtpcheck.mjs';
import { stopAll } from '../lib/procs.mjs';
import { sleep } from '../lib/fixture.mjs';

const skip = pluginSkipReason() || rtspSkipReason() || false;
const W = 384, H = 216;
const resOf = (p) => res264(p.payload) || H265.packetResolution(p.payload);

async function waitRes(peer, k, res, { since = 0, timeoutMs = 10000 } = {}) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const p = peer.packets(k, since).find((q) => resOf(q) === res);
    if (p) return p;
    await sleep(50);
  }
  throw new Error(`slot ${k}: no ${res} in ${timeoutMs} ms (saw ${[...new Set(peer.packets(k, since).map(resOf).filter(Boolean))]})`);
}


describe('H265 RTSP cameras', { skip, timeout: 180000 }, () => {
  let srv, janus, admin;
  const conns = [];
  const connect = async (slots, opts) => {
    const c = await connectMultistream(janus, slots, opts);
    conns.push(c);
    return c;
  };
  const list = async () => {
    const h = await openHandle(janus);
    const r = await h.request('multistream/streams', {});
    h.drop();
    return Object.fromEntries(r.data.value.streams.map((s) => [s.name, s]));
  };

  before(async () => {
    srv = await startRtspServer({ mounts: ['cam5:h265', 'cam6:main+sub', 'cam7:h265', 'cam8'], width: W, height: H });
    janus = await startJanus({
      name: 'h265-rtsp',
      pluginConfig: {
        general: { source_linger: 1, source_timeout: 2, events: false },
        streams: {
          cam5: srv.url('cam5'),
          'cam5-120p': 'ffmpeg:cam5#video=h264#height=120#gop=1',
          cam6: srv.url('cam6/main'),
          'cam6-sub': srv.url('cam6/sub'),
          cam7: srv.url('cam7'),
          cam8: srv.url('cam8'),
        },
      },
    });
    fs.writeFileSync(path.join(janus.outDir, 'rtsp-server.txt'), `port ${srv.port}\n`);
    admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
  });
  after(async () => {
    for (const c of conns) { await c.peer.close().catch(() => {}); c.client.drop(); }
    admin?.close();
    await janus?.stop();
    await srv?.stop();
    await stopAll();
    setTimeout(() => process.exit(), 2000).unref();
  });

  test('codec null until the camera first runs; an H264-only viewer asked for it is moved to the transcode once it is found H265', { timeout: 40000 }, async () => {
    const before = await list();
    assert.equal(before.cam7.codec, null, 'never started: not known');
    assert.equal(before.cam8.codec, null);
    assert.equal(before['cam6-sub'].codec, null);
    const v = await connect([{ slot: 0, stream: 'cam8' }]);
    await waitRes(v.peer, 0, `${W}x${H}`);
    const sentAt = Date.now();
    const r = await v.client.request('multistream/switch', { slot: 0, stream: 'cam7' });
    assert.equal(r.data.value.status.status, 'buffering', JSON.stringify(r.data));
    const act = await v.client.waitStatus(0, 'active', { since: r.since, timeoutMs: 15000 });
    assert.equal(act.data.value.status.codec, 'h264', `through the transcode: ${JSON.stringify(act.data)}`);
    assert.equal(act.data.value.status.stream, 'cam7');
    const first = await waitRes(v.peer, 0, `${W}x${H}`, { since: sentAt });
    assert.ok(first, 'cam7 shows');
    await sleep(800);
    const pk = v.peer.packets(0);
    assertContinuous(pk, 'the viewer across the switch');
    const pts = slotPayloadTypes(v.answer.jsep.sdp)[0];
    assert.ok(pk.every((p) => p.pt === pts.h264), 'never an H265 packet on the H264-only m-line');
    const after = await list();
    assert.equal(after.cam7.codec, 'h265', 'found from the stream');
    assert.equal(after.cam8.codec, 'h264');
    const st = (await admin.status()).sources.find((s) => s.name === 'cam7@h264');
    assert.equal(st.consumers, 1, 'the transcode serves the viewer');
  });

  test('H265 to a viewer that offers it, from an RTSP camera: parameter sets then an IRAP', { timeout: 30000 }, async () => {
    const v = await connect([{ slot: 0, stream: 'cam5' }], { codecs: [h265Codec(), h264Codec()] });
    const pts = slotPayloadTypes(v.answer.jsep.sdp)[0];
    await waitRes(v.peer, 0, `${W}x${H}`);
    const pk = v.peer.packets(0);
    assert.ok(pk.every((p) => p.pt === pts.h265), 'H265 payload type');
    assert.ok(H265.keyframeStart(pk[0].payload), `starts on a keyframe (${H265.describePayload(pk[0].payload)})`);
    assert.equal((await list()).cam5.codec, 'h265');
  });

  test('a camera with an H265 main and an H264 sub stream: sub direct, main through the transcode, to an H264-only viewer', { timeout: 40000 }, async () => {
    const v = await connect([{ slot: 0, stream: 'cam6', quality: 'sub' }, { slot: 1, stream: 'cam6' }]);
    const subRes = `${Math.floor(W / 4) * 2}x${Math.floor(H / 4) * 2}`;
    await waitRes(v.peer, 0, subRes, { timeoutMs: 12000 });
    await waitRes(v.peer, 1, `${W}x${H}`, { timeoutMs: 15000 });
    const l = await list();
    assert.equal(l['cam6-sub'].codec, 'h264');
    assert.equal(l.cam6.codec, 'h265');
    const src = (await admin.status()).sources;
    assert.ok(!src.find((s) => s.name === 'cam6-sub@h264')?.running, 'the sub stream needs no transcode');
    assert.equal(src.find((s) => s.name === 'cam6@h264')?.consumers, 1, 'the main stream goes through one');
  });

  test('an ffmpeg: variant of an H265 RTSP camera', { timeout: 30000 }, async () => {
    const v = await connect([{ slot: 0, stream: 'cam5', quality: '120p' }]);
    const p = await waitRes(v.peer, 0, `${Math.round((W * 120) / H / 2) * 2}x120`, { timeoutMs: 15000 });
    assert.ok(isKeyframeMaterial(p.payload));
  });
});
