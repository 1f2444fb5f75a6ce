// bench/soak/soak.mjs: soak + load test and capacity ramp of
// janus.plugin.multistream (run via bench/soak/run.sh, inside the private
// network namespace of tests/lib/netns.sh).
//
// Soak: 9 colour RTP cameras (320x240@15, GOP 2 s, staggered) behind a UDP
// tap that counts what they send, Janus with the plugin, N werift clients
// with 9 slots each spread over worker processes; every client switches a
// random slot to a random stream every 200 ms (mostly live cameras, some
// silent streams, some unknown names); churners join and leave continuously
// (clean close, WebSocket drop, vanishing without a word); stayers live for
// the whole run. Measures Janus RSS/fds/threads/children, final slot states,
// RTP continuity, request/reply accounting, then the cleanup to 0.
//
// Capacity (--capacity): no switching and no churn; ramps the client count
// and compares, per slot, packets the camera sent (tap) with what Janus says
// it relayed (handle_info) and what the client received, with Janus CPU.
//
// Output: <out>/<stamp>.json and logs in <out>/<stamp>/; <out> is
// tests/output/soak (ignored by git) unless --out DIR says otherwise (a
// relative DIR is taken from the repository root).
import fs from 'node:fs';
import path from 'node:path';
import dgram from 'node:dgram';
import { fork, execFileSync, spawn } from 'node:child_process';
const require_cp = () => ({ execFileSync });
import { fileURLToPath } from 'node:url';
import { startJanus, REPO, sleep } from '../../tests/lib/janus.mjs';
import { startCameras, stopCameras } from '../../tests/lib/cameras.mjs';
import { stopAll } from '../../tests/lib/procs.mjs';
import { AdminClient } from './deps.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const T0 = Date.now();
const elapsed = () => (Date.now() - T0) / 1000;
const say = (s) => console.error(`[soak ${elapsed().toFixed(0).padStart(4)}s] ${s}`);

// ---------------------------------------------------------------------------
// options

function parseArgs(argv) {
  const o = { out: null, slotGapMs: 0, minutes: 10, clients: 50, quick: false, capacity: false, workers: 0, switchMs: 200, steps: null, window: 20, warmup: 45 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--minutes') o.minutes = Number(val());
    else if (a === '--clients') o.clients = Number(val());
    else if (a === '--quick') o.quick = true;
    else if (a === '--capacity') o.capacity = true;
    else if (a === '--workers') o.workers = Number(val());
    else if (a === '--switch-ms') o.switchMs = Number(val());
    else if (a === '--steps') o.steps = val().split(',').map(Number);
    else if (a === '--window') o.window = Number(val());
    else if (a === '--warmup') o.warmup = Number(val());
    else if (a === '--slot-gap-ms') o.slotGapMs = Number(val());
    else if (a === '--out') o.out = val();
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.quick) {
    if (!argv.includes('--minutes')) o.minutes = 1;
    if (!argv.includes('--clients')) o.clients = 10;
    if (!argv.includes('--warmup')) o.warmup = 15;
    if (!o.steps && o.capacity) o.steps = [2, 5, 10];
    if (!argv.includes('--window')) o.window = o.capacity ? 10 : o.window;
  }
  if (!o.steps) o.steps = [10, 20, 40, 60, 80];
  if (!o.workers) o.workers = Math.max(2, Math.min(4, Math.ceil((o.capacity ? Math.max(...o.steps) : o.clients) / 15)));
  return o;
}
const OPT = parseArgs(process.argv.slice(2));
const SLOTS = 9;
const SESSION_TIMEOUT = 15;

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const OUTROOT = path.resolve(REPO, OPT.out || path.join('tests', 'output', 'soak'));
const OUT = path.join(OUTROOT, stamp);
fs.mkdirSync(OUT, { recursive: true });

// ---------------------------------------------------------------------------
// cameras behind a counting UDP tap

const PALETTE = ['0xff0000', '0x00ff00', '0x0000ff', '0xffff00', '0xff00ff', '0x00ffff', '0xffffff', '0xff8000', '0x8000ff'];
const CAMS = PALETTE.map((colour, i) => ({ stream: `cam${i}`, colour, tap: 6000 + 2 * i, port: 7000 + 2 * i }));
const DEAD = ['silent0', 'silent1']; // configured rtp streams nobody sends to
const UNKNOWN = ['nosuchcam']; // not configured: switch must answer 485

function startTap() {
  const counts = Object.fromEntries(CAMS.map((c) => [c.stream, 0]));
  const sockets = [];
  for (const c of CAMS) {
    const s = dgram.createSocket('udp4');
    const out = dgram.createSocket('udp4');
    s.on('message', (m) => { counts[c.stream]++; out.send(m, c.port, '127.0.0.1'); });
    s.bind(c.tap, '127.0.0.1');
    sockets.push(s, out);
  }
  return { counts, snapshot: () => ({ ...counts }), close: () => sockets.forEach((s) => { try { s.close(); } catch { /* ignore */ } }) };
}

// ---------------------------------------------------------------------------
// /proc figures

const CLK = 100;
function readStatus(pid) {
  try {
    const t = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const g = (k) => Number((t.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [0, NaN])[1]);
    return { rssKb: g('VmRSS'), threads: g('Threads') };
  } catch { return null; }
}
function fdCount(pid) { try { return fs.readdirSync(`/proc/${pid}/fd`).length; } catch { return null; } }
function cpuTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch { return null; }
}
function childrenOf(pid) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(d), comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) });
    } catch { /* gone */ }
  }
  return out;
}
function boxCpu() {
  const l = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = l[3] + l[4];
  return { total: l.reduce((a, b) => a + b, 0), idle };
}
function udpErrors() {
  try {
    const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((x) => x.startsWith('Udp:'));
    const k = lines[0].split(/\s+/), v = lines[1].split(/\s+/).map(Number);
    const o = Object.fromEntries(k.map((x, i) => [x, v[i]]));
    return { inErrors: o.InErrors, rcvbufErrors: o.RcvbufErrors, sndbufErrors: o.SndbufErrors, inDatagrams: o.InDatagrams };
  } catch { return null; }
}
function kernelLines() {
  try {
    const { execFileSync } = require_cp();
    return execFileSync('dmesg', [], { encoding: 'utf8' }).split('\n').filter((l) => /janus|ms-|libjanus/.test(l)).slice(-4);
  } catch (e) { return [`dmesg: ${e.message}`]; }
}
function threadNames(pid) {
  const o = {};
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      try { const n = fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(); o[n] = (o[n] || 0) + 1; } catch { /* gone */ }
    }
  } catch { /* gone */ }
  return o;
}
function janusFigures(pid) {
  const st = readStatus(pid);
  return { at: Math.round(elapsed()), rssKb: st?.rssKb ?? null, threads: st?.threads ?? null, fds: fdCount(pid), children: childrenOf(pid).length, cpuTicks: cpuTicks(pid) };
}

