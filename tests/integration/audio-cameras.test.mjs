// Proves the test cameras' audio, independent of our plugin: each camera
// sends a sine of its own frequency so a test can tell whom it hears.
//  - lib/audio.mjs: the G.711 tables against ffmpeg's decoder, the tone finder
//  - ffmpeg RTP cameras (lib/cameras.mjs audio option): Opus / PCMA / PCMU
//    tones decoded from the RTP are the cameras' frequencies, video still flows
//  - the GStreamer RTSP server (lib/rtsp-camera.py NAME:KIND:AUDIO mounts):
//    ffprobe sees opus / pcm_alaw / pcm_mulaw / aac, and ffmpeg relaying a
//    mount's audio as RTP (copy, or AAC transcoded to Opus) carries its tone.
// Loopback only; every process started and stopped by PID; ~20 s.
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
import {
  ALAW_TABLE, ULAW_TABLE, decodePcma, decodePcmu, toFloat, tonePeak, dominantFrequency, toneOf,
  decodePackets, makeOpusDecoder, parseRtp,
} from '../lib/audio.mjs';

const LOG_DIR = path.join(OUTPUT, 'audio-cameras');
fs.mkdirSync(LOG_DIR, { recursive: true });

/** RTP packets (parseRtp + arrival time) received on a loopback UDP port. */
function capture(port) {
  const pk = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m) => {
    const p = parseRtp(m);
    if (p) pk.push({ ...p, at: Date.now(), size: m.length });
  });
  const bound = new Promise((resolve) => sock.bind(port, '127.0.0.1', resolve));
  return { pk, bound, close: () => sock.close() };
}

const within = (got, want, pct = 5) => got !== null && Math.abs(got - want) <= (want * pct) / 100;
const u16 = (a, b) => (b - a + 0x10000) % 0x10000;
const u32 = (a, b) => (b - a + 0x100000000) % 0x100000000;

/** One audio stream's RTP basics: one PT, one SSRC, seq +1, timestamps +tsStep. */
function checkAudioRtp(pk, { what, pt, tsStep, payloadBytes }) {
  assert.ok(pk.length > 0, `${what}: no audio packets`);
  assert.deepEqual([...new Set(pk.map((p) => p.pt))], [pt], `${what}: payload type`);
  assert.equal(new Set(pk.map((p) => p.ssrc)).size, 1, `${what}: one SSRC`);
  for (let i = 1; i < pk.length; i++) {
    assert.equal(u16(pk[i - 1].seq, pk[i].seq), 1, `${what}: seq gap at ${i}`);
    if (tsStep) assert.equal(u32(pk[i - 1].ts, pk[i].ts), tsStep, `${what}: timestamp step at ${i}`);
  }
  if (payloadBytes) assert.deepEqual([...new Set(pk.map((p) => p.payload.length))], [payloadBytes], `${what}: payload sizes`);
}

/** Bytes -> decoded via an ffmpeg demuxer (alaw/mulaw) as s16le samples. */
async function ffmpegDecode(fmt, bytes) {
  const raw = path.join(LOG_DIR, `all-${fmt}.raw`);
  const out = path.join(LOG_DIR, `all-${fmt}.s16`);
  fs.writeFileSync(raw, bytes);
  await runCmd('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', fmt, '-ar', '8000', '-ac', '1', '-i', raw, '-f', 's16le', out],
    { timeoutS: 15, logFile: path.join(LOG_DIR, 'ffmpeg-g711.log') });
  const b = fs.readFileSync(out);
  return Array.from({ length: b.length / 2 }, (_, i) => b.readInt16LE(2 * i));
}

