// bench/bench.mjs: janus-multistream vs stock janus.plugin.streaming, same
// cameras, same run, same page code, headless Debian Chromium. Runs inside a
// private network namespace (bench/run.sh wraps it in tests/lib/netns.sh).
//
// Phases: 9 colour cameras (320x240@15, GOP 2 s, staggered) -> UDP tap
// (bench/lib/relay.mjs, logs every packet) -> Janus. Then, per side:
//   page loads (all 9 showing from page start), a steady window (Janus and
//   Chromium CPU/memory), single switches and page changes measured in the
//   page (requestVideoFrameCallback + canvas colour, getStats), mirrored by a
//   werift viewer whose RTP is checked frame by frame (analyzeSlot, tests/lib/h264.mjs).
// Ours only: a 1080p camera (4 Mbit/s, GOP 2 s) to price the GOP replay.
// Output: bench/output/<stamp>/ (results.json, logs), the table on stdout,
// and the table in bench/README.md (its headline rows in README.md), between
// <!-- bench:begin --> and <!-- bench:end -->.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startJanus, REPO, PLUGIN_SO, SYSTEM_PLUGINS, sleep } from '../tests/lib/janus.mjs';
import { startCameras, stopCameras } from '../tests/lib/cameras.mjs';
import { spawnTracked, stopTracked, stopAll } from '../tests/lib/procs.mjs';
import { oursRecorder, stockRecorder } from './lib/recorder.mjs';
import { loadRelayLog, analyzeSlot } from '../tests/lib/h264.mjs';
import { cpuTicks, cpuWindow, chromiumPids, memory } from './lib/proc.mjs';
import { renderReport, writeReadme } from './lib/report.mjs';

const require = createRequire(path.join(REPO, 'tests', 'package.json'));
const { chromium } = require('playwright-core');

const T0 = Date.now();
const elapsed = () => (Date.now() - T0) / 1000;
const BUDGET_S = Number(process.env.BENCH_BUDGET_S || 540); // hard bound is in run.sh
const QUICK = process.env.BENCH_QUICK === '1';
const N_LOADS = QUICK ? 2 : 6;
const N_SINGLE_OURS = QUICK ? 10 : 200;
const N_SINGLE_STOCK = QUICK ? 6 : 40;
const N_PAGE = QUICK ? 5 : 40;
const N_HD = QUICK ? 4 : 16;
const SWITCH_TIMEOUT = 3000;
const SETTLE = 150;

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const OUT = path.join(REPO, 'bench', 'output', stamp);
fs.mkdirSync(OUT, { recursive: true });
const say = (s) => console.error(`[bench ${elapsed().toFixed(0).padStart(3)}s] ${s}`);

const N = 9;
const PALETTE = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255], [0, 255, 255], [255, 255, 255], [255, 128, 0], [128, 0, 255]];
const hex = ([r, g, b]) => `0x${[r, g, b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
// RTP on even ports, 2 apart: ffmpeg sends its RTCP sender reports to port+1
// (an RTCP packet landing on another camera's RTP port would be relayed as
// video by both plugins).
const CAMS = PALETTE.map((c, i) => ({ name: `cam${i}`, port: 5000 + 2 * i, tap: 6000 + 2 * i, colour: hex(c), id: i + 1 }));
const HD = { name: 'hd', port: 5020, tap: 6020, id: 10, index: 9 };
const camInfo = [...CAMS.map((c) => ({ stream: c.name, id: c.id })), { stream: HD.name, id: HD.id }];
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required'];
const PAGE_URL = `file://${path.join(REPO, 'bench', 'page', 'page.html')}`;

const rand = (a, b) => a + Math.random() * (b - a);
const randInt = (n) => Math.floor(Math.random() * n);
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------
function startRelay(logFile) {
  const maps = [...CAMS, HD].map((c) => `${c.tap}:${c.port}:${c.name}`);
  return spawnTracked('relay', process.execPath, [path.join(REPO, 'bench', 'lib', 'relay.mjs'), logFile, ...maps],
    { logFile: path.join(OUT, 'relay.stderr.log') });
}