// ---------------------------------------------------------------------------
// workers

class Worker {
  constructor(i) {
    this.i = i;
    this.child = fork(path.join(here, 'worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.seq = 0;
    this.waiting = new Map();
    this.clients = new Set();
    this.child.on('message', (m) => { const w = this.waiting.get(m.seq); if (w) { this.waiting.delete(m.seq); w(m); } });
    this.child.on('exit', (code, sig) => {
      this.exit = { code, sig };
      for (const w of this.waiting.values()) w({ ok: false, error: `worker exited ${code} ${sig}` });
      this.waiting.clear();
    });
  }

  call(cmd, extra = {}, timeoutMs = 60000) {
    if (this.exit) return Promise.resolve({ ok: false, error: 'worker gone' });
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.waiting.delete(seq); resolve({ ok: false, error: `worker ${this.i}: ${cmd} timed out` }); }, timeoutMs);
      this.waiting.set(seq, (m) => { clearTimeout(t); resolve(m); });
      this.child.send({ cmd, seq, ...extra });
    });
  }

  stop() {
    if (this.exit) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => { try { process.kill(this.child.pid, 'SIGKILL'); } catch { /* gone */ } resolve(); }, 3000);
      this.child.once('exit', () => { clearTimeout(t); resolve(); });
      this.call('exit', {}, 2000);
    });
  }
}

const all = (workers, cmd, extra, t) => Promise.all(workers.map((w) => w.call(cmd, extra, t)));

// ---------------------------------------------------------------------------

const pct = (a, b) => (b ? (100 * a) / b : 0);
const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : Number(x).toFixed(d));
function quantiles(arr) {
  if (!arr.length) return null;
  const s = [...arr].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1] };
}
function mergeCounts(dst, src) { for (const [k, v] of Object.entries(src || {})) dst[k] = (dst[k] || 0) + v; return dst; }
function table(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, j) => {
    const line = r.map((c, i) => String(c).padEnd(w[i])).join(' | ');
    return j === 0 ? `${line}\n${w.map((x) => '-'.repeat(x)).join('-|-')}` : line;
  }).join('\n');
}