test('audio.mjs: G.711 tables equal ffmpeg\'s decoders on all 256 codes; tone finder on synthetic sines', async () => {
  const all = Buffer.from([...Array(256).keys()]);
  assert.deepEqual([...ALAW_TABLE], await ffmpegDecode('alaw', all), 'A-law table');
  assert.deepEqual([...ULAW_TABLE], await ffmpegDecode('mulaw', all), 'mu-law table');
  assert.deepEqual([...decodePcma(Buffer.from([0xd5, 0x55, 0x2a]))], [8, -8, -32256]);
  assert.deepEqual([...decodePcmu(Buffer.from([0xff, 0x7f, 0x00, 0x80]))], [0, 0, -32124, 32124]);
  const sine = (f, rate, secs, amp = 0.3) => Float32Array.from({ length: Math.round(rate * secs) }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / rate));
  for (const [f, rate] of [[300, 8000], [450, 8000], [3100, 8000], [300, 48000], [1234, 48000], [55, 8000]]) {
    const got = dominantFrequency(sine(f, rate, 1), rate);
    assert.ok(Math.abs(got - f) < 2, `${f} Hz at ${rate}: ${got}`);
  }
  // lost packets: drop every 10th 20 ms chunk and concatenate what is left
  const s = sine(600, 8000, 2);
  const kept = [];
  for (let i = 0; i * 160 < s.length; i++) if (i % 10 !== 3) kept.push(...s.subarray(i * 160, (i + 1) * 160));
  assert.ok(within(dominantFrequency(kept, 8000), 600, 1), 'robust to lost packets');
  // a tone over noise, the louder of two tones
  const noisy = sine(750, 8000, 1, 0.1).map((v) => v + (Math.random() - 0.5) * 0.2);
  assert.ok(within(dominantFrequency(noisy, 8000), 750, 1), 'tone in noise');
  const two = sine(400, 8000, 1, 0.1).map((v, i) => v + 0.3 * Math.sin((2 * Math.PI * 900 * i) / 8000));
  assert.ok(within(dominantFrequency(two, 8000), 900, 1), 'louder tone wins');
  // silence and too-short input: no tone
  assert.equal(dominantFrequency(new Float32Array(8000), 8000), null);
  assert.equal(dominantFrequency(sine(300, 8000, 0.05), 8000), null);
  assert.deepEqual([...toFloat(Int16Array.from([-32768, 0, 16384]))], [-1, 0, 0.5]);
  // the Opus decoder loads offline and decodes (an Opus silence frame: TOC 0xf8, CELT FB 20 ms mono)
  const dec = await makeOpusDecoder();
  try {
    const pcm = dec.decode(Buffer.from([0xf8, 0xff, 0xfe]));
    assert.equal(pcm.length, 960, '20 ms at 48 kHz');
  } finally {
    dec.free();
  }
});

