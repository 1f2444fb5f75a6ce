// Start a private Janus for one test: `janus -F <tmp confdir> -L <log>` in the
// foreground, with a plugins folder holding ONLY our plugin (a symlink), a
// transports folder holding only the WebSocket transport, no event handlers
// or loggers, admin API over WebSocket with a secret, ICE pinned to the
// namespace's veth (see lib/netns.sh). Stopped by PID.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { spawnTracked, stopTracked } from './procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const OUTPUT = path.join(REPO, 'tests', 'output');
export const BUILD_DIR = process.env.MS_BUILD_DIR
  ? path.resolve(REPO, process.env.MS_BUILD_DIR)
  : path.join(REPO, 'build');
export const PLUGIN_SO = path.join(BUILD_DIR, '.libs', 'libjanus_multistream.so');
export const SYSTEM_PLUGINS = '/usr/lib/x86_64-linux-gnu/janus/plugins';
export const SYSTEM_TRANSPORTS = '/usr/lib/x86_64-linux-gnu/janus/transports';
export const ECHOTEST_SO = path.join(SYSTEM_PLUGINS, 'libjanus_echotest.so');

export const ICE_IFACE = process.env.MS_ICE_IFACE || 'msveth0';
export const ICE_IP = process.env.MS_ICE_IP || '127.0.0.2';

/** True when we run inside the private namespace set up by lib/netns.sh. */
export function inNetns() {
  return process.env.MS_NETNS === '1';
}

/** Why Janus+ICE tests cannot run here, or null. */
export function netnsSkipReason() {
  if (!inNetns()) return 'not inside the private network namespace (run via tests/run.sh or tests/lib/netns.sh)';
  return null;
}

/** Why the plugin tests cannot run yet, or null. */
export function pluginSkipReason() {
  const ns = netnsSkipReason();
  if (ns) return ns;
  // Under tests/run.sh (MS_REQUIRE_PLUGIN=1) a missing plugin is a failure.
  if (!fs.existsSync(PLUGIN_SO) && process.env.MS_REQUIRE_PLUGIN !== '1') return `plugin not built: ${PLUGIN_SO} missing`;
  return null;
}

// ---------------------------------------------------------------------------
// libconfig (jcfg) writer

function cfgName(k) {
  if (!/^[A-Za-z*][-A-Za-z0-9_*]*$/.test(k)) throw new Error(`bad libconfig setting name: ${k}`);
  return k;
}