function startHdCamera() {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=1920x1080:r=15',
    '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-bf', '0', '-x264-params', 'repeat-headers=1',
    '-b:v', '4M', '-minrate', '4M', '-maxrate', '4M', '-bufsize', '2M',
    '-payload_type', '96', '-ssrc', String(0x1000 + HD.tap), '-f', 'rtp', `rtp://127.0.0.1:${HD.tap}?pkt_size=1200`];
  const child = spawnTracked('camera:hd', 'ffmpeg', args, { logFile: path.join(OUT, 'camera-hd.log') });
  return { child, stop: () => stopTracked(child, 3000) };
}

function oursConfig() {
  const streams = {};
  for (const c of [...CAMS, HD]) streams[c.name] = `rtp://127.0.0.1:${c.port}`;
  return { general: { max_slots: 9, source_linger: 60, disconnect_grace: 10, events: false }, streams };
}

function stockConfig() {
  const cfg = { general: { events: false, string_ids: false } };
  for (const c of CAMS) {
    cfg[c.name] = {
      type: 'rtp', id: c.id, description: c.name, audio: false, video: true,
      videoport: c.port, videopt: 96, videocodec: 'h264', videofmtp: 'profile-level-id=42e01f;packetization-mode=1',
    };
  }
  return cfg;
}

async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
}

async function openWall(ctx, mode, janus, slots, extra = {}) {
  const page = await ctx.newPage();
  const cfg = {
    mode, ws: janus.wsUrl, palette: PALETTE, camInfo, hdCams: [HD.index],
    slots: slots.map((cam) => ({ cam, stream: camInfo[cam].stream, id: camInfo[cam].id })), ...extra,
  };
  await page.addInitScript((c) => { window.BENCH_CFG = c; }, cfg);
  page.on('console', (m) => { if (m.type() === 'error') fs.appendFileSync(path.join(OUT, 'page-console.log'), `${mode}: ${m.text()}\n`); });
  await page.goto(PAGE_URL);
  return page;
}

async function waitAllShowing(page, timeoutMs = 10000) {
  try {
    await page.waitForFunction(() => window.bench && (window.bench.allShowingAt !== null || window.bench.error), null, { timeout: timeoutMs, polling: 20 });
  } catch { /* reported below */ }
  return page.evaluate(() => ({ all: bench.allShowingAt, first: bench.firstShown, connected: bench.connectedAt, error: bench.error, log: bench.log }));
}

async function closePage(page) {
  try { await page.evaluate(() => bench.close()); } catch { /* */ }
  await page.close().catch(() => {});
}

// ---------------------------------------------------------------------------
async function switchLoop({ page, rec, mode, kind, n, cur, recSwitches, budgetS, gap = [60, 400], timeoutMs = SWITCH_TIMEOUT, only = null }) {
  const out = [];
  let before = await page.evaluate(() => bench.stats());
  for (let i = 0; i < n; i++) {
    if (elapsed() > budgetS) { say(`${mode} ${kind}: time budget reached after ${i} switches`); break; }
    await sleep(rand(gap[0], gap[1]));
    let list;
    if (kind === 'page') {
      const shift = 1 + randInt(N - 1);
      list = cur.map((c, slot) => ({ slot, cam: (c + shift) % N }));
    } else if (only) {
      list = [only(i, cur)];
    } else {
      const slot = randInt(cur.length);
      let cam = randInt(N - 1);
      if (cam >= cur[slot]) cam++;
      list = [{ slot, cam }];
    }
    const tRec = now();
    for (const l of list) {
      rec.switch(l.slot, mode === 'ours' ? camInfo[l.cam].stream : camInfo[l.cam].id);
      recSwitches[l.slot].push({ at: tRec, from: camInfo[cur[l.slot]].stream, to: camInfo[l.cam].stream });
    }
    const fired = await page.evaluate((l) => bench.fire(l), list);
    const res = await page.evaluate(([t, s]) => bench.collect(t, s), [timeoutMs, SETTLE]);
    const after = await page.evaluate(() => bench.stats());
    const delta = list.map(({ slot }) => {
      const a = after[slot], b = before[slot];
      if (!a || !b) return null;
      const d = {};
      for (const k of Object.keys(a)) d[k] = a[k] - b[k];
      return d;
    });
    before = after;
    for (const l of list) cur[l.slot] = l.cam;
    out.push({ i, kind, epoch: fired.epoch, recAt: tRec, res, delta });
  }
  // freezes/drops that show up after the last settle window
  await sleep(500);
  const last = await page.evaluate(() => bench.stats());
  if (out.length) {
    const o = out[out.length - 1];
    o.delta = o.res.map(({ slot }, j) => {
      const d = o.delta[j];
      if (!d) return d;
      const a = last[slot], b = before[slot];
      for (const k of Object.keys(d)) d[k] += a[k] - b[k];
      return d;
    });
  }
  return out;
}

