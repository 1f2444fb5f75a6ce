// Proves the H265 cameras themselves, independent of our plugin: the test-side
// H265 RTP parser (lib/h265.mjs) on real parameter sets, the ffmpeg libx265
// RTP camera (lib/cameras.mjs codec 'h265'), and the GStreamer RTSP server's
// H265 and main(H265)+sub(H264) mounts (lib/rtsp-camera.py). Loopback only.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { netnsSkipReason, OUTPUT, sleep } from '../lib/janus.mjs';
import { startCameras, stopCameras } from '../lib/cameras.mjs';
import { startRtspServer, rtspSkipReason } from '../lib/rtsp.mjs';
import { spawnTracked, stopTracked, stopAll } from '../lib/procs.mjs';
import { runCmd } from '../lib/cmd.mjs';
import { seqDiff, tsDiff } from '../lib/h264.mjs';
import {
  NAL, nalTypes, isIrap, isParamSet, keyframeStart, spsNals, parseSps, packetResolution,
  sniffCodec, describePayload, fuHeader, nalUnits,
} from '../lib/h265.mjs';

const LOG_DIR = path.join(OUTPUT, 'h265-cameras');
const hex = (s) => Buffer.from(s, 'hex');

// Real SPSs (2-byte NAL header included, emulation prevention bytes in
// place): libx265 3.5 through ffmpeg and GStreamer's x265enc, with the
// settings of lib/cameras.mjs and lib/rtsp-camera.py. 384x216 is coded as
// 384x224 with a conformance window of 8 lines.
const REAL_SPS = [
  ['libx265', 320, 240, '42010101600000030090000003000003003ca00a080f165ba4a4c2f0168080000003008000000784'],
  ['libx265', 352, 288, '42010101600000030090000003000003003ca00b08048596e92930bc05a020000003002000000301e1'],
  ['libx265', 384, 216, '42010101600000030090000003000003003ca00c080e1f2e5ba4a4c2f0168080000003008000000784'],
  ['x265enc', 320, 240, '42010101600000030090000003000003003ca00a080f165ba4a4c2fff000100016a0c0c0c080000003008000000784'],
  ['x265enc', 352, 288, '42010101600000030090000003000003003ca00b08048596e92930bffc00040005a830303020000003002000000301e1'],
  ['x265enc', 384, 216, '42010101600000030090000003000003003ca00c080e1f2e5ba4a4c2fff000100016a0c0c0c080000003008000000784'],
];
const REAL_VPS = '40010c01ffff01600000030090000003000003003cba0240';
const REAL_PPS = '4401c0718312';

/** An SPS built bit by bit, with sub-layers (x265 never writes any). */
function syntheticSps({ maxSubLayersMinus1, width, height, crop, level }) {
  const bits = [];
  const u = (n, v) => { for (let i = n - 1; i >= 0; i--) bits.push(Math.floor(v / 2 ** i) % 2); };
  const ue = (v) => { const x = v + 1; const len = Math.floor(Math.log2(x)); u(len, 0); u(len + 1, x); };
  u(4, 0); u(3, maxSubLayersMinus1); u(1, 1);
  // profile_tier_level: general part (96 bits)
  u(2, 0); u(1, 0); u(5, 1); u(32, 0x60000000); u(4, 0b1001); u(43, 0); u(1, 0); u(8, level);
  const present = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) { present.push([i % 2 === 0, true]); u(1, i % 2 === 0 ? 1 : 0); u(1, 1); }
  if (maxSubLayersMinus1 > 0) for (let i = maxSubLayersMinus1; i < 8; i++) u(2, 0);
  for (const [prof, lvl] of present) {
    if (prof) for (let k = 0; k < 11; k++) u(8, 0xa5); // 88 bits of a pattern that would misparse
    if (lvl) u(8, 0xff);
  }
  ue(0); ue(1); ue(width + crop.left + crop.right); ue(height + crop.top + crop.bottom);
  u(1, 1); ue(crop.left / 2); ue(crop.right / 2); ue(crop.top / 2); ue(crop.bottom / 2);
  ue(0); ue(0); // bit depths
  bits.push(1); while (bits.length % 8) bits.push(0);
  const rbsp = [];
  for (let i = 0; i < bits.length; i += 8) rbsp.push(parseInt(bits.slice(i, i + 8).join(''), 2));
  const out = [0x42, 0x01];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) { out.push(3); zeros = 0; }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

