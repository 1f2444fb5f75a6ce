// Every child process the tests start is tracked here and stopped by its PID
// (SIGTERM, then SIGKILL after a grace period). Never pkill/killall.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const live = new Map(); // pid -> { child, name }

export function spawnTracked(name, cmd, args, { logFile, env, cwd } = {}) {
  let out = 'ignore';
  let fd = null;
  if (logFile) {
    fd = fs.openSync(logFile, 'a');
    out = fd;
  }
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: env || process.env, cwd });
  if (fd !== null) fs.closeSync(fd);
  if (!child.pid) throw new Error(`${name}: could not spawn ${cmd}`);
  live.set(child.pid, { child, name });
  child.exitInfo = null;
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child.pid);
      child.exitInfo = { code, signal };
      resolve(child.exitInfo);
    });
  });
  child.on('error', () => {});
  return child;
}

export async function stopTracked(child, graceMs = 5000) {
  if (!child || child.exitInfo) return child?.exitInfo;
  try { process.kill(child.pid, 'SIGTERM'); } catch { /* already gone */ }
  const timer = new Promise((r) => setTimeout(() => r('timeout'), graceMs));
  const res = await Promise.race([child.exited, timer]);
  if (res === 'timeout') {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
    await child.exited;
  }
  return child.exitInfo;
}

export function liveProcesses() {
  return [...live.entries()].map(([pid, v]) => ({ pid, name: v.name }));
}

export async function stopAll() {
  await Promise.all([...live.values()].map((v) => stopTracked(v.child)));
}

// Last resort: if the test process dies, SIGKILL what is left, by PID.
process.on('exit', () => {
  for (const pid of live.keys()) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

/** /proc/PID/stat of any process: {pid, comm, state, ppid, pgrp, start}, or null. */
export function procStat(pid) {
  let stat;
  try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return null; }
  const r = stat.lastIndexOf(')');
  const f = stat.slice(r + 2).split(' ');
  return { pid, comm: stat.slice(stat.indexOf('(') + 1, r), state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), start: f[19] };
}

/** A process's command line, '' when it is gone. */
export function cmdline(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '); } catch { return ''; }
}

/** ffmpeg processes whose parent is ppid: [{...procStat, cmd}] (zombies only when asked). */
export function ffmpegChildren(ppid, { zombies = false } = {}) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const p = procStat(Number(d));
    if (!p || p.ppid !== ppid || p.comm !== 'ffmpeg' || (!zombies && p.state === 'Z')) continue;
    out.push({ ...p, cmd: cmdline(p.pid) });
  }
  return out;
}