async function renderDelayNow(page, ms = 2000) {
  return page.evaluate((w) => { const t = performance.now(); return bench.renderDelay(t - w, t); }, ms);
}

// ---------------------------------------------------------------------------
async function runSide(mode, relayLog, budget) {
  const R = { mode };
  say(`${mode}: starting Janus`);
  const janus = await startJanus(mode === 'ours'
    ? { name: 'bench-ours', pluginConfig: oursConfig(), sessionTimeout: 60 }
    : { name: 'bench-stock', pluginSo: path.join(SYSTEM_PLUGINS, 'libjanus_streaming.so'), pluginPackage: 'janus.plugin.streaming', pluginConfig: stockConfig(), sessionTimeout: 60 });
  R.janusOut = janus.outDir;
  let browser = null;
  try {
    const jpid = janus.child.pid;
    await sleep(2500); // cameras reach Janus, caches fill
    R.janusIdle = await cpuWindow(() => [jpid], 6000);
    say(`${mode}: Janus ingest only (9 cameras, no viewer): ${R.janusIdle.pct.toFixed(2)}% CPU`);

    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const initial = [...Array(N).keys()];
    R.loads = [];
    let page = null;
    for (let i = 0; i < N_LOADS; i++) {
      if (page) { await closePage(page); await sleep(rand(300, 2000)); }
      page = await openWall(ctx, mode, janus, initial);
      const r = await waitAllShowing(page);
      R.loads.push(r);
      say(`${mode}: load ${i + 1}/${N_LOADS}: all 9 showing at ${r.all === null ? 'never' : `${r.all.toFixed(0)} ms`}${r.error ? ` (error ${r.error})` : ''}`);
      if (r.error) throw new Error(`${mode} page error: ${r.error}\n${(r.log || []).join('\n')}`);
    }
    await sleep(2000);
    const [jc, cc] = await Promise.all([cpuWindow(() => [jpid], 10000), cpuWindow(() => chromiumPids(), 10000)]);
    R.steady = { janus: jc, chromium: cc, chromiumMem: memory(chromiumPids()), chromiumProcs: chromiumPids().length, streams: N, stats: await page.evaluate(() => bench.stats()) };
    say(`${mode}: steady 9-camera wall: Janus ${jc.pct.toFixed(2)}% CPU, Chromium ${cc.pct.toFixed(1)}% CPU, PSS ${(R.steady.chromiumMem.pssKb / 1024).toFixed(0)} MB`);

    const rec = mode === 'ours' ? await oursRecorder(janus, initial.map((c) => camInfo[c].stream)) : await stockRecorder(janus, initial.map((c) => camInfo[c].id));
    const recSwitches = initial.map(() => []);
    await sleep(1500);
    R.renderDelayStart = await renderDelayNow(page);
    const cur = [...initial];
    say(`${mode}: ${mode === 'ours' ? N_SINGLE_OURS : N_SINGLE_STOCK} single switches`);
    R.single = await switchLoop({ page, rec, mode, kind: 'single', n: mode === 'ours' ? N_SINGLE_OURS : N_SINGLE_STOCK, cur, recSwitches, budgetS: budget.single });
    say(`${mode}: ${N_PAGE} page changes`);
    R.page = await switchLoop({ page, rec, mode, kind: 'page', n: N_PAGE, cur, recSwitches, budgetS: budget.page, gap: [100, 500] });
    await sleep(1500);
    R.renderDelayEnd = await renderDelayNow(page);
    await rec.close();
    await closePage(page);
    // bitstream check (relay log now holds every camera packet of this phase)
    await sleep(300);
    const idx = loadRelayLog(relayLog);
    R.bitstream = rec.rtp.map((pk, k) => analyzeSlot(pk, idx, recSwitches[k]));
    if (process.env.BENCH_DUMP === '1') rec.rtp.forEach((pk, k) => fs.writeFileSync(path.join(OUT, `rtp-${mode}-slot${k}.jsonl`), pk.map((p) => JSON.stringify({ ...p, payload: p.payload.toString('hex') })).join('\n')));
    R.bitstream.forEach((b, k) => { fs.writeFileSync(path.join(OUT, `frames-${mode}-slot${k}.txt`), `${b.lines.join('\n')}\n`); delete b.lines; });
    R.recSwitches = recSwitches.map((a) => a.length);
    say(`${mode}: bitstream: ${R.bitstream.reduce((a, b) => a + b.frames, 0)} frames checked`);

    if (mode === 'ours') R.hd = await runHd(ctx, janus, relayLog);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await janus.stop();
  }
  return R;
}