const ap = (...nals) => Buffer.concat([Buffer.from([NAL.AP << 1, 0x01]),
  ...nals.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]);
const fu = (type, start, end, body = Buffer.alloc(20, 0x55)) => Buffer.concat([
  Buffer.from([NAL.FU << 1, 0x01, (start ? 0x80 : 0) | (end ? 0x40 : 0) | type]), body]);

test('h265.mjs: parseSps on real libx265/x265enc SPSs (emulation prevention, cropping)', () => {
  for (const [enc, w, h, s] of REAL_SPS) {
    const sps = parseSps(hex(s));
    assert.equal(`${sps.width}x${sps.height}`, `${w}x${h}`, `${enc} ${w}x${h}`);
    assert.equal(sps.profile, 1, 'Main');
    assert.equal(sps.chromaFormat, 1);
    assert.equal(sps.bitDepth, 8);
    assert.equal(packetResolution(ap(hex(REAL_VPS), hex(s), hex(REAL_PPS))), `${w}x${h}`);
    assert.equal(packetResolution(hex(s)), `${w}x${h}`);
  }
  assert.equal(parseSps(hex(REAL_SPS[2][3])).codedHeight, 224, '384x216 is coded 384x224 and cropped');
  // sub-layers in profile_tier_level are skipped
  for (const n of [0, 1, 2, 6]) {
    const sps = parseSps(syntheticSps({ maxSubLayersMinus1: n, width: 1920, height: 1080, level: 123,
      crop: { left: 0, right: 0, top: 0, bottom: 8 } }));
    assert.deepEqual([sps.width, sps.height, sps.codedHeight, sps.level, sps.maxSubLayers], [1920, 1080, 1088, 123, n + 1], `sub-layers ${n}`);
  }
  const odd = parseSps(syntheticSps({ maxSubLayersMinus1: 1, width: 1270, height: 714, level: 93, crop: { left: 2, right: 8, top: 4, bottom: 2 } }));
  assert.deepEqual([odd.width, odd.height], [1270, 714]);
  assert.throws(() => parseSps(hex(REAL_PPS)), /not an H265 SPS/);
  assert.throws(() => parseSps(hex(REAL_SPS[0][3]).subarray(0, 10)), /truncated/);
  assert.equal(packetResolution(fu(NAL.SPS, true, false)), null, 'a fragment of an SPS is not parsed');
});

