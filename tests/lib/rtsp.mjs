// Start/stop the GStreamer RTSP test server (lib/rtsp-camera.py) by PID and
// count its RTSP clients and sessions from the lines it prints on stdout
// (CONNECT/SESSION/PLAY/CLOSE <client-id>).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const RTSP_CAMERA = path.join(here, 'rtsp-camera.py');
// Debian's python3 has the gi bindings (a pyenv python in PATH may not).
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const live = new Set();
process.on('exit', () => {
  for (const pid of live) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

/** Why the RTSP server cannot run here, or null. */
export function rtspSkipReason() {
  if (!fs.existsSync(RTSP_CAMERA)) return 'rtsp-camera.py missing';
  return null;
}

/**
 * Start the server. opts: { port=0, mounts=['camera1','camera2'], user,
 * password, width, height, fps, logFile, readyTimeoutMs=10000 }.
 * Resolves { port, pid, url(mount, {user,password}), clients(), sessions(),
 * plays(mount), lines, stop(), kill9(), exited }.
 */
export function startRtspServer(opts = {}) {
  const args = [RTSP_CAMERA, '--port', String(opts.port ?? 0), '--mounts', (opts.mounts || ['camera1', 'camera2']).join(',')];
  if (opts.user !== undefined) args.push('--user', opts.user, '--password', opts.password ?? '');
  for (const k of ['width', 'height', 'fps']) if (opts[k]) args.push(`--${k}`, String(opts[k]));
  const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!child.pid) throw new Error('rtsp-camera: could not spawn');
  live.add(child.pid);
  const log = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : null;
  const lines = [];
  const open = new Map(); // client id -> { session: bool, plays: [paths] }
  const playsByPath = new Map(); // path -> PLAY count since start
  let total = { connects: 0, sessions: 0, plays: 0 };
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child.pid);
      exitInfo = { code, signal };
      open.clear();
      log?.end();
      resolve(exitInfo);
    });
  });
  child.on('error', () => {});
  child.stderr.on('data', (d) => log?.write(`[stderr] ${d}`));

  let onReady;
  const ready = new Promise((resolve) => { onReady = resolve; });
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      lines.push({ at: Date.now(), line });
      log?.write(`${new Date().toISOString()} ${line}\n`);
      const [what, id, extra] = line.split(' ');
      if (what === 'READY') onReady(Number(id));
      else if (what === 'CONNECT') { open.set(id, { session: false, plays: [] }); total.connects++; }
      else if (what === 'SESSION') { if (open.has(id)) open.get(id).session = true; total.sessions++; }
      else if (what === 'PLAY') {
        if (open.has(id)) open.get(id).plays.push(extra);
        total.plays++;
        playsByPath.set(extra, (playsByPath.get(extra) || 0) + 1);
      }
      else if (what === 'CLOSE') open.delete(id);
    }
  });

  const handle = {
    pid: child.pid,
    child,
    lines,
    exited,
    get exitInfo() { return exitInfo; },
    port: null,
    /** rtsp:// URL of a mount, with credentials when given. */
    url(mount, { user, password } = {}) {
      const auth = user !== undefined ? `${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@` : '';
      return `rtsp://${auth}127.0.0.1:${handle.port}/${mount}`;
    },
    /** RTSP connections open now. */
    clients() { return open.size; },
    /** Open connections holding an RTSP session (optionally playing mount). */
    sessions(mount) {
      return [...open.values()].filter((c) => c.session && (!mount || c.plays.includes(`/${mount}`))).length;
    },
    totals() { return { ...total }; },
    /** PLAY requests on a mount since this server started. */
    plays(mount) { return playsByPath.get(`/${mount}`) || 0; },
    async stop(graceMs = 3000) {
      if (exitInfo) return exitInfo;
      try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
      const t = new Promise((r) => setTimeout(() => r('timeout'), graceMs));
      if ((await Promise.race([exited, t])) === 'timeout') {
        try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
        await exited;
      }
      return exitInfo;
    },
    async kill9() {
      if (exitInfo) return exitInfo;
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      return exited;
    },
  };
  const timeoutMs = opts.readyTimeoutMs ?? 10000;
  return new Promise((resolve, reject) => {
    const t = setTimeout(async () => {
      await handle.kill9();
      reject(new Error(`rtsp-camera: no READY in ${timeoutMs} ms`));
    }, timeoutMs);
    exited.then((e) => { clearTimeout(t); reject(new Error(`rtsp-camera exited before READY: ${JSON.stringify(e)}`)); });
    ready.then((port) => { clearTimeout(t); handle.port = port; resolve(handle); });
  });
}