async function runHd(ctx, janus, relayLog) {
  say('hd: 1080p camera (4 Mbit/s, GOP 2 s) into our plugin');
  const cam = startHdCamera();
  try {
    await sleep(4500);
    const page = await openWall(ctx, 'ours', janus, [0, 1]);
    await waitAllShowing(page);
    const rec = await oursRecorder(janus, ['cam0', 'cam1']);
    const recSwitches = [[], []];
    await sleep(1000);
    const cur = [0, 1];
    const res = await switchLoop({
      page, rec, mode: 'ours', kind: 'hd', n: N_HD, cur, recSwitches, budgetS: BUDGET_S, gap: [300, 1400],
      only: (i, c) => ({ slot: 0, cam: c[0] === HD.index ? 0 : HD.index }),
    });
    await sleep(500);
    await rec.close();
    await closePage(page);
    await sleep(300);
    const idx = loadRelayLog(relayLog);
    const bs = analyzeSlot(rec.rtp[0], idx, recSwitches[0]);
    fs.writeFileSync(path.join(OUT, 'frames-hd-slot0.txt'), `${bs.lines.join('\n')}\n`);
    delete bs.lines;
    const hdc = idx.cams.get('hd');
    const gops = [];
    if (hdc) {
      let g = null;
      for (const f of hdc.frames) {
        if (f.idr) { if (g) gops.push(g); g = { bytes: 0, packets: 0, frames: 0 }; }
        if (g) { g.bytes += f.bytes; g.packets += f.n; g.frames++; }
      }
    }
    return { switches: res, bitstream: bs, gops };
  } finally {
    await cam.stop();
  }
}

// ---------------------------------------------------------------------------
async function main() {
  if (!fs.existsSync(PLUGIN_SO)) throw new Error(`plugin not built: ${PLUGIN_SO}`);
  const relayLog = path.join(OUT, 'relay.log');
  const relay = startRelay(relayLog);
  let cams = [];
  const results = { started: new Date().toISOString(), quick: QUICK, loadStart: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') };
  try {
    const { execFileSync } = await import('node:child_process');
    results.plugin = execFileSync('git', ['-C', REPO, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch { results.plugin = 'unknown'; }
  try {
    await sleep(300);
    say('starting 9 cameras (320x240@15, GOP 2 s, 350 ms apart)');
    cams = await startCameras(CAMS.map((c) => ({ name: c.name, port: c.tap, colour: c.colour, width: 320, height: 240, fps: 15, gop: 30 })), { staggerMs: 350, logDir: OUT });
    await sleep(1500);
    results.ours = await runSide('ours', relayLog, { single: BUDGET_S * 0.30, page: BUDGET_S * 0.36 });
    results.stock = await runSide('stock', relayLog, { single: BUDGET_S * 0.74, page: BUDGET_S * 0.95 });
  } finally {
    await stopCameras(cams);
    await stopTracked(relay, 3000);
    await stopAll();
  }
  results.elapsedS = elapsed();
  results.loadEnd = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  results.machine = { nproc: os.cpus().length, model: (os.cpus()[0] || {}).model, chromium: 'Debian chromium (/usr/bin/chromium)' };
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, (k, v) => (k === 'log' ? undefined : v), 1));
  const report = renderReport(results);
  console.log(report.text);
  if (!QUICK && process.env.BENCH_NO_README !== '1') {
    writeReadme(path.join(REPO, 'bench', 'README.md'), report.markdown);
    writeReadme(path.join(REPO, 'README.md'), report.headline);
    say('bench/README.md table and README.md headline rows updated');
  }
  say(`done in ${elapsed().toFixed(0)} s; raw figures in ${path.relative(REPO, OUT)}/results.json`);
}

main().then(() => process.exit(0), async (e) => {
  console.error(`bench failed: ${e.stack || e}`);
  await stopAll();
  process.exit(1);
});