test('h265.mjs: NAL types, AP/FU walks, keyframe start', () => {
  const params = ap(hex(REAL_VPS), hex(REAL_SPS[0][3]), hex(REAL_PPS));
  assert.deepEqual(nalTypes(params), [32, 33, 34]);
  assert.equal(describePayload(params), 'AP[VPS,SPS,PPS]');
  assert.equal(spsNals(params).length, 1);
  assert.ok(keyframeStart(params) && isParamSet(params) && !isIrap(params));
  assert.deepEqual(nalTypes(fu(NAL.CRA, true, false)), [21]);
  assert.deepEqual(nalTypes(fu(NAL.CRA, false, true)), [21], 'every fragment carries its type');
  assert.ok(keyframeStart(fu(NAL.CRA, true, false)));
  assert.ok(!keyframeStart(fu(NAL.CRA, false, true)), 'a middle/end fragment does not start a keyframe');
  assert.ok(!keyframeStart(fu(NAL.PREFIX_SEI, true, false)));
  assert.ok(keyframeStart(Buffer.from([NAL.IDR_W_RADL << 1, 1, 0xaf])));
  assert.ok(!keyframeStart(Buffer.from([NAL.TRAIL_R << 1, 1, 0xd0])));
  assert.deepEqual(fuHeader(fu(NAL.IDR_N_LP, false, true)), { type: 20, start: false, end: true });
  assert.equal(describePayload(fu(NAL.PREFIX_SEI, true, false)), 'FU(SEI,S)');
  const rebuilt = nalUnits(fu(NAL.CRA, true, false, Buffer.from([1, 2, 3])));
  assert.deepEqual([...rebuilt[0]], [NAL.CRA << 1, 0x01, 1, 2, 3]);
  assert.ok(isIrap(16) && isIrap(21) && isIrap(23) && !isIrap(1) && !isIrap(32));
  assert.ok(isParamSet(32) && isParamSet(34) && !isParamSet(39));
  assert.deepEqual(nalTypes(Buffer.alloc(0)), []);
});

test('h265.mjs: sniffCodec tells H264 from H265 by a parameter set', () => {
  const h264Sps = hex('6742c01edb0280f6c0440000030004000003007a3c58b920');
  const h264Pps = hex('68ce3c80');
  const stapA = Buffer.concat([Buffer.from([0x78, 0, h264Sps.length]), h264Sps, Buffer.from([0, h264Pps.length]), h264Pps]);
  for (const p of [REAL_VPS, REAL_SPS[3][3], REAL_PPS]) assert.equal(sniffCodec(hex(p)), 'h265', p);
  assert.equal(sniffCodec(ap(hex(REAL_VPS), hex(REAL_SPS[0][3]), hex(REAL_PPS))), 'h265');
  assert.equal(sniffCodec(fu(NAL.SPS, true, false)), 'h265');
  assert.equal(sniffCodec(h264Sps), 'h264');
  assert.equal(sniffCodec(h264Pps), 'h264');
  assert.equal(sniffCodec(stapA), 'h264');
  assert.equal(sniffCodec(Buffer.from([0x7c, 0x87, 0x42])), 'h264', 'FU-A start of an SPS');
  // no parameter set: null, whichever codec
  for (const p of [
    [0x28, 0x01, 0xaf], // H265 IDR_N_LP: low 5 bits 8 (an H264 "PPS") but second byte 0x01
    [0x26, 0x01, 0xaf], // H265 IDR_W_RADL
    [0x2a, 0x01, 0xaf], // H265 CRA
    [0x02, 0x01, 0xd0], // H265 TRAIL_R
    [0x4e, 0x01, 0x05], // H265 prefix SEI
    [0x65, 0x88, 0x84], // H264 IDR
    [0x41, 0x9a, 0x02], // H264 P slice
    [0x06, 0x05, 0xff], // H264 SEI
    [0xe7, 0x42, 0xc0], // forbidden bit set
    [0x07, 0x42, 0xc0], // H264 "SPS" with nal_ref_idc 0
  ]) assert.equal(sniffCodec(Buffer.from(p)), null, Buffer.from(p).toString('hex'));
  assert.equal(sniffCodec(fu(NAL.IDR_N_LP, true, false)), null);
  assert.equal(sniffCodec(Buffer.alloc(0)), null);
  assert.equal(sniffCodec(null), null);
});

/** RTP packets received on a loopback UDP port. */
function capture(port) {
  const pk = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m) => {
    if (m.length < 12 || (m[0] >> 6) !== 2) return;
    const cc = m[0] & 0x0f;
    const x = m[0] & 0x10;
    let off = 12 + cc * 4;
    if (x) off += 4 + m.readUInt16BE(off + 2) * 4;
    pk.push({ seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), marker: !!(m[1] & 0x80), pt: m[1] & 0x7f, payload: Buffer.from(m.subarray(off)) });
  });
  const bound = new Promise((resolve) => sock.bind(port, '127.0.0.1', resolve));
  return { pk, bound, close: () => sock.close() };
}