describe('audio cameras: ffmpeg RTP cameras with Opus / PCMA / PCMU', { skip: netnsSkipReason() || false, timeout: 30000 }, () => {
  after(() => stopAll());

  test('each camera\'s RTP carries its own tone (within 5%), video still flows, audio and video start together', async (t) => {
    const specs = [
      { name: 'aopus', port: 47200, audio: { codec: 'opus', port: 47202, freq: 440 } },
      { name: 'apcma', port: 47204, audio: { codec: 'pcma', port: 47206, freq: 660 } },
      { name: 'apcmu', port: 47208, codec: 'h265', audio: { codec: 'pcmu', port: 47210, freq: 1000 } },
      { name: 'silent', port: 47212 },
    ];
    const caps = {};
    for (const s of specs) {
      caps[s.port] = capture(s.port);
      if (s.audio) caps[s.audio.port] = capture(s.audio.port);
    }
    await Promise.all(Object.values(caps).map((c) => c.bound));
    const t0 = Date.now();
    const cams = await startCameras(specs, { logDir: LOG_DIR, staggerMs: 50 });
    try {
      await sleep(4000);
    } finally {
      await stopCameras(cams);
      Object.values(caps).forEach((c) => c.close());
    }
    const expect = {
      opus: { pt: 111, tsStep: 960 },
      pcma: { pt: 8, tsStep: 160, payloadBytes: 160 },
      pcmu: { pt: 0, tsStep: 160, payloadBytes: 160 },
    };
    assert.equal(cams[3].audio, null, 'no audio unless asked');
    for (const cam of cams) {
      const video = caps[cam.port].pk;
      const frames = video.filter((p) => p.marker).length;
      assert.ok(video.length > 0 && video.every((p) => p.pt === 96), `${cam.name}: video PT 96`);
      assert.ok(frames >= 20, `${cam.name}: ${frames} video frames in 4 s at 15 fps`);
      if (!cam.audio) continue;
      const a = cam.audio;
      const pk = caps[a.port].pk;
      const what = `${cam.name} ${a.codec} ${a.freq} Hz`;
      checkAudioRtp(pk, { what, ...expect[a.codec] });
      assert.equal(pk[0].ssrc, a.ssrc, `${what}: ssrc`);
      // one packet per 20 ms (-re: real time), however late ffmpeg started
      const span = pk[pk.length - 1].at - pk[0].at;
      assert.ok(pk.length >= 50 && Math.abs(pk.length - (span / 20 + 1)) <= 0.2 * (span / 20 + 1),
        `${what}: ${pk.length} packets in ${span} ms, want one per 20 ms`);
      const { samples, sampleRate, errors } = await decodePackets(pk, a.codec);
      assert.equal(errors, 0, `${what}: decode errors`);
      const peak = tonePeak(samples, sampleRate);
      // every 10th packet lost: still the same tone
      const lossy = await toneOf(pk.filter((_, i) => i % 10 !== 5), a.codec);
      const startSkew = pk[0].at - video[0].at;
      const sizes = pk.map((p) => p.payload.length);
      t.diagnostic(`${what}: ${pk.length} packets (payload ${Math.min(...sizes)}..${Math.max(...sizes)} bytes, ts step ${u32(pk[0].ts, pk[1].ts)}), `
        + `${samples.length} samples at ${sampleRate} Hz -> ${peak.freq.toFixed(1)} Hz (snr ${peak.snr.toFixed(1)} dB, rms ${peak.rms.toFixed(3)}), `
        + `10% loss -> ${lossy?.toFixed(1)} Hz; video ${video.length} packets ${frames} frames; first audio ${startSkew} ms after first video `
        + `(first video ${video[0].at - t0} ms after start)`);
      assert.ok(within(peak.freq, a.freq), `${what}: heard ${peak.freq}`);
      assert.ok(peak.snr > 20, `${what}: a clean tone, snr ${peak.snr}`);
      assert.ok(within(lossy, a.freq), `${what}: with losses heard ${lossy}`);
      assert.ok(Math.abs(startSkew) < 1000, `${what}: audio and video start together (${startSkew} ms apart)`);
    }
  });
});

