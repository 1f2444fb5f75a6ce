// bench/audio.mjs: the audio rows, run by bench/run.sh after the H264 and
// H265 tables (same run, inside a private network namespace).
//
// 1. Focus changes at the RTP level: a werift viewer with an audio m-line
//    and four cameras with sound (two Opus, two PCMA, ffmpeg rtp feeds);
//    request -> first packet of the new camera's audio (told by its payload
//    type and tone-free: the tap knows which camera sent each payload).
// 2. A/V offset of the focused camera (tests/lib/avsync.mjs): the cameras'
//    sender reports against Janus's, after focus changes and switches.
// 3. CPU of one AAC -> Opus transcode: an RTSP camera (GStreamer, AAC) pulled
//    by the plugin, its ingest ffmpeg's CPU with the audio against the same
//    camera without audio.
// 4. Click -> heard in Chromium: the demo wall (tests/e2e/wallpage.mjs) in
//    headless Chromium; a click on a tile (its 720p and its sound) until the
//    page's WebAudio analyser hears that camera's tone, on the page's clock.
//    Includes the browser's audio jitter buffer and the analyser's window.
// Output: bench/output/<stamp>-audio/results.json, the table on stdout, and
// the table in bench/README.md and README.md between <!-- bench-audio:begin -->
// and <!-- bench-audio:end --> (unless BENCH_NO_README=1 or BENCH_QUICK=1).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { startJanus, REPO, sleep } from '../tests/lib/janus.mjs';
import { startCamera, stopCameras } from '../tests/lib/cameras.mjs';
import { connectMultistream } from '../tests/lib/client.mjs';
import { ffmpegChildren } from '../tests/lib/procs.mjs';
import { startRtspServer } from '../tests/lib/rtsp.mjs';
import { CameraTap, lags, avOffset } from '../tests/lib/avsync.mjs';
import { cpuTicks, CLK_TCK } from './lib/proc.mjs';
import { rowBench, pct, QUICK } from './lib/rows.mjs';
import { startWall, waitAllPlaying, tiles } from '../tests/e2e/wallpage.mjs';
import { demoTone } from '../tests/lib/demo-env.mjs';

const N_FOCUS = QUICK ? 8 : 60;
const N_SYNC = QUICK ? 2 : 6;
const N_CLICKS = QUICK ? 6 : 24;
const { out: OUT, say, main } = rowBench('audio');
const rand = (a, b) => a + Math.random() * (b - a);
const f0 = (x) => (x === null || x === undefined ? 'n/a' : `${Math.round(x)}`);
const f1 = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));

const CAMS = [
  { name: 'a1', video: 6200, audio: 6202, tapV: 6220, tapA: 6222, codec: 'opus', freq: 400, colour: 'red', width: 320, height: 240 },
  { name: 'a2', video: 6204, audio: 6206, tapV: 6224, tapA: 6226, codec: 'pcma', freq: 600, colour: 'green', width: 352, height: 288 },
  { name: 'a3', video: 6208, audio: 6210, tapV: 6228, tapA: 6230, codec: 'opus', freq: 800, colour: 'blue', width: 384, height: 216 },
  { name: 'a4', video: 6212, audio: 6214, tapV: 6232, tapA: 6234, codec: 'pcma', freq: 1000, colour: 'yellow', width: 416, height: 240 },
];
const CLOCK = { opus: 48000, pcma: 8000 };