/** Packets grouped into frames (one RTP timestamp each). */
function frames(pk) {
  const out = [];
  for (const p of pk) {
    if (!out.length || out[out.length - 1].ts !== p.ts) out.push({ ts: p.ts, pkts: [] });
    out[out.length - 1].pkts.push(p);
  }
  for (const f of out) {
    f.desc = f.pkts.map((p) => describePayload(p.payload) + (p.marker ? '*' : ''));
    f.irap = f.pkts.flatMap((p) => nalTypes(p.payload)).find((t) => isIrap(t));
  }
  return out;
}

/** Basic RTP sanity of one stream: PT 96, seq +1, frames end on the marker. */
function checkRtp(pk, what) {
  assert.ok(pk.length > 30, `${what}: ${pk.length} packets`);
  assert.deepEqual([...new Set(pk.map((p) => p.pt))], [96], `${what}: payload type`);
  for (let i = 1; i < pk.length; i++) assert.equal(seqDiff(pk[i - 1].seq, pk[i].seq), 1, `${what}: seq at packet ${i}`);
  for (let i = 0; i + 1 < pk.length; i++) {
    if (pk[i].ts !== pk[i + 1].ts) assert.ok(pk[i].marker, `${what}: frame before packet ${i + 1} ends without the marker`);
  }
}

/**
 * The keyframe structure of an H265 stream: every IRAP frame starts with
 * VPS, SPS and PPS (all before the first slice), the first IRAP is an IDR,
 * keyframes are gop frames apart. Returns the IRAP frames.
 */
function checkKeyframes(pk, { what, width, height, gopTs }) {
  const fr = frames(pk);
  const keys = fr.filter((f) => f.irap !== undefined);
  assert.ok(keys.length >= 2, `${what}: ${keys.length} keyframes in ${fr.length} frames`);
  assert.equal(fr[0].irap !== undefined, true, `${what}: the stream starts on a keyframe (${fr[0].desc.join(' ')})`);
  assert.ok(keys[0].irap === NAL.IDR_W_RADL || keys[0].irap === NAL.IDR_N_LP, `${what}: first IRAP is an IDR, got ${keys[0].irap}`);
  for (const k of keys) {
    assert.ok(keyframeStart(k.pkts[0].payload), `${what}: keyframe starts with keyframe material: ${k.desc.join(' ')}`);
    const types = k.pkts.flatMap((p) => (fuHeader(p.payload) && !fuHeader(p.payload).start ? [] : nalTypes(p.payload)));
    const firstSlice = types.findIndex((t) => t < 32);
    for (const ps of [NAL.VPS, NAL.SPS, NAL.PPS]) {
      const at = types.indexOf(ps);
      assert.ok(at >= 0 && at < firstSlice, `${what}: NAL ${ps} before the IRAP slice at ts ${k.ts}: ${k.desc.join(' ')}`);
    }
  }
  for (let i = 1; i < keys.length; i++) assert.equal(tsDiff(keys[i - 1].ts, keys[i].ts), gopTs, `${what}: keyframe interval`);
  const res = new Set(pk.map((p) => packetResolution(p.payload)).filter(Boolean));
  assert.deepEqual([...res], [`${width}x${height}`], `${what}: SPS resolution`);
  const codecs = new Set(pk.map((p) => sniffCodec(p.payload)).filter(Boolean));
  assert.deepEqual([...codecs], ['h265'], `${what}: sniffCodec`);
  // no parameter set outside keyframes
  for (const f of fr) if (f.irap === undefined) assert.ok(!f.pkts.some((p) => isParamSet(p.payload)), `${what}: parameter set in a non-IRAP frame`);
  return { fr, keys };
}