describe('audio cameras: GStreamer RTSP mounts with audio', { skip: netnsSkipReason() || rtspSkipReason() || false, timeout: 30000 }, () => {
  let srv;
  const mounts = ['camera1:h264:opus', 'camera2:h265:pcma', 'camera3::pcmu', 'camera4:main+sub:aac', 'camera5'];
  before(async () => {
    srv = await startRtspServer({ mounts, width: 320, height: 240,
      logFile: path.join(LOG_DIR, 'rtsp-camera.log') });
  });
  after(async () => {
    await srv?.stop();
    await stopAll();
  });

  /** AUDIO lines printed by the server: mount -> { codec, freq }. */
  const tones = () => Object.fromEntries(srv.lines.map((l) => l.line.split(' ')).filter((w) => w[0] === 'AUDIO')
    .map(([, m, codec, freq]) => [m, { codec, freq: Number(freq) }]));

  test('AUDIO lines (300 + 150 Hz * index) and ffprobe: opus / pcm_alaw / pcm_mulaw / aac beside the video; no audio on a plain mount', async (t) => {
    assert.deepEqual(tones(), {
      camera1: { codec: 'opus', freq: 300 },
      camera2: { codec: 'pcma', freq: 450 },
      camera3: { codec: 'pcmu', freq: 600 },
      'camera4/main': { codec: 'aac', freq: 750 },
      'camera4/sub': { codec: 'aac', freq: 750 },
    });
    assert.equal(srv.lines.findIndex((l) => l.line.startsWith('READY')), 5, 'READY after the AUDIO lines');
    const want = [
      ['camera1', 'h264', 'opus', 48000, 2],
      ['camera2', 'hevc', 'pcm_alaw', 8000, 1],
      ['camera3', 'h264', 'pcm_mulaw', 8000, 1],
      ['camera4/main', 'hevc', 'aac', 48000, 1],
      ['camera4/sub', 'h264', 'aac', 48000, 1],
      ['camera5', 'h264', null],
    ];
    await Promise.all(want.map(async ([m, vcodec, acodec, rate, channels]) => {
      const probe = await runCmd('ffprobe', ['-hide_banner', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_type,codec_name,sample_rate,channels',
        '-of', 'compact', srv.url(m)], { timeoutS: 15, logFile: path.join(LOG_DIR, 'ffprobe.log') });
      const streams = probe.out.split('\n').filter((l) => /^stream\|/.test(l));
      const audioLine = probe.out.split('\n').find((l) => /Stream #0:\d+.*Audio:/.test(l))?.trim();
      t.diagnostic(`${m}: ${audioLine || '(no audio stream)'} | ${streams.join(' ; ')}`);
      assert.match(streams[0] || '', new RegExp(`codec_name=${vcodec}\\|codec_type=video`), `${m}: video first: ${probe.out}`);
      if (!acodec) {
        assert.equal(streams.length, 1, `${m}: video only`);
        return;
      }
      assert.equal(streams.length, 2, `${m}: video + audio`);
      assert.match(streams[1], new RegExp(`codec_name=${acodec}\\|codec_type=audio\\|sample_rate=${rate}\\|channels=${channels}`), `${m}: ${probe.out}`);
      assert.match(audioLine || '', new RegExp(`Audio: ${acodec}\\b`), m);
    }));
  });

  test('ffmpeg relaying a mount\'s audio as RTP (PCMA copied, Opus copied, AAC transcoded to Opus) carries the mount\'s tone', async (t) => {
    const relays = [
      { mount: 'camera2', port: 47220, codec: 'pcma', pt: 8, args: ['-c:a', 'copy'] },
      { mount: 'camera1', port: 47222, codec: 'opus', pt: 111, args: ['-c:a', 'copy'] },
      { mount: 'camera4/main', port: 47224, codec: 'opus', pt: 111, args: ['-c:a', 'libopus', '-b:a', '32k', '-ar', '48000', '-ac', '2'] },
    ];
    const caps = relays.map((r) => capture(r.port));
    await Promise.all(caps.map((c) => c.bound));
    const procs = relays.map((r) => spawnTracked(`relay:${r.mount}`, 'ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'warning',
      '-rtsp_transport', 'tcp', '-i', srv.url(r.mount), '-map', '0:a:0', ...r.args,
      '-payload_type', String(r.pt), '-f', 'rtp', `rtp://127.0.0.1:${r.port}`],
    { logFile: path.join(LOG_DIR, `relay-${r.mount.replace('/', '-')}.log`) }));
    try {
      await sleep(4500);
    } finally {
      await Promise.all(procs.map((p) => stopTracked(p, 3000)));
      caps.forEach((c) => c.close());
    }
    const heard = tones();
    for (const [i, r] of relays.entries()) {
      const pk = caps[i].pk;
      const want = heard[r.mount].freq;
      const what = `${r.mount} (${heard[r.mount].codec}) relayed as ${r.codec}`;
      checkAudioRtp(pk, { what, pt: r.pt });
      assert.ok(pk.length >= 50, `${what}: ${pk.length} packets`);
      const { samples, sampleRate, errors } = await decodePackets(pk, r.codec);
      const peak = tonePeak(samples, sampleRate);
      const sizes = pk.map((p) => p.payload.length);
      const steps = [...new Set(pk.slice(1).map((p, j) => u32(pk[j].ts, p.ts)))];
      t.diagnostic(`${what}: ${pk.length} packets (payload ${Math.min(...sizes)}..${Math.max(...sizes)} bytes, ts steps ${steps.join(',')}), `
        + `${samples.length} samples -> ${peak.freq?.toFixed(1)} Hz (want ${want}, snr ${peak.snr.toFixed(1)} dB)`);
      assert.equal(errors, 0, `${what}: decode errors`);
      assert.ok(within(peak.freq, want), `${what}: heard ${peak.freq}, want ${want}`);
    }
  });
});
