// bench/h265.mjs: the H265 rows, run by bench/run.sh after bench.mjs (same
// run, same machine, inside the same kind of private network namespace).
//
// 1. Passthrough at the RTP level: a werift viewer that offers H265 and
//    H264; one slot switched among two H264 and two H265 ffmpeg cameras
//    (320x240..416x240@15, GOP 2 s) at random GOP phases. Per switch:
//    request -> first packet of the new camera, and whether it was clean
//    (old stream ends on a frame, new one starts with its parameter sets and
//    an IRAP / IDR, one SSRC, seq +1).
// 2. Headless Chromium (Debian's decodes no H265), the demo wall
//    (tests/lib/demo-env.mjs: cameras 3, 6, 9 send H265): a tile switched to
//    an H265 camera while its H264 transcode is cold (not running), and again
//    while it is warm. Request -> the camera's colour on screen.
// 3. CPU of one H265 -> H264 transcode (ffmpeg, from /proc) at 640x480 and
//    at 1920x1080, 15 fps, fed by an H265 camera, viewed by an H264-only
//    werift client.
// Output: bench/output/<stamp>-h265/results.json, the table on stdout, and
// the table in bench/README.md and README.md between <!-- bench-h265:begin -->
// and <!-- bench-h265:end --> (unless BENCH_NO_README=1 or BENCH_QUICK=1).
import os from 'node:os';
import { startJanus, sleep } from '../tests/lib/janus.mjs';
import { startCamera, stopCameras } from '../tests/lib/cameras.mjs';
import { connectMultistream, h264Codec, h265Codec, AdminClient } from '../tests/lib/client.mjs';
import { ffmpegChildren } from '../tests/lib/procs.mjs';
import { packetResolution as res264, isKeyframeMaterial, seqDiff } from '../tests/lib/h264.mjs';
import * as H265 from '../tests/lib/h265.mjs';
import { slotPayloadTypes } from '../tests/lib/sdp.mjs';
import { startWall, waitAllPlaying, tiles, mismatch, waitFor } from '../tests/e2e/wallpage.mjs';
import { cpuTicks, CLK_TCK } from './lib/proc.mjs';
import { rowBench, pct, QUICK } from './lib/rows.mjs';

const N_SWITCH = QUICK ? 8 : 60;
const N_COLD = QUICK ? 2 : 6;
const { out: OUT, say, main } = rowBench('h265');
const rand = (a, b) => a + Math.random() * (b - a);

const ms = (x) => (x === null || x === undefined ? 'n/a' : `${Math.round(x)}`);

const resOf = (p) => res264(p.payload) || H265.packetResolution(p.payload);