async function rtpPhase(R) {
  const janus = await startJanus({
    name: 'bench-audio',
    pluginConfig: { general: { source_linger: 5, events: false },
      streams: Object.fromEntries(CAMS.map((c) => [c.name, `rtp://127.0.0.1:${c.video}#audio=${c.codec}:${c.audio}`])) },
    sessionTimeout: 60,
  });
  const tap = await new CameraTap(CAMS.flatMap((c) => [
    { key: `${c.name}/video`, inPort: c.tapV, outPort: c.video },
    { key: `${c.name}/audio`, inPort: c.tapA, outPort: c.audio },
  ])).start();
  const cams = [];
  try {
    for (const c of CAMS) {
      cams.push(startCamera({ name: c.name, port: c.tapV, colour: c.colour, width: c.width, height: c.height, logDir: OUT,
        audio: { codec: c.codec, port: c.tapA, freq: c.freq } }));
      await sleep(300);
    }
    await sleep(2000);
    const conn = await connectMultistream(janus, CAMS.map((c, i) => ({ slot: i, stream: c.name })), { audio: true });
    await sleep(1000);
    // 1. focus changes
    say(`${N_FOCUS} audio focus changes at the RTP level`);
    R.focus = [];
    let cur = -1;
    for (let i = 0; i < N_FOCUS; i++) {
      const next = [0, 1, 2, 3].filter((k) => k !== cur)[Math.floor(Math.random() * 3)];
      await sleep(rand(200, 700));
      const sentAt = Date.now();
      await conn.client.request('multistream/audio', { slot: next });
      const key = `${CAMS[next].name}/audio`;
      let first = null;
      const w0 = Date.now();
      while (!first && Date.now() - w0 < 2000) {
        first = conn.peer.audioPackets(sentAt).find((p) => tap.source(key, p.payload, p.at));
        if (!first) await sleep(2);
      }
      R.focus.push(first ? first.at - sentAt : null);
      cur = next;
    }
    const pk = conn.peer.audioPackets();
    R.audioBreaks = pk.slice(1).filter((p, j) => ((p.seq - pk[j].seq) & 0xffff) !== 1 || ((p.ts - pk[j].ts) | 0) <= 0 || p.ssrc !== pk[j].ssrc).length;
    R.audioPackets = pk.length;
    // 2. A/V offset, after focus changes and after switches of the focused slot
    say(`A/V offset: ${N_SYNC} windows`);
    R.sync = [];
    await conn.client.request('multistream/audio', { slot: 0 });
    for (let i = 0; i < N_SYNC; i++) {
      const cam = CAMS[i % CAMS.length];
      if (i % 2 === 0) {
        // The heard slot switches camera: the audio follows it
        await conn.client.request('multistream/audio', { slot: 0 });
        await conn.client.request('multistream/switch', { slot: 0, stream: cam.name });
      } else {
        await conn.client.request('multistream/audio', { slot: CAMS.indexOf(cam) });
      }
      const slot = i % 2 === 0 ? 0 : CAMS.indexOf(cam);
      const since = Date.now() + 1000;
      await sleep(i === 0 ? 6500 : 4500);
      const a = lags(tap, `${cam.name}/audio`, conn.peer.audioPackets(since), conn.peer.srs.filter((r) => r.kind === 'audio'), CLOCK[cam.codec]);
      const v = lags(tap, `${cam.name}/video`, conn.peer.packets(slot, since), conn.peer.srs.filter((r) => r.kind === 'video' && r.idx === slot), 90000);
      const off = avOffset(a, v);
      R.sync.push({ cam: cam.name, codec: cam.codec, after: i % 2 === 0 ? 'switch' : 'focus', offset: off, audio: a.length, video: v.length });
      say(`  ${cam.name} (${cam.codec}) after a ${R.sync[i].after}: ${f1(off)} ms (${a.length} audio, ${v.length} video packets)`);
    }
    await conn.peer.close();
    conn.client.drop();
  } finally {
    await stopCameras(cams);
    tap.stop();
    await janus.stop();
  }
}

async function cpuPhase(R) {
  say('AAC -> Opus: the ingest ffmpeg of an RTSP camera with AAC sound and without');
  const srv = await startRtspServer({ mounts: ['withaac::aac', 'silent'], width: 640, height: 480, logFile: path.join(OUT, 'rtsp.log') });
  const janus = await startJanus({
    name: 'bench-audio-cpu',
    pluginConfig: { general: { source_linger: 5, events: false }, streams: { withaac: srv.url('withaac'), silent: srv.url('silent') } },
    sessionTimeout: 60,
  });
  try {
    R.cpu = {};
    for (const name of ['withaac', 'silent']) {
      const v = await connectMultistream(janus, [{ slot: 0, stream: name }], { audio: true });
      await v.client.request('multistream/audio', { slot: 0 });
      await sleep(4000);
      const kids = ffmpegChildren(janus.child.pid);
      const pid = kids.length === 1 ? kids[0].pid : null;
      const a = pid ? cpuTicks(pid) : null;
      const s0 = Date.now();
      await sleep(8000);
      const b = pid ? cpuTicks(pid) : null;
      R.cpu[name] = a !== null && b !== null ? ((b - a) / CLK_TCK / ((Date.now() - s0) / 1000)) * 100 : null;
      R.cpu[`${name}Audio`] = v.peer.audioPackets(s0).length;
      say(`  ${name}: ingest ${f1(R.cpu[name])}% of a core, ${R.cpu[`${name}Audio`]} audio packets heard in 8 s`);
      await v.peer.close();
      v.client.drop();
      await sleep(6500); // the camera stops after its linger
    }
  } finally {
    await janus.stop();
    await srv.stop();
  }
}