describe('h265 cameras: ffmpeg libx265 over RTP', { skip: netnsSkipReason() || false, timeout: 30000 }, () => {
  after(() => stopAll());

  test('libx265: AP[VPS,SPS,PPS], fragmented prefix SEI, IDR then CRAs; SPS resolution; H264 still sniffed as h264', async (t) => {
    const specs = [
      { name: 'hevc1', port: 47104, codec: 'h265' },
      { name: 'hevc2', port: 47106, codec: 'h265' },
      { name: 'avc', port: 47108 },
    ];
    const caps = Object.fromEntries(specs.map((s) => [s.port, capture(s.port)]));
    await Promise.all(Object.values(caps).map((c) => c.bound));
    const cams = await startCameras(specs, { logDir: LOG_DIR, staggerMs: 100 });
    try {
      await sleep(4700); // 15 fps, keyframe every 30 frames: IRAPs at 0 s, 2 s, 4 s
    } finally {
      await stopCameras(cams);
      Object.values(caps).forEach((c) => c.close());
    }
    for (const cam of cams.filter((c) => c.codec === 'h265')) {
      const pk = caps[cam.port].pk;
      const what = `libx265 camera ${cam.name} ${cam.width}x${cam.height}`;
      checkRtp(pk, what);
      const { fr, keys } = checkKeyframes(pk, { what, width: cam.width, height: cam.height, gopTs: cam.gop * 90000 / cam.fps });
      for (const k of keys) t.diagnostic(`${cam.name} frame ${fr.indexOf(k)} (ts ${k.ts}): ${k.desc.join(' ')}`);
      t.diagnostic(`${cam.name}: ${pk.length} packets, ${fr.length} frames, IRAP types ${keys.map((k) => k.irap).join(',')}`);
      // the exact keyframe layout of ffmpeg's HEVC packetizer with libx265
      for (const k of keys) {
        const d = k.pkts.map((p) => p.payload);
        assert.equal(describePayload(d[0]), 'AP[VPS,SPS,PPS]', `${what}: ${k.desc.join(' ')}`);
        let i = 1;
        assert.deepEqual(fuHeader(d[i]), { type: NAL.PREFIX_SEI, start: true, end: false }, `${what}: SEI FU start: ${k.desc.join(' ')}`);
        while (i < d.length && !fuHeader(d[i])?.end) {
          assert.equal(fuHeader(d[i])?.type, NAL.PREFIX_SEI);
          i++;
        }
        assert.ok(i < d.length && fuHeader(d[i]).type === NAL.PREFIX_SEI, `${what}: SEI FU end`);
        const rest = d.slice(i + 1).flatMap((p) => nalTypes(p));
        assert.ok(rest.length >= 1 && rest.every((x) => x === k.irap), `${what}: then only the IRAP slice: ${k.desc.join(' ')}`);
      }
      assert.ok(keys.slice(1).every((k) => k.irap === NAL.CRA), `${what}: IRAPs after the first are CRA (open GOP): ${keys.map((k) => k.irap)}`);
    }
    const avc = caps[cams[2].port].pk;
    checkRtp(avc, 'libx264 camera');
    const codecs = new Set(avc.map((p) => sniffCodec(p.payload)).filter(Boolean));
    assert.deepEqual([...codecs], ['h264'], 'the H264 camera is sniffed as h264');
    assert.ok(!avc.some((p) => packetResolution(p.payload)), 'h265.mjs finds no H265 SPS in an H264 stream');
  });
});

/** Dominant colour name of an RGB triple. */
function colourName([r, g, b]) {
  if (r > 150 && g < 90 && b < 90) return 'red';
  if (g > 120 && r < 90 && b < 90) return 'green';
  if (b > 150 && r < 90 && g < 90) return 'blue';
  return `rgb(${r},${g},${b})`;
}