// ---------------------------------------------------------------------------
// 1 + 3: RTP level, and transcode CPU
async function rtpPhase(R) {
  const cams = [
    { name: 'a264', port: 6100, colour: 'red', width: 320, height: 240 },
    { name: 'b264', port: 6102, colour: 'green', width: 352, height: 288 },
    { name: 'c265', port: 6104, colour: 'blue', width: 384, height: 216, codec: 'h265' },
    { name: 'd265', port: 6106, colour: 'yellow', width: 416, height: 240, codec: 'h265' },
  ];
  const big = [
    { name: 'hevc480', port: 6110, colour: 'cyan', width: 640, height: 480, codec: 'h265', bitrate: '1M' },
    { name: 'hevc1080', port: 6112, colour: 'magenta', width: 1920, height: 1080, codec: 'h265', bitrate: '3M' },
  ];
  const streams = {};
  for (const c of [...cams, ...big]) streams[c.name] = `rtp://127.0.0.1:${c.port}${c.codec === 'h265' ? '#video=h265' : ''}`;
  const janus = await startJanus({ name: 'bench-h265', pluginConfig: { general: { max_slots: 9, source_linger: 1, events: false }, streams }, sessionTimeout: 60 });
  const running = [];
  try {
    for (const c of cams) {
      running.push(startCamera({ ...c, fps: 15, gop: 30, logDir: OUT }));
      await sleep(450);
    }
    await sleep(2500);
    const conn = await connectMultistream(janus, [{ slot: 0, stream: 'a264' }], { codecs: [h265Codec(), h264Codec()] });
    const pts = slotPayloadTypes(conn.answer.jsep.sdp)[0];
    await sleep(1500);
    const want = Object.fromEntries(cams.map((c) => [c.name, `${c.width}x${c.height}`]));
    const codec = Object.fromEntries(cams.map((c) => [c.name, c.codec || 'h264']));
    let cur = 'a264';
    const out = [];
    say(`passthrough: ${N_SWITCH} switches among 2 H264 and 2 H265 cameras at the RTP level`);
    for (let i = 0; i < N_SWITCH; i++) {
      const choices = cams.map((c) => c.name).filter((n) => n !== cur);
      // Every other switch crosses codecs
      const cross = choices.filter((n) => codec[n] !== codec[cur]);
      const next = i % 2 === 0 ? cross[Math.floor(Math.random() * cross.length)] : choices[Math.floor(Math.random() * choices.length)];
      await sleep(rand(300, 1900));
      const sentAt = Date.now();
      await conn.client.request('multistream/switch', { slot: 0, stream: next });
      let flip = -1;
      const w0 = Date.now();
      while (Date.now() - w0 < 3000) {
        const pk = conn.peer.packets(0);
        flip = pk.findIndex((p) => p.at >= sentAt && resOf(p) === want[next]);
        if (flip >= 0) break;
        await sleep(5);
      }
      await sleep(150);
      const pk = conn.peer.packets(0);
      const r = { from: cur, to: next, cross: codec[next] !== codec[cur], latency: flip >= 0 ? pk[flip].at - sentAt : null, clean: false };
      if (flip > 0) {
        const p = pk[flip];
        const isNew = (q) => (codec[next] === 'h265' ? q.pt === pts.h265 : q.pt === pts.h264);
        const key = codec[next] === 'h265' ? H265.keyframeStart(p.payload) : isKeyframeMaterial(p.payload);
        let irapFirst = true;
        if (codec[next] === 'h265') {
          const types = pk.slice(flip, flip + 40).flatMap((q) => H265.nalTypes(q.payload));
          const firstPic = types.findIndex((t) => t < 32);
          irapFirst = firstPic > 0 && H265.isIrap(types[firstPic]) && [32, 33, 34].every((t) => types.slice(0, firstPic).includes(t));
        }
        const cont = pk.slice(flip - 1, flip + 30).every((q, j, a) => j === 0 || (seqDiff(a[j - 1].seq, q.seq) === 1 && q.ssrc === a[0].ssrc));
        r.clean = pk[flip - 1].marker && key && irapFirst && isNew(p) && cont;
      }
      out.push(r);
      cur = next;
    }
    R.passthrough = out;
    await conn.peer.close();
    conn.client.drop();

    // The same cameras to an H264-only viewer: through the transcode
    say(`transcode at the RTP level: ${N_COLD} cold and warm switches to an H265 camera`);
    const admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
    const v = await connectMultistream(janus, [{ slot: 0, stream: 'a264' }]);
    const firstOf = async (stream, sentAt) => {
      const w0 = Date.now();
      while (Date.now() - w0 < 8000) {
        const p = v.peer.packets(0).find((q) => q.at >= sentAt && resOf(q) === want[stream]);
        if (p) return p.at - sentAt;
        await sleep(5);
      }
      return null;
    };
    R.rtpCold = [];
    R.rtpWarm = [];
    for (let i = 0; i < N_COLD; i++) {
      await waitFor(async () => !((await admin.status()).sources || []).find((x) => x.name === 'c265@h264')?.running, { timeoutMs: 10000, what: 'transcode stopped' });
      await sleep(rand(200, 1800));
      let sentAt = Date.now();
      await v.client.request('multistream/switch', { slot: 0, stream: 'c265' });
      R.rtpCold.push(await firstOf('c265', sentAt));
      await v.client.request('multistream/switch', { slot: 0, stream: 'a264' });
      await firstOf('a264', Date.now());
      await sleep(rand(100, 500));
      sentAt = Date.now();
      await v.client.request('multistream/switch', { slot: 0, stream: 'c265' });
      R.rtpWarm.push(await firstOf('c265', sentAt));
      await v.client.request('multistream/switch', { slot: 0, stream: 'a264' });
      await firstOf('a264', Date.now());
      say(`  cold ${R.rtpCold[i]} ms, warm ${R.rtpWarm[i]} ms`);
    }
    admin.close();
    await v.peer.close();
    v.client.drop();

    // Transcode CPU
    R.cpu = {};
    for (const c of big) {
      say(`transcode CPU: ${c.name} (${c.width}x${c.height}@15, H265 ${c.bitrate}) to an H264-only viewer`);
      const cam = startCamera({ ...c, fps: 15, gop: 30, logDir: OUT });
      try {
        await sleep(3000);
        const v = await connectMultistream(janus, [{ slot: 0, stream: c.name }]);
        await sleep(4000);
        const kids = ffmpegChildren(janus.child.pid);
        const pid = kids.length === 1 ? kids[0].pid : null;
        const a = pid ? cpuTicks(pid) : null;
        const s0 = Date.now();
        const pk0 = v.peer.packets(0).length;
        await sleep(8000);
        const b = pid ? cpuTicks(pid) : null;
        const secs = (Date.now() - s0) / 1000;
        const frames = new Set(v.peer.packets(0).slice(pk0).map((p) => p.ts)).size;
        R.cpu[c.name] = { width: c.width, height: c.height, pct: a !== null && b !== null ? ((b - a) / CLK_TCK / secs) * 100 : null, fps: frames / secs, processes: kids.length };
        say(`  ${c.name}: ${R.cpu[c.name].pct?.toFixed(1)}% of a core, ${R.cpu[c.name].fps.toFixed(1)} fps out`);
        await v.peer.close();
        v.client.drop();
        await sleep(2500);
      } finally {
        await cam.stop();
      }
    }
  } finally {
    await stopCameras(running);
    await janus.stop();
  }
}