async function chromiumPhase(R) {
  const wall = await startWall({ envOpts: { name: 'bench-audio-wall', sourceLinger: 1, sessionTimeout: 60, fullRateHd: true } });
  R.heard = [];
  try {
    const { page, manifest } = wall;
    await waitAllPlaying(page, manifest, { count: 9, timeoutMs: 30000 });
    await page.evaluate(() => window.msWall.audioFrequency()); // starts the analyser
    const withSound = manifest.cameras.map((c, k) => (c.audio ? k : -1)).filter((k) => k >= 0);
    for (let i = 0; i < N_CLICKS; i++) {
      const k = withSound[(i * 4) % withSound.length];	// every click another tile
      const cam = Number((await tiles(page, manifest))[k].camera.replace(/\D+/g, ''));
      await page.click(`#tile-${k}`);
      const r = await page.evaluate(([hz]) => window.msWall.waitForFrequency(hz, { toleranceHz: Math.max(15, hz * 0.04), timeoutMs: 3000 }), [demoTone(cam)]);
      R.heard.push(r ? r.sinceRequestMs : null);
      await sleep(700);
    }
    say(`click -> heard (ms): ${R.heard.join(', ')}`);
  } finally {
    await wall.stop();
  }
}

function render(R, seconds) {
  const fl = (R.focus || []).map((x) => (x === null ? Infinity : x));
  const offs = (R.sync || []).map((s) => s.offset).filter((x) => x !== null);
  const abs = offs.map(Math.abs);
  const rows = [
    ['audio focus change -> first packet of the new camera at the viewer: p50 / p95 / max (ms)', `**${f0(pct(fl, 0.5))}** / ${f0(pct(fl, 0.95))} / ${f0(pct(fl, 1))} (n=${fl.length})`],
    ['click on a tile -> its camera\'s tone in the page\'s WebAudio analyser (demo wall, headless Chromium; goal 300 ms): p50 / p95 (ms)',
      R.heard ? `**${f0(pct(R.heard.map((x) => (x === null ? Infinity : x)), 0.5))}** / ${f0(pct(R.heard.map((x) => (x === null ? Infinity : x)), 0.95))} (n=${R.heard.length})` : 'n/a'],
    ['audio m-line: seq or timestamp breaks, SSRC changes across every focus change', `**${R.audioBreaks}** in ${R.audioPackets} packets`],
    ['A/V offset of the camera heard (sound after picture; after focus changes and switches): p50 / largest absolute offset (ms)',
      `${f1(pct(offs, 0.5))} / **${f1(pct(abs, 1))}** (n=${offs.length}: ${(R.sync || []).map((s) => f1(s.offset)).join(', ')})`],
    ['CPU of one AAC -> Opus transcode (640x480 RTSP camera\'s ingest ffmpeg with AAC sound minus without; % of a core)',
      R.cpu ? `${f1(R.cpu.withaac - R.cpu.silent)} (${f1(R.cpu.withaac)} - ${f1(R.cpu.silent)})` : 'n/a'],
  ];
  const head = `Measured ${R.started.slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} x ${(os.cpus()[0] || {}).model}, plugin at git ${R.plugin}; `
    + 'four ffmpeg cameras with sound (a tone each; Opus 20 ms, PCMA 20 ms) through a UDP tap that keeps their sender reports, a werift viewer with an audio m-line; '
    + `GStreamer RTSP cameras (AAC) for the transcode; the 3x3 demo wall in headless Chromium for the clicks; run took ${seconds} s.`;
  return `${head}\n\n${['| audio measure | janus-multistream |', '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n')}\n`;
}

main([rtpPhase, cpuPhase, chromiumPhase], render);