async function main() {
  say(`mode=${OPT.capacity ? 'capacity' : 'soak'} ${JSON.stringify(OPT)} out=${OUT}`);
  const tap = startTap();
  const streams = {};
  for (const c of CAMS) streams[c.stream] = `rtp://127.0.0.1:${c.port}`;
  DEAD.forEach((n, i) => { streams[n] = `rtp://127.0.0.1:${7100 + 2 * i}`; });
  const janus = await startJanus({
    name: 'soak',
    sessionTimeout: SESSION_TIMEOUT,
    debugLevel: Number(process.env.SOAK_JANUS_DEBUG || 4),
    pluginConfig: { general: { max_slots: SLOTS, source_linger: 2, events: false }, streams },
  });
  const jpid = janus.child.pid;
  say(`janus pid ${jpid} (${janus.outDir})`);
  let cams = [];
  const workers = [];
  let admin = null;
  const result = {
    tool: 'bench/soak', mode: OPT.capacity ? 'capacity' : 'soak', stamp, options: OPT,
    machine: { cpus: (await import('node:os')).cpus().length, loadavgAtStart: (await import('node:os')).loadavg() },
    janusLog: janus.logFile, plugin: process.env.MS_BUILD_DIR || 'build',
  };
  try {
    cams = await startCameras(CAMS.map((c) => ({ name: c.stream, port: c.tap, colour: c.colour, width: 320, height: 240, fps: 15, gop: 30 })),
      { logDir: OUT, staggerMs: Math.round(2000 / CAMS.length) });
    admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
    for (let i = 0; i < OPT.workers; i++) workers.push(new Worker(i));
    const cfg = {
      wsUrl: janus.wsUrl, live: CAMS.map((c) => c.stream), dead: DEAD, unknown: UNKNOWN,
      switchMs: OPT.capacity ? 0 : OPT.switchMs, slotGapMs: OPT.slotGapMs, pDead: 0.04, pUnknown: 0.03, replyTimeoutMs: 5000, keepaliveMs: 5000,
    };
    await all(workers, 'config', { cfg });
    await sleep(2500); // every camera has sent a keyframe
    result.idleBefore = janusFigures(jpid);
    result.idleBefore.threadNames = threadNames(jpid);
    result.idleBefore.udp = udpErrors();
    result.idleBefore.heap = (await admin.status().catch(() => null))?.heap ?? null;
    say(`idle Janus: ${JSON.stringify(result.idleBefore)}`);
    if (OPT.capacity) await capacity({ janus, jpid, tap, admin, workers, result });
    else await soak({ janus, jpid, tap, admin, workers, result });
  } catch (e) {
    result.fatal = String(e?.stack || e);
    say(`FATAL ${result.fatal}`);
  } finally {
    result.janusAliveAtEnd = !janus.child.exitInfo;
    result.janusExitBeforeStop = janus.child.exitInfo;
    for (const w of workers) await w.stop();
    admin?.close();
    await stopCameras(cams);
    tap.close();
    const exit = await janus.stop();
    result.janusStop = exit;
    await stopAll();
  }
  // Janus log: crashes, assertion failures, warnings/errors by kind.
  result.janusLogScan = scanLog(janus.logFile);
  const file = path.join(OUTROOT, `${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
  console.log(OPT.capacity ? reportCapacity(result) : reportSoak(result));
  console.log(`\nJSON: ${path.relative(REPO, file)}\nlogs: ${path.relative(REPO, OUT)}/ , Janus: ${janus.outDir}`);
  const ok = OPT.capacity ? !result.fatal && result.janusAliveAtEnd : result.verdict?.pass;
  setTimeout(() => process.exit(ok ? 0 : 1), 200);
}

function scanLog(file) {
  const out = { bytes: 0, warn: 0, err: 0, samples: {}, crashMarkers: [] };
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { return out; }
  out.bytes = text.length;
  for (const line of text.split('\n')) {
    if (/SIGSEGV|SIGABRT|Assertion|assertion|double free|corrupted|Segmentation|core dumped|\bCRITICAL\b/.test(line)) {
      if (out.crashMarkers.length < 20) out.crashMarkers.push(line.slice(0, 300));
    }
    const m = line.match(/\[(WARN|ERR)\]\s*(.*)$/);
    if (!m) continue;
    if (m[1] === 'WARN') out.warn++; else out.err++;
    // Group by message shape (numbers and ids blanked).
    const key = `${m[1]} ${m[2].replace(/\[[0-9]+\]/g, '[N]').replace(/\b\d+\b/g, 'N').slice(0, 140)}`;
    out.samples[key] = (out.samples[key] || 0) + 1;
  }
  out.samples = Object.fromEntries(Object.entries(out.samples).sort((a, b) => b[1] - a[1]).slice(0, 30));
  return out;
}

// ---------------------------------------------------------------------------
// soak

async function soak({ janus, jpid, tap, admin, workers, result }) {
  const N = OPT.clients;
  const stayersN = Math.max(2, Math.round(N * 0.3));
  const live = new Map(); // id -> { worker, stayer, sessionId, handleId, leaveAt }
  let nextId = 1;
  let modeN = 0;
  const MODES = ['clean', 'drop', 'vanish'];
  const joinLog = { attempts: 0, ok: 0, failed: 0, setupMs: [] };
  const leaveLog = { clean: 0, drop: 0, vanish: 0, failed: 0, cleanCloseReplies: {} };
  let churning = true;
  const pickWorker = () => workers.filter((w) => !w.exit).sort((a, b) => a.clients.size - b.clients.size)[0];

  async function join(stayer) {
    const id = nextId++;
    const w = pickWorker();
    w.clients.add(id);
    joinLog.attempts++;
    const capture = stayer && id <= 6 ? { slots: [0, 4], max: 6000 } : null; // bounded raw capture on a sample
    const r = await w.call('join', { id, opts: { slots: SLOTS, stayer, capture } }, 40000);
    if (!r.ok) { w.clients.delete(id); joinLog.failed++; say(`join ${id} failed: ${r.error}`); return false; }
    joinLog.ok++;
    joinLog.setupMs.push(r.setupMs);
    live.set(id, { id, worker: w, stayer, sessionId: r.sessionId, handleId: r.handleId, leaveAt: stayer ? Infinity : Date.now() + 15000 + Math.random() * 45000 });
    return true;
  }
  async function leave(c, mode) {
    live.delete(c.id);
    const r = await c.worker.call('leave', { id: c.id, mode }, 30000);
    c.worker.clients.delete(c.id);
    if (!r.ok) { leaveLog.failed++; say(`leave ${c.id} (${mode}) failed: ${r.error}`); return; }
    leaveLog[mode]++;
    if (mode === 'clean') leaveLog.cleanCloseReplies[r.closeReply || 'no reply'] = (leaveLog.cleanCloseReplies[r.closeReply || 'no reply'] || 0) + 1;
  }

  // Initial population, 4 at a time.
  say(`joining ${N} clients (${stayersN} stayers) on ${workers.length} workers`);
  const initial = Array.from({ length: N }, (_, i) => i < stayersN);
  while (initial.length) await Promise.all(initial.splice(0, 4).map((s) => join(s)));
  say(`${live.size} clients up (join p50 ${quantiles(joinLog.setupMs)?.p50} ms)`);

  // Churn loop: churners past their time leave (clean/drop/vanish in turn) and are replaced.
  const churnLoop = (async () => {
    while (churning) {
      const now = Date.now();
      const due = [...live.values()].filter((c) => c.leaveAt <= now);
      for (const c of due) {
        if (!churning) break;
        const mode = MODES[modeN++ % MODES.length];
        await leave(c, mode);
        await join(false);
      }
      const missing = N - live.size;
      for (let i = 0; i < missing && churning; i++) await join(false); // replace failed joins
      await sleep(250);
    }
  })();

  // Sampler: every 10 s.
  const timeline = [];
  let sampling = true;
  const sampler = (async () => {
    let lastTicks = cpuTicks(jpid), lastBox = boxCpu(), lastT = Date.now();
    while (sampling) {
      await sleep(10000);
      if (!sampling) break;
      const f = janusFigures(jpid);
      const b = boxCpu();
      const dt = (Date.now() - lastT) / 1000;
      f.cpuPct = ((f.cpuTicks - lastTicks) / CLK / dt) * 100;
      f.boxBusyPct = 100 * (1 - (b.idle - lastBox.idle) / (b.total - lastBox.total));
      f.workersCpuPct = workers.reduce((s, w) => s + ((cpuTicks(w.child.pid) ?? 0)), 0); // cumulative ticks
      let st = null;
      try { st = await admin.status(); } catch { /* ignore */ }
      f.handles = st?.handles; f.sessions = st?.sessions; f.slotsBound = st?.slots_bound; f.clients = live.size;
      f.heap = st?.heap ?? null;
      f.alive = !janus.child.exitInfo;
      lastTicks = f.cpuTicks; lastBox = b; lastT = Date.now();
      timeline.push(f);
      if (!f.alive) { say('JANUS IS DEAD'); churning = false; break; }
    }
  })();

  say(`warm-up ${OPT.warmup} s`);
  await sleep(OPT.warmup * 1000);
  if (janus.child.exitInfo) say('Janus died during the warm-up');
  const wire = startWire(OPT.minutes * 60 + 60);
  const tapStart = tap.snapshot();
  const workerTicks0 = workers.map((w) => cpuTicks(w.child.pid));
  const box0 = boxCpu();
  const startFig = janusFigures(jpid);
  startFig.status = await admin.status().catch((e) => ({ error: e.message }));
  startFig.janusSessions = (await admin.listSessions().catch(() => [])).length;
  startFig.udp = udpErrors();
  result.start = startFig;
  say(`start (under load): RSS ${startFig.rssKb} kB, fds ${startFig.fds}, threads ${startFig.threads}, children ${startFig.children}, Janus sessions ${startFig.janusSessions}`);

  const loadMs = OPT.minutes * 60000;
  const tEnd = Date.now() + loadMs;
  let lastSay = Date.now();
  while (Date.now() < tEnd) {
    await sleep(Math.min(2000, Math.max(0, tEnd - Date.now())));
    if (janus.child.exitInfo) { churning = false; say(`Janus exited: ${JSON.stringify(janus.child.exitInfo)}`); break; }
    if (Date.now() - lastSay < 30000 && Date.now() < tEnd) continue;
    lastSay = Date.now();
    const last = timeline[timeline.length - 1];
    say(`clients ${live.size}, joins ${joinLog.ok}/${joinLog.attempts}, leaves c/d/v ${leaveLog.clean}/${leaveLog.drop}/${leaveLog.vanish}; Janus RSS ${last?.rssKb} kB fds ${last?.fds} thr ${last?.threads} cpu ${fmt(last?.cpuPct)}% box ${fmt(last?.boxBusyPct)}% handles ${last?.handles}`);
  }
  const endFig = janusFigures(jpid);
  const wireDone = wire.stop();
  endFig.status = await admin.status().catch((e) => ({ error: e.message }));
  endFig.janusSessions = (await admin.listSessions().catch(() => [])).length;
  endFig.udp = udpErrors();
  const box1 = boxCpu();
  const loadS = (Date.now() - (tEnd - loadMs)) / 1000;
  result.end = endFig;
  result.load = {
    seconds: loadS,
    janusCpuPct: ((endFig.cpuTicks - startFig.cpuTicks) / CLK / loadS) * 100,
    workersCpuPct: (workers.reduce((s, w, i) => s + ((cpuTicks(w.child.pid) ?? 0) - (workerTicks0[i] ?? 0)), 0) / CLK / loadS) * 100,
    boxBusyPct: 100 * (1 - (box1.idle - box0.idle) / (box1.total - box0.total)),
    cameraPackets: Object.fromEntries(Object.entries(tap.snapshot()).map(([k, v]) => [k, v - tapStart[k]])),
  };
  say(`end (under load): RSS ${endFig.rssKb} kB, fds ${endFig.fds}, threads ${endFig.threads}, Janus sessions ${endFig.janusSessions}`);

  // Stop churn and switching; let every pending switch settle.
  churning = false;
  if (janus.child.exitInfo) {
    const diedAt = timeline.find((t) => !t.alive)?.at;
    result.crash = { exit: janus.child.exitInfo, detectedAtS: diedAt ?? Math.round(elapsed()), loadStartedAtS: startFig.at, kernel: kernelLines() };
    say(`Janus crashed: ${JSON.stringify(result.crash)}`);
    sampling = false;
    await Promise.race([churnLoop, sleep(5000)]);
    const sums = await all(workers, 'summary', {}, 30000);
    result.requests = sums.reduce((o, x) => ({ sent: mergeCounts(o.sent, x.acct?.sent), errors: mergeCounts(o.errors, x.acct?.errorsByReq), unanswered: mergeCounts(o.unanswered, x.acct?.unanswered) }), { sent: {}, errors: {}, unanswered: {} });
    result.timeline = timeline;
    result.joins = { ...joinLog, setupMs: quantiles(joinLog.setupMs) };
    result.leaves = leaveLog;
    result.verdict = { checks: { janusAlive: false }, pass: false };
    return;
  }
  await churnLoop;
  await all(workers, 'stopSwitching');
  await sleep(3000);
  const stateBefore = await slotStates(admin, live);
  // Then put every slot on a live camera and check that all become active.
  const fin = await all(workers, 'finalSwitch', {}, 30000);
  const finTypes = {};
  for (const r of fin) mergeCounts(finTypes, r.types);
  await sleep(3000);
  const stateAfter = await slotStates(admin, live);
  result.slotStates = { clients: live.size, beforeFinalSwitch: stateBefore, finalSwitchReplies: finTypes, afterFinalSwitch: stateAfter };
  say(`slots before final switch: ${JSON.stringify(stateBefore.byStatus)}; after: ${JSON.stringify(stateAfter.byStatus)} (media ${stateAfter.mediaUp}/${stateAfter.handles})`);

  // Worker summaries: accounting and RTP continuity (still-connected clients).
  const sums = await all(workers, 'summary', {}, 30000);
  const caps = await all(workers, 'captures', {}, 60000);
  sampling = false;
  await sampler;

  // Everyone left: clean close of the rest; vanished sockets dropped.
  const closeRes = await all(workers, 'closeAll', {}, 60000);
  const closeTypes = {};
  for (const r of closeRes) mergeCounts(closeTypes, r.types);
  await all(workers, 'dropVanished');
  for (const c of live.values()) c.worker.clients.delete(c.id);
  const closedN = live.size;
  live.clear();
  // Janus reclaims vanished sessions within session_timeout: wait for 0.
  const t0 = Date.now();
  let st = null, js = null;
  while (Date.now() - t0 < (SESSION_TIMEOUT + 15) * 1000) {
    st = await admin.status().catch(() => null);
    js = await admin.listSessions().catch(() => null);
    if (st && st.handles === 0 && st.sessions === 0 && st.slots_bound === 0 && js && js.length === 0) break;
    await sleep(1000);
  }
  result.cleanup = {
    closedAtEnd: closedN, closeReplies: closeTypes, secondsToZero: (Date.now() - t0) / 1000,
    status: st && { handles: st.handles, sessions: st.sessions, slots_bound: st.slots_bound }, janusSessions: js?.length ?? null,
    sources: st?.sources?.map((s) => ({ name: s.name, state: s.state, consumers: s.consumers, running: s.running })),
  };
  say(`after all left (${result.cleanup.secondsToZero}s): ${JSON.stringify(result.cleanup.status)}, Janus sessions ${js?.length}`);
  await sleep(4000); // source_linger (2 s) passes
  const idleAfter = janusFigures(jpid);
  idleAfter.children = childrenOf(jpid);
  idleAfter.threadNames = threadNames(jpid);
  idleAfter.udp = udpErrors();
  const stLinger = await admin.status().catch(() => null);
  idleAfter.sourcesRunning = stLinger?.sources?.filter((s) => s.running).map((s) => s.name);
  idleAfter.heap = stLinger?.heap ?? null;
  result.idleAfter = idleAfter;
  result.timeline = timeline;

  // Aggregate the workers' figures.
  const acct = { sent: {}, replies: {}, errors: {}, errorsByReq: {}, unanswered: {}, aborted: 0, lateReplies: 0, janusErrors: {}, unsolicited: {}, disconnected: {}, janusEvents: {}, joinFailures: [], leaves: {} };
  const rtpLive = { packets: 0, bytes: 0, gaps: 0, recovered: 0, repeats: 0, tsBack: 0, ssrcChanges: 0 };
  const rtpGone = { packets: 0, bytes: 0, gaps: 0, recovered: 0, repeats: 0, tsBack: 0, ssrcChanges: 0 };
  let replyMs = [];
  const stayerSlots = [];
  const unrecovered = [];
  const uncaught = [];
  for (const s of sums) {
    if (!s.ok) { uncaught.push(`summary failed: ${s.error}`); continue; }
    for (const k of ['sent', 'replies', 'errors', 'errorsByReq', 'unanswered', 'janusErrors', 'unsolicited', 'disconnected', 'janusEvents', 'leaves']) mergeCounts(acct[k], s.acct[k]);
    acct.aborted += s.acct.aborted; acct.lateReplies += s.acct.lateReplies;
    acct.joinFailures.push(...s.acct.joinFailures);
    mergeCounts(rtpLive, s.totals); mergeCounts(rtpGone, s.gone);
    replyMs = replyMs.concat(s.replyMs);
    for (const c of s.clients) c.slots.forEach((x, k) => { if (c.stayer) stayerSlots.push({ client: c.id, slot: k, ...x }); for (const u of x.unrecovered) unrecovered.push({ client: c.id, stayer: c.stayer, slot: k, ...u }); });
    uncaught.push(...s.uncaught);
  }
  const sentTotal = Object.values(acct.sent).reduce((a, b) => a + b, 0);
  const repliedTotal = Object.values(acct.replies).reduce((a, b) => a + b, 0);
  const unansweredTotal = Object.values(acct.unanswered).reduce((a, b) => a + b, 0);
  result.requests = { ...acct, sentTotal, repliedTotal, unansweredTotal, replyMs: quantiles(replyMs) };
  result.joins = { ...joinLog, setupMs: quantiles(joinLog.setupMs) };
  result.leaves = leaveLog;
  result.rtp = { connectedAtEnd: rtpLive, leftEarlier: rtpGone, stayerSlots: stayerSlots.length,
    stayerSlotsWithLoss: stayerSlots.filter((x) => x.lost > 0).length,
    stayerSlotsWithRepeat: stayerSlots.filter((x) => x.repeats > 0).length,
    stayerSlotsTsBack: stayerSlots.filter((x) => x.tsBack > 0).length,
    stayerSlotsSsrcChange: stayerSlots.filter((x) => x.ssrcChanges > 0).length,
    stayerPackets: stayerSlots.reduce((a, x) => a + x.packets, 0),
    unrecoveredGapEvents: unrecovered.length, unrecoveredSample: unrecovered.slice(0, 40),
    udpDuringLoad: result.start.udp && result.end.udp && { rcvbufErrors: result.end.udp.rcvbufErrors - result.start.udp.rcvbufErrors, inErrors: result.end.udp.inErrors - result.start.udp.inErrors, sndbufErrors: result.end.udp.sndbufErrors - result.start.udp.sndbufErrors },
    captures: caps.flatMap((c) => c.captures || []) };
  result.workerUncaught = uncaught;
  result.wire = wireAnalysis(await wireDone, unrecovered);

  // Verdict.
  const pass = {};
  pass.janusAlive = !janus.child.exitInfo;
  pass.rssGrowthUnder5pct = result.end.rssKb <= result.start.rssKb * 1.05;
  pass.childrenAfterZero = idleAfter.children.length === 0;
  pass.allSlotsActive = stateAfter.total > 0 && stateAfter.byStatus.active === stateAfter.total && stateAfter.mediaUp === stateAfter.handles && stateAfter.missing === 0;
  pass.cleanupToZero = !!st && st.handles === 0 && st.sessions === 0 && st.slots_bound === 0 && js?.length === 0;
  // A slot freed while still registered on a source = a dangling consumer.
  pass.noConsumersLeft = !!result.cleanup.sources && result.cleanup.sources.every((x) => x.consumers === 0);
  pass.everyRequestAnswered = unansweredTotal === 0;
  pass.noInternalErrors = !acct.errors['499'];
  pass.continuity = result.rtp.connectedAtEnd.tsBack === 0 && result.rtp.connectedAtEnd.ssrcChanges === 0
    && result.rtp.captures.every((c) => c.duplicatesDiffering === 0 && c.tsBackwards === 0 && c.frameNumViolations === 0);
  // What Janus sent, every slot of every client, seen on the wire (wire.py):
  // no sequence gap. When that capture is complete, a loss the werift
  // clients report on top is theirs (after the kernel delivered the
  // packet), shown for information; without the capture it counts.
  const w = result.wire;
  pass.noGapOnWire = !!w && w.ok && w.janusToClients.gaps === 0;
  if (!(w && w.ok && w.complete)) pass.noLossOnStayers = result.rtp.stayerSlotsWithLoss === 0;
  pass.fdsFlat = idleAfter.fds <= result.idleBefore.fds + 2;
  // Janus's own on-demand threads (GLib's thread pool, gmain) are not ours.
  const ours = (names) => Object.entries(names || {}).filter(([n]) => !/^pool-|^gmain$/.test(n)).reduce((a, [, v]) => a + v, 0);
  result.threadsDiff = Object.fromEntries([...new Set([...Object.keys(result.idleBefore.threadNames || {}), ...Object.keys(idleAfter.threadNames || {})])]
    .filter((n) => (result.idleBefore.threadNames?.[n] || 0) !== (idleAfter.threadNames?.[n] || 0))
    .map((n) => [n, `${result.idleBefore.threadNames?.[n] || 0} -> ${idleAfter.threadNames?.[n] || 0}`]));
  pass.threadsFlat = ours(idleAfter.threadNames) <= ours(result.idleBefore.threadNames);
  result.verdict = { checks: pass, pass: Object.values(pass).every(Boolean) };
}

/** handle_info of every still-connected client: slot statuses. */
async function slotStates(admin, live) {
  const byStatus = {};
  const bad = [];
  let total = 0, handles = 0, mediaUp = 0, missing = 0;
  const byStreamKind = {};
  for (const c of live.values()) {
    let info = null;
    try { info = await admin.handleInfo(c.sessionId, c.handleId); } catch (e) { missing++; bad.push({ client: c.id, error: e.message }); continue; }
    const q = info?.plugin_specific;
    if (!q) { missing++; bad.push({ client: c.id, error: 'no plugin_specific' }); continue; }
    handles++;
    if (q.media) mediaUp++;
    for (const s of q.slots || []) {
      total++;
      byStatus[s.status] = (byStatus[s.status] || 0) + 1;
      const kind = DEAD.includes(s.stream) ? 'silent' : 'live';
      byStreamKind[`${kind}:${s.status}`] = (byStreamKind[`${kind}:${s.status}`] || 0) + 1;
      if (s.status !== 'active' && bad.length < 30) bad.push({ client: c.id, state: q.state, ...s });
    }
  }
  return { total, handles, mediaUp, missing, byStatus, byStreamKind, notActive: bad };
}

// ---------------------------------------------------------------------------
// capacity

async function capacity({ janus, jpid, tap, admin, workers, result }) {
  const live = new Map();
  let nextId = 1;
  const steps = [];
  const pickWorker = () => workers.filter((w) => !w.exit).sort((a, b) => a.clients.size - b.clients.size)[0];
  for (const target of OPT.steps) {
    say(`step: ${target} clients x ${SLOTS} slots`);
    let joinFailed = 0;
    while (live.size < target) {
      const batch = Math.min(4, target - live.size);
      await Promise.all(Array.from({ length: batch }, async () => {
        const id = nextId++;
        const w = pickWorker();
        w.clients.add(id);
        const r = await w.call('join', { id, opts: { slots: SLOTS, stayer: true, switching: false } }, 40000);
        if (!r.ok) { w.clients.delete(id); joinFailed++; say(`join ${id} failed: ${r.error}`); return; }
        live.set(id, { id, worker: w, sessionId: r.sessionId, handleId: r.handleId, cams: Array.from({ length: SLOTS }, (_, k) => CAMS[(id + k) % CAMS.length].stream) });
      }));
      if (joinFailed > 10) break;
      if (janus.child.exitInfo) break;
    }
    if (janus.child.exitInfo) { steps.push({ clients: target, error: 'janus died' }); break; }
    await sleep(8000);
    const snap = async () => {
      const at = Date.now();
      const tapC = tap.snapshot();
      const counts = await all(workers, 'counts');
      const jrelayed = {};
      const sweep0 = Date.now();
      for (const c of live.values()) {
        try { const info = await admin.handleInfo(c.sessionId, c.handleId); jrelayed[c.id] = info.plugin_specific.slots.map((s) => s.packets); } catch { jrelayed[c.id] = null; }
      }
      const recv = {}; const totals = { gaps: 0, recovered: 0, repeats: 0, packets: 0 };
      for (const r of counts) { Object.assign(recv, r.counts); mergeCounts(totals, { gaps: r.totals.gaps, recovered: r.totals.recovered, repeats: r.totals.repeats, packets: r.totals.packets }); }
      return { at, sweepMs: Date.now() - sweep0, tapC, recv, jrelayed, totals, ticks: cpuTicks(jpid), wticks: workers.map((w) => cpuTicks(w.child.pid) ?? 0), box: boxCpu(), udp: udpErrors() };
    };
    const a = await snap();
    await sleep(OPT.window * 1000);
    const b = await snap();
    const dt = (b.at - a.at) / 1000;
    // The handle_info sweep over every client takes a while: each slot's
    // Janus counter is read up to sweepMs after the tap's; allow that many
    // camera packets (~17.6/s each) plus 3 of slack.
    const slack = 3 + Math.ceil((Math.max(a.sweepMs, b.sweepMs) / 1000) * 20);
    let expected = 0, relayed = 0, received = 0, slotsN = 0, worstRelayed = 0, worstReceived = 0, slotsShortRelay = 0, slotsShortRecv = 0;
    for (const c of live.values()) {
      if (!a.recv[c.id] || !b.recv[c.id] || !a.jrelayed[c.id] || !b.jrelayed[c.id]) continue;
      for (let k = 0; k < SLOTS; k++) {
        const cam = c.cams[k];
        const e = b.tapC[cam] - a.tapC[cam];
        const rl = b.jrelayed[c.id][k] - a.jrelayed[c.id][k];
        const rc = b.recv[c.id][k] - a.recv[c.id][k];
        expected += e; relayed += rl; received += rc; slotsN++;
        worstRelayed = Math.max(worstRelayed, e - rl); worstReceived = Math.max(worstReceived, e - rc);
        if (rl < e - slack) slotsShortRelay++;
        if (rc < e - 3) slotsShortRecv++;
      }
    }
    const lost = (b.totals.gaps - a.totals.gaps) - (b.totals.recovered - a.totals.recovered);
    const jcpu = ((b.ticks - a.ticks) / CLK / dt) * 100;
    const wcpu = (b.wticks.reduce((s, x, i) => s + x - a.wticks[i], 0) / CLK / dt) * 100;
    const box = 100 * (1 - (b.box.idle - a.box.idle) / (b.box.total - a.box.total));
    const streams = live.size * SLOTS;
    const st = {
      clients: live.size, slots: SLOTS, streams, joinFailed, windowS: dt, sweepMs: [a.sweepMs, b.sweepMs], slack,
      cameraPktPerS: Object.values(b.tapC).reduce((s, x, i) => s + x - Object.values(a.tapC)[i], 0) / dt,
      expected, relayedByJanus: relayed, received,
      relayedPct: pct(relayed, expected), receivedPct: pct(received, expected),
      slotsShortRelay, slotsShortRecv, worstSlotRelayDeficit: worstRelayed, worstSlotRecvDeficit: worstReceived,
      seqGaps: b.totals.gaps - a.totals.gaps, nackRecovered: b.totals.recovered - a.totals.recovered, lost,
      udpRcvbufErrors: (b.udp?.rcvbufErrors ?? 0) - (a.udp?.rcvbufErrors ?? 0),
      relayedPktPerS: relayed / dt,
      janusCpuPct: jcpu, janusCpuPerStreamPct: jcpu / streams, janusCpuUsPerPacket: relayed ? ((b.ticks - a.ticks) / CLK) * 1e6 / relayed : null,
      workersCpuPct: wcpu, boxBusyPct: box, janus: janusFigures(jpid),
    };
    st.janusRelaysAll = slotsShortRelay === 0 && relayed >= expected * 0.999;
    st.clientsReceiveAll = slotsShortRecv === 0 && lost === 0;
    st.holds = st.janusRelaysAll && st.clientsReceiveAll && joinFailed === 0;
    steps.push(st);
    say(`  ${JSON.stringify({ clients: st.clients, relayedPct: fmt(st.relayedPct, 2), receivedPct: fmt(st.receivedPct, 2), lost, jcpu: fmt(jcpu), wcpu: fmt(wcpu), box: fmt(box), holds: st.holds })}`);
    if (janus.child.exitInfo) break;
  }
  result.capacity = steps;
  const holding = steps.filter((s) => s.holds);
  result.largestHolding = holding.length ? holding[holding.length - 1].clients : 0;
  result.largestJanusRelaysAll = steps.filter((s) => s.janusRelaysAll).map((s) => s.clients).pop() ?? 0;
  const sums = await all(workers, 'summary', {}, 30000);
  result.workerUncaught = sums.flatMap((s) => s.uncaught || []);
  result.requests = sums.reduce((o, s) => ({ unanswered: mergeCounts(o.unanswered, s.acct?.unanswered), errors: mergeCounts(o.errors, s.acct?.errors), joinFailures: o.joinFailures.concat(s.acct?.joinFailures || []) }), { unanswered: {}, errors: {}, joinFailures: [] });
  await all(workers, 'closeAll', {}, 60000);
}

// ---------------------------------------------------------------------------
// reports

// ---------------------------------------------------------------------------
// wire capture (bench/soak/wire.py): RTP headers on the namespace's loopback

function startWire(maxSeconds) {
  const file = path.join(OUT, 'wire.bin');
  let child, out = '';
  try {
    child = spawn('python3', [path.join(here, 'wire.py'), file, String(maxSeconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
  } catch (e) {
    return { stop: async () => ({ error: e.message }) };
  }
  const exited = new Promise((res) => child.on('exit', (code) => res(code)));
  return {
    async stop() {
      try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
      const code = await Promise.race([exited, sleep(10000).then(() => 'timeout')]);
      if (code === 'timeout') { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }
      const m = /packets (\d+) dropped (\d+)/.exec(out);
      if (!m || !fs.existsSync(file)) return { error: `wire.py: ${out.trim() || code}` };
      return { file, packets: Number(m[1]), dropped: Number(m[2]) };
    },
  };
}

/** Sequence gaps per stream in the capture; camera streams apart. */
function wireAnalysis(cap, unrecovered) {
  if (!cap || cap.error) return { ok: false, error: cap?.error || 'no capture' };
  const buf = fs.readFileSync(cap.file);
  const cameraPorts = new Set(CAMS.flatMap((c) => [c.tap, c.port]));
  const streams = new Map();
  const gapSeqs = new Set();
  for (let i = 0; i + 10 <= buf.length; i += 10) {
    const sp = buf.readUInt16BE(i), dp = buf.readUInt16BE(i + 2), ssrc = buf.readUInt32BE(i + 4), seq = buf.readUInt16BE(i + 8);
    const key = `${sp}:${dp}:${ssrc}`;
    let s = streams.get(key);
    if (!s) { streams.set(key, s = { camera: cameraPorts.has(dp), packets: 0, hi: seq, gaps: 0 }); s.packets++; continue; }
    s.packets++;
    const d = (seq - s.hi) & 0xffff;
    if (d === 0 || d >= 0x8000) continue; // repeat or retransmission
    if (d > 1) {
      s.gaps += d - 1;
      if (!s.camera) for (let k = 1; k < d && gapSeqs.size < 100000; k++) gapSeqs.add((s.hi + k) & 0xffff);
    }
    s.hi = seq;
  }
  fs.rmSync(cap.file, { force: true });
  const sum = (cam) => {
    const v = [...streams.values()].filter((s) => s.camera === cam);
    return { streams: v.length, packets: v.reduce((a, s) => a + s.packets, 0), gaps: v.reduce((a, s) => a + s.gaps, 0) };
  };
  return {
    ok: true,
    complete: cap.dropped === 0,
    snifferPackets: cap.packets,
    snifferDropped: cap.dropped,
    janusToClients: sum(false),
    camerasToJanus: sum(true),
    clientGapsChecked: unrecovered.length,
    clientGapsOnWire: unrecovered.filter((u) => gapSeqs.has(u.seq)).length,
  };
}

function reportSoak(r) {
  if (r.crash) {
    return `\n== soak: ${r.options.clients} clients x ${SLOTS} slots, switch every ${r.options.switchMs} ms ==\nJANUS CRASHED ${JSON.stringify(r.crash.exit)} at ~${r.crash.detectedAtS} s (load phase began at ${r.crash.loadStartedAtS} s; warm-up before)\nkernel: ${r.crash.kernel.join('\n        ')}\njoins ${r.joins.ok}/${r.joins.attempts}, leaves clean/drop/vanish ${r.leaves.clean}/${r.leaves.drop}/${r.leaves.vanish}\nrequests ${JSON.stringify(r.requests.sent)} errors ${JSON.stringify(r.requests.errors)}\nverdict: FAIL (crash)`;
  }
  if (!r.start) return `soak did not get to the load phase: ${r.fatal || 'unknown'}`;
  const g = (a, b) => (a && b ? `${fmt(pct(b - a, a), 2)}%` : '-');
  const rows = [['measure', 'start', 'end', 'change', 'target', 'ok']];
  const c = r.verdict?.checks || {};
  const ok = (x) => (x === undefined ? '' : x ? 'yes' : 'NO');
  rows.push(['crashes (Janus alive at end)', '', r.janusAliveAtEnd ? 'alive' : `DEAD ${JSON.stringify(r.janusExitBeforeStop)}`, '', '0 crashes', ok(c.janusAlive)]);
  rows.push(['Janus RSS under load (kB)', r.start.rssKb, r.end.rssKb, g(r.start.rssKb, r.end.rssKb), '< 5%', ok(c.rssGrowthUnder5pct)]);
  rows.push(['Janus RSS idle (kB) before/after', r.idleBefore.rssKb, r.idleAfter.rssKb, g(r.idleBefore.rssKb, r.idleAfter.rssKb), 'info', '']);
  // glibc's view (admin status "heap"): in_use grows on a leak, free on fragmentation
  const kb = (h, k) => (h && h[k] != null ? Math.round(h[k] / 1024) : '-');
  const hs = r.start.status?.heap, he = r.end.status?.heap;
  rows.push(['heap in use (kB) under load', kb(hs, 'in_use'), kb(he, 'in_use'), g(hs?.in_use, he?.in_use), 'info', '']);
  rows.push(['heap kept free by malloc (kB) under load', kb(hs, 'free'), kb(he, 'free'), g(hs?.free, he?.free), 'info', '']);
  rows.push(['heap in use (kB) idle before/after', kb(r.idleBefore.heap, 'in_use'), kb(r.idleAfter.heap, 'in_use'), g(r.idleBefore.heap?.in_use, r.idleAfter.heap?.in_use), 'info', '']);
  rows.push(['Janus fds under load', r.start.fds, r.end.fds, r.end.fds - r.start.fds, 'info (churn)', '']);
  rows.push(['Janus fds idle before/after', r.idleBefore.fds, r.idleAfter.fds, r.idleAfter.fds - r.idleBefore.fds, 'flat', ok(c.fdsFlat)]);
  rows.push(['Janus threads under load', r.start.threads, r.end.threads, r.end.threads - r.start.threads, 'info (churn)', '']);
  rows.push(['Janus threads idle before/after', r.idleBefore.threads, r.idleAfter.threads, `${r.idleAfter.threads - r.idleBefore.threads} ${JSON.stringify(r.threadsDiff || {})}`, 'flat (GLib pool/gmain aside)', ok(c.threadsFlat)]);
  rows.push(['Janus sessions under load', r.start.janusSessions, r.end.janusSessions, '', 'info', '']);
  rows.push(['children of Janus after run', r.idleBefore.children, r.idleAfter.children.length, '', '0', ok(c.childrenAfterZero)]);
  const sa = r.slotStates?.afterFinalSwitch;
  rows.push(['slots of connected clients active', `${JSON.stringify(r.slotStates?.beforeFinalSwitch?.byStatus)}`, `${sa?.byStatus?.active ?? 0}/${sa?.total} (media ${sa?.mediaUp}/${sa?.handles})`, '', 'all active', ok(c.allSlotsActive)]);
  rows.push(['after all left: handles/sessions/slots_bound', '', `${r.cleanup?.status?.handles}/${r.cleanup?.status?.sessions}/${r.cleanup?.status?.slots_bound} (Janus sessions ${r.cleanup?.janusSessions})`, `${fmt(r.cleanup?.secondsToZero)} s`, '0/0/0', ok(c.cleanupToZero)]);
  rows.push(['source consumers after all left (sum)', '', r.cleanup?.sources ? r.cleanup.sources.reduce((a, x) => a + x.consumers, 0) : '-', '', '0', ok(c.noConsumersLeft)]);
  const rt = r.rtp?.connectedAtEnd || {};
  rows.push(['RTP connected clients: pkts / lost / repeats / ts back / ssrc chg', '', `${rt.packets} / ${rt.gaps - rt.recovered} / ${rt.repeats} / ${rt.tsBack} / ${rt.ssrcChanges}`, `nack-recovered ${rt.recovered}`, '0 ts back; repeats = duplicate NACK retransmissions (see captures)', ok(c.continuity)]);
  const rg = r.rtp?.leftEarlier || {};
  const ud = r.rtp?.udpDuringLoad;
  rows.push(['UDP receive-buffer drops in the namespace (load)', '', ud ? ud.rcvbufErrors : '-', '', 'info: where losses happen', '']);
  rows.push(['RTP clients that left: pkts / lost / repeats / ts back', '', `${rg.packets} / ${rg.gaps - rg.recovered} / ${rg.repeats} / ${rg.tsBack}`, `nack-recovered ${rg.recovered}`, 'info', '']);
  rows.push(['stayer slots with loss / repeat / ts back', '', `${r.rtp?.stayerSlotsWithLoss} / ${r.rtp?.stayerSlotsWithRepeat} / ${r.rtp?.stayerSlotsTsBack} of ${r.rtp?.stayerSlots}`, '', c.noLossOnStayers === undefined ? 'info: client side when the wire has no gap' : '0', ok(c.noLossOnStayers)]);
  const wr = r.wire;
  if (wr?.ok) {
    rows.push(['wire, Janus -> clients: streams / packets / seq gaps', '', `${wr.janusToClients.streams} / ${wr.janusToClients.packets} / ${wr.janusToClients.gaps}`, `capture dropped ${wr.snifferDropped}`, '0 gaps', ok(c.noGapOnWire)]);
    rows.push(['wire, cameras -> Janus: streams / packets / seq gaps', '', `${wr.camerasToJanus.streams} / ${wr.camerasToJanus.packets} / ${wr.camerasToJanus.gaps}`, '', 'info', '']);
    rows.push(['client-reported losses that were gaps on the wire', '', `${wr.clientGapsOnWire} of ${wr.clientGapsChecked}`, '', 'info', '']);
  } else {
    rows.push(['wire capture', '', wr?.error || 'not run', '', 'info', '']);
  }
  const caps = r.rtp?.captures || [];
  rows.push(['raw captures (seq order): missing / dup (differing) / ts back / frame_num breaks', '', `${caps.reduce((a, x) => a + x.missing, 0)} / ${caps.reduce((a, x) => a + x.duplicates, 0)} (${caps.reduce((a, x) => a + (x.duplicatesDiffering || 0), 0)}) / ${caps.reduce((a, x) => a + x.tsBackwards, 0)} / ${caps.reduce((a, x) => a + x.frameNumViolations, 0)}`, `${caps.length} slots, ${caps.reduce((a, x) => a + x.packets, 0)} pkts`, '0', '']);
  const q = r.requests || {};
  rows.push(['requests sent / replied / unanswered', '', `${q.sentTotal} / ${q.repliedTotal} / ${q.unansweredTotal}`, `aborted by leave ${q.aborted}, late ${q.lateReplies}`, '0 unanswered', ok(c.everyRequestAnswered)]);
  rows.push(['errors by code', '', JSON.stringify(q.errorsByReq), '', 'only 485 (unknown name)', ok(c.noInternalErrors)]);
  rows.push(['reply latency ms p50/p90/p99/max', '', q.replyMs ? `${q.replyMs.p50}/${q.replyMs.p90}/${q.replyMs.p99}/${q.replyMs.max}` : '-', '', 'info', '']);
  rows.push(['joins ok/attempts, setup p50/p90 ms', '', `${r.joins.ok}/${r.joins.attempts}`, `${r.joins.setupMs?.p50}/${r.joins.setupMs?.p90}`, 'info', '']);
  rows.push(['leaves clean/drop/vanish', '', `${r.leaves.clean}/${r.leaves.drop}/${r.leaves.vanish}`, `close replies ${JSON.stringify(r.leaves.cleanCloseReplies)}`, 'info', '']);
  rows.push(['load: Janus CPU / workers CPU / box busy', '', `${fmt(r.load.janusCpuPct)}% / ${fmt(r.load.workersCpuPct)}% / ${fmt(r.load.boxBusyPct)}%`, `${r.load.seconds.toFixed(0)} s`, 'info', '']);
  rows.push(['Janus log WARN/ERR, crash markers', '', `${r.janusLogScan.warn}/${r.janusLogScan.err}`, r.janusLogScan.crashMarkers.length, '0 markers', '']);
  return `\n== soak: ${r.options.clients} clients x ${SLOTS} slots, ${r.options.minutes} min, switch every ${r.options.switchMs} ms ==\n${table(rows)}\n\nverdict: ${r.verdict?.pass ? 'PASS' : 'FAIL'} ${JSON.stringify(r.verdict?.checks)}`;
}

function reportCapacity(r) {
  const rows = [['clients', 'streams', 'cam pkt/s', 'relayed/sent', 'received/sent', 'short slots (janus/client)', 'lost', 'nack rec', 'udp rcvbuf err', 'Janus CPU %', 'CPU %/stream', 'us/pkt', 'workers CPU %', 'box busy %', 'holds']];
  for (const s of r.capacity || []) {
    if (s.error) { rows.push([s.clients, '', '', '', '', '', '', '', '', '', '', '', '', '', s.error]); continue; }
    rows.push([s.clients, s.streams, fmt(s.cameraPktPerS), `${fmt(s.relayedPct, 2)}%`, `${fmt(s.receivedPct, 2)}%`, `${s.slotsShortRelay}/${s.slotsShortRecv}`, s.lost, s.nackRecovered, s.udpRcvbufErrors,
      fmt(s.janusCpuPct), fmt(s.janusCpuPerStreamPct, 3), fmt(s.janusCpuUsPerPacket, 0), fmt(s.workersCpuPct), fmt(s.boxBusyPct), s.holds ? 'yes' : (s.janusRelaysAll ? 'janus yes, clients no' : 'NO')]);
  }
  return `\n== capacity: clients x ${SLOTS} slots, ${r.options.window} s window per step, no switching ==\n${table(rows)}\n\nlargest load where every packet reached every client: ${r.largestHolding} clients x ${SLOTS} slots; where Janus relayed every packet: ${r.largestJanusRelaysAll} x ${SLOTS}\nJanus alive at end: ${r.janusAliveAtEnd}`;
}

main().catch((e) => { console.error(e); process.exit(2); });