// ---------------------------------------------------------------------------
// 2: Chromium, cold and warm transcode
async function chromiumPhase(R) {
  const { env, page, manifest, stop } = await startWall({ envOpts: { name: 'bench-h265-wall', sourceLinger: 4, sessionTimeout: 60, fullRateHd: true } });
  const admin = await new AdminClient(env.janus.adminUrl, env.janus.adminSecret).connect();
  try {
    await waitAllPlaying(page, manifest, { count: 9, timeoutMs: 30000 });
    // Request sent (page clock) -> presentation time of the first frame in
    // the new camera's colour (requestVideoFrameCallback), as bench.mjs does
    const sw = (stream, q) => page.evaluate(async ([s, qq]) => {
      const t = performance.now();
      await window.msWall.client.switchStream(0, s, qq);
      return t;
    }, [stream, q]);
    const shows = async (stream, tReq) => {
      const t = await waitFor(async () => {
        const x = (await tiles(page, manifest))[0];
        return !mismatch(x, manifest, { stream }) ? x : null;
      }, { timeoutMs: 8000, intervalMs: 20, what: `tile 0 on ${stream}` });
      return t.changedAt - tReq;
    };
    const running = async (name) => ((await admin.status()).sources || []).find((s) => s.name === name)?.running;
    const target = 'camera3'; // H265 native 320x240: served through camera3@h264
    const home = manifest.cameras[0].streams.find((s) => manifest.streams[s].role === 'grid');
    R.cold = [];
    R.warm = [];
    say(`Chromium: ${N_COLD} cold and ${N_COLD} warm switches of a tile to an H265 camera`);
    for (let i = 0; i < N_COLD; i++) {
      await waitFor(async () => !(await running(`${target}@h264`)), { timeoutMs: 10000, what: 'transcode stopped' });
      await sleep(rand(200, 1800));
      R.cold.push(await shows(target, await sw(target)));
      await shows(home, await sw(home.replace(/-[^-]+$/, ''), manifest.streams[home].quality));
      // Within the linger (still warm), after the slot's replay bound of 5 a
      // second (ms_switch.h) has room again: a user does not switch 5 times a second
      await sleep(rand(1100, 1800));
      R.warm.push(await shows(target, await sw(target)));
      await shows(home, await sw(home.replace(/-[^-]+$/, ''), manifest.streams[home].quality));
      say(`  cold ${Math.round(R.cold[i])} ms, warm ${Math.round(R.warm[i])} ms`);
    }
  } finally {
    admin.close();
    await stop();
  }
}