describe('h265 cameras: GStreamer RTSP server, H265 and main+sub mounts', { skip: netnsSkipReason() || rtspSkipReason() || false, timeout: 30000 }, () => {
  const W = 384, H = 216;
  let srv;
  before(async () => {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    srv = await startRtspServer({ mounts: ['camera1', 'camera2:h265', 'camera3:main+sub'], width: W, height: H,
      logFile: path.join(LOG_DIR, 'rtsp-camera.log') });
  });
  after(async () => {
    await srv?.stop();
    await stopAll();
  });

  test('ffprobe: camera1 h264, camera2 hevc, camera3/main hevc, camera3/sub h264 at half size; main and sub share a colour', async (t) => {
    const mounts = [
      ['camera1', 'h264', W, H, 'red'],
      ['camera2', 'hevc', W, H, 'green'],
      ['camera3/main', 'hevc', W, H, 'blue'],
      ['camera3/sub', 'h264', W / 2, H / 2, 'blue'],
    ];
    await Promise.all(mounts.map(async ([m, codec, w, h, colour]) => {
      const url = srv.url(m);
      const probe = await runCmd('ffprobe', ['-hide_banner', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name,width,height',
        '-of', 'compact', url], { timeoutS: 15, logFile: path.join(LOG_DIR, 'ffprobe.log') });
      const line = probe.out.split('\n').find((l) => /Stream #0:0.*Video:/.test(l))?.trim();
      t.diagnostic(`${m}: ${line}`);
      assert.match(probe.out, new RegExp(`stream\\|codec_name=${codec}\\|width=${w}\\|height=${h}`), `${m}: ${probe.out}`);
      assert.match(line || '', new RegExp(`Video: ${codec}\\b`), `${m}`);
      // one decoded frame, its centre pixel
      const raw = path.join(LOG_DIR, `${m.replace('/', '-')}.rgb`);
      fs.rmSync(raw, { force: true });
      await runCmd('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url, '-frames:v', '1',
        '-vf', 'scale=8:8', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y', raw], { timeoutS: 15, logFile: path.join(LOG_DIR, 'ffmpeg-frame.log') });
      const px = fs.readFileSync(raw);
      const centre = (4 * 8 + 4) * 3;
      assert.equal(colourName([...px.subarray(centre, centre + 3)]), colour, `${m}: colour`);
    }));
  });

  test('x265enc/rtph265pay over RTSP: VPS/SPS/PPS before every IRAP, IDR then CRAs, SPS resolution', async (t) => {
    const port = 47110;
    const cap = capture(port);
    await cap.bound;
    const gst = spawnTracked('gst-rtspsrc', 'gst-launch-1.0', ['-q', 'rtspsrc', `location=${srv.url('camera2')}`, 'protocols=tcp', 'latency=0',
      '!', 'udpsink', 'host=127.0.0.1', `port=${port}`, 'sync=false'], { logFile: path.join(LOG_DIR, 'gst-rtspsrc.log') });
    try {
      await sleep(5000);
    } finally {
      await stopTracked(gst, 3000);
      cap.close();
    }
    const what = 'x265enc camera2 over RTSP';
    checkRtp(cap.pk, what);
    const { fr, keys } = checkKeyframes(cap.pk, { what, width: W, height: H, gopTs: 30 * 90000 / 15 });
    for (const k of keys) t.diagnostic(`camera2 frame ${fr.indexOf(k)} (ts ${k.ts}): ${k.desc.join(' ')}`);
    t.diagnostic(`camera2: ${cap.pk.length} packets, ${fr.length} frames, IRAP types ${keys.map((k) => k.irap).join(',')}`);
    // rtph265pay (aggregate-mode none) sends each parameter set as a single NAL packet
    for (const k of keys.slice(1)) {
      assert.deepEqual(k.desc.slice(0, 3), ['VPS', 'SPS', 'PPS'], `${what}: ${k.desc.join(' ')}`);
      assert.equal(k.irap, NAL.CRA, `${what}: later IRAPs are CRA`);
    }
  });
});