function cfgValue(v, indent) {
  if (typeof v === 'string') return JSON.stringify(v); // "..." with \" and \\ escapes
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('non-finite number in config');
    return Number.isInteger(v) ? String(v) : String(v);
  }
  if (Array.isArray(v)) return `[ ${v.map((x) => cfgValue(x, indent)).join(', ')} ]`;
  if (v && typeof v === 'object') {
    const pad = '\t'.repeat(indent + 1);
    const body = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${pad}${cfgName(k)} = ${cfgValue(x, indent + 1)}`)
      .join('\n');
    return `{\n${body}\n${'\t'.repeat(indent)}}`;
  }
  throw new Error(`unsupported config value ${v}`);
}

/** Turn { general: {...}, streams: {...} } into libconfig text. */
export function toLibconfig(obj) {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) return `${cfgName(k)}: ${cfgValue(v, 0)}\n`;
      return `${cfgName(k)} = ${cfgValue(v, 0)}\n`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------

export function freeTcpPort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(file, n = 40) {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

function wsInfo(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'janus-protocol');
    const t = setTimeout(() => { ws.terminate(); reject(new Error('info timeout')); }, timeoutMs);
    ws.on('open', () => ws.send(JSON.stringify({ janus: 'info', transaction: 'probe' })));
    ws.on('message', (d) => {
      clearTimeout(t);
      ws.close();
      try { resolve(JSON.parse(d.toString())); } catch (e) { reject(e); }
    });
    ws.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

/**
 * Start Janus.
 * opts.name          label for the output folder (tests/output/<name>-<n>/)
 * opts.pluginSo      path of the plugin .so (default: our multistream build)
 * opts.pluginPackage plugin package (default janus.plugin.multistream)
 * opts.pluginConfig  JS object written as <package>.jcfg (libconfig)
 * opts.pluginConfigText <package>.jcfg as raw text (e.g. an installed sample);
 *                    wins over pluginConfig
 * opts.sessionTimeout Janus session_timeout (default 10 s)
 * opts.debugLevel    Janus debug level (default 4)
 * opts.hostNetwork   true: for a demo on the host's network: no `interface`
 *                    or `ice_enforce_list` (Janus gathers on every interface),
 *                    WebSocket bound on 0.0.0.0 (admin API stays on 127.0.0.1)
 * Returns { wsUrl, adminUrl, adminSecret, dir, logFile, child, stop() }.
 */
let counter = 0;
export async function startJanus(opts = {}) {
  const name = (opts.name || 'janus').replace(/[^A-Za-z0-9_.-]/g, '_');
  const pluginSo = opts.pluginSo || PLUGIN_SO;
  const pkg = opts.pluginPackage || 'janus.plugin.multistream';
  if (!fs.existsSync(pluginSo)) throw new Error(`plugin not found: ${pluginSo}`);

  fs.mkdirSync(OUTPUT, { recursive: true });
  const outDir = path.join(OUTPUT, `${name}-${process.pid}-${++counter}`);
  fs.mkdirSync(outDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-janus-'));
  const plugins = path.join(dir, 'plugins');
  const transports = path.join(dir, 'transports');
  const events = path.join(dir, 'events');
  const loggers = path.join(dir, 'loggers');
  for (const d of [plugins, transports, events, loggers]) fs.mkdirSync(d);
  fs.symlinkSync(path.resolve(pluginSo), path.join(plugins, path.basename(pluginSo)));
  fs.symlinkSync(path.join(SYSTEM_TRANSPORTS, 'libjanus_websockets.so'), path.join(transports, 'libjanus_websockets.so'));

  const wsPort = opts.wsPort || (await freeTcpPort());
  let adminPort = opts.adminPort || (await freeTcpPort());
  while (adminPort === wsPort) adminPort = await freeTcpPort();
  const adminSecret = `secret-${process.pid}-${counter}`;
  // A private RTP range per Janus instance (we are alone in our namespace,
  // but keep instances of one run apart anyway).
  const rtpBase = 20000 + ((process.pid * 7 + counter * 1000) % 30000);
  const sessionTimeout = opts.sessionTimeout ?? 10;

  const janusCfg = {
    general: {
      configs_folder: dir,
      plugins_folder: plugins,
      transports_folder: transports,
      events_folder: events,
      loggers_folder: loggers,
      debug_level: opts.debugLevel ?? 4,
      debug_timestamps: true,
      debug_colors: false,
      admin_secret: adminSecret,
      interface: opts.hostNetwork ? undefined : ICE_IP,
      server_name: `ms-test-${name}`,
      session_timeout: sessionTimeout,
      reclaim_session_timeout: 0,
      protected_folders: [ '/bin', '/boot', '/dev', '/etc', '/initrd', '/lib', '/lib32', '/lib64', '/proc', '/sbin', '/sys', '/usr', '/var' ],
      ...(opts.janusGeneral || {}), // e.g. { token_auth: true }
    },
    certificates: {},
    media: {
      rtp_port_range: `${rtpBase}-${rtpBase + 999}`,
    },
    nat: {
      nice_debug: false,
      ice_enforce_list: opts.hostNetwork ? undefined : ICE_IFACE,
      ignore_mdns: true,
    },
    plugins: {},
    transports: {},
    loggers: {},
    events: { broadcast: false },
  };
  const wsCfg = {
    general: {
      json: 'indented',
      ws: true,
      ws_port: wsPort,
      ws_ip: opts.hostNetwork ? '0.0.0.0' : '127.0.0.1',
      wss: false,
      ws_logging: 'err,warn',
    },
    admin: {
      admin_ws: true,
      admin_ws_port: adminPort,
      admin_ws_ip: '127.0.0.1',
      admin_wss: false,
    },
  };
  fs.writeFileSync(path.join(dir, 'janus.jcfg'), toLibconfig(janusCfg));
  fs.writeFileSync(path.join(dir, 'janus.transport.websockets.jcfg'), toLibconfig(wsCfg));
  if (opts.pluginConfigText !== undefined) fs.writeFileSync(path.join(dir, `${pkg}.jcfg`), opts.pluginConfigText);
  else if (opts.pluginConfig) fs.writeFileSync(path.join(dir, `${pkg}.jcfg`), toLibconfig(opts.pluginConfig));
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.jcfg')) fs.copyFileSync(path.join(dir, f), path.join(outDir, f));
  }

  const logFile = path.join(outDir, 'janus.log');
  const stdoutFile = path.join(outDir, 'janus.stdout.log');
  const args = ['-F', dir, '-L', logFile, '-o'];
  const started = Date.now();
  // Sanitizer runs (tests/run.sh, MS_SANITIZE): the plugin is built with
  // ASan/UBSan, Janus is not, so the runtime is preloaded into Janus only.
  let env;
  if (process.env.MS_JANUS_PRELOAD) {
    env = {
      ...process.env,
      LD_PRELOAD: process.env.MS_JANUS_PRELOAD,
      // MS_ASAN_OPTIONS: e.g. detect_leaks=1 for a leak hunt (bench/soak/README.md)
      ASAN_OPTIONS: process.env.MS_ASAN_OPTIONS || 'detect_leaks=0:abort_on_error=0:halt_on_error=0:print_summary=1',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=0',
    };
  }
  const child = spawnTracked(`janus:${name}`, 'janus', args, { logFile: stdoutFile, env });

  const wsUrl = `ws://127.0.0.1:${wsPort}`;
  const adminUrl = `ws://127.0.0.1:${adminPort}`;
  const deadline = Date.now() + (opts.startTimeoutMs || 15000);
  let info = null;
  let lastErr = null;
  while (Date.now() < deadline) {
    if (child.exitInfo) break;
    try {
      info = await wsInfo(wsUrl, 1000);
      break;
    } catch (e) {
      lastErr = e;
      await sleep(50);
    }
  }
  const handle = {
    wsUrl, adminUrl, adminSecret, dir, outDir, logFile, child, info, pkg,
    startMs: Date.now() - started,
    async stop() {
      const res = await stopTracked(child, Number(process.env.MS_JANUS_STOP_GRACE_MS) || 5000);
      fs.rmSync(dir, { recursive: true, force: true });
      return res;
    },
    logTail(n) { return tail(logFile, n); },
  };
  if (!info) {
    await handle.stop();
    throw new Error(`Janus did not answer on ${wsUrl} (${lastErr?.message}); exit=${JSON.stringify(child.exitInfo)}\n` +
      `--- ${logFile} ---\n${tail(logFile)}\n--- stdout ---\n${tail(stdoutFile)}`);
  }
  if (!info.plugins || !info.plugins[pkg]) {
    await handle.stop();
    throw new Error(`Janus is up but plugin ${pkg} did not load (plugins: ${Object.keys(info.plugins || {}).join(',') || 'none'})\n` +
      `--- ${logFile} ---\n${tail(logFile, 60)}`);
  }
  return handle;
}