function render(R, seconds) {
  const p = R.passthrough || [];
  const lat = p.map((x) => (x.latency === null ? Infinity : x.latency));
  const cross = p.filter((x) => x.cross).map((x) => (x.latency === null ? Infinity : x.latency));
  const unclean = p.filter((x) => !x.clean).length;
  const rows = [
    ['switch at the RTP level (passthrough to an H265-capable viewer), request -> first packet of the new camera: p50 / p95 / max (ms)',
      `**${ms(pct(lat, 0.5))}** / ${ms(pct(lat, 0.95))} / ${ms(pct(lat, 1))} (n=${p.length})`],
    ['  of which H264 <-> H265 switches: p50 / p95 (ms)', `${ms(pct(cross, 0.5))} / ${ms(pct(cross, 0.95))} (n=${cross.length})`],
    ['switches not clean (old stream not ending on a frame, new one not starting with its parameter sets and an IRAP/IDR, a seq or SSRC break)', `**${unclean}** / ${p.length}`],
    ['H264-only werift viewer: switch to an H265 camera through its H264 transcode, request -> first packet, cold / warm: p50 (max) (ms)',
      `${ms(pct(R.rtpCold || [], 0.5))} (${ms(pct(R.rtpCold || [], 1))}) / ${ms(pct(R.rtpWarm || [], 0.5))} (${ms(pct(R.rtpWarm || [], 1))}) (n=${(R.rtpCold || []).length})`],
    ['Chromium (no H265 decoder): switch to an H265 camera, its H264 transcode cold -> colour on screen: min / p50 / max (ms)',
      `${ms(pct(R.cold || [], 0))} / **${ms(pct(R.cold || [], 0.5))}** / ${ms(pct(R.cold || [], 1))} (n=${(R.cold || []).length})`],
    ['  same, the transcode warm: min / p50 / max (ms)', `${ms(pct(R.warm || [], 0))} / **${ms(pct(R.warm || [], 0.5))}** / ${ms(pct(R.warm || [], 1))} (n=${(R.warm || []).length})`],
  ];
  for (const [name, c] of Object.entries(R.cpu || {})) {
    rows.push([`CPU of one H265 -> H264 transcode, ${c.width}x${c.height}@15 (% of a core; frames out per s)`, `${c.pct === null ? 'n/a' : c.pct.toFixed(1)}; ${c.fps.toFixed(1)}`]);
  }
  const head = `Measured ${R.started.slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} x ${(os.cpus()[0] || {}).model}, plugin at git ${R.plugin}; `
    + 'ffmpeg cameras (libx264 / libx265 ultrafast, 15 fps, GOP 2 s), werift viewer for the RTP rows, headless Debian Chromium with the demo wall for the browser rows; '
    + `run took ${seconds} s.`;
  const table = ['| H265 measure | janus-multistream |', '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n');
  return `${head}\n\n${table}\n`;
}

main([rtpPhase, chromiumPhase], render);
