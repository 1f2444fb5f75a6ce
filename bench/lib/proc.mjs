// bench/lib/proc.mjs: CPU and memory of processes from /proc.
import fs from 'node:fs';

export const CLK_TCK = 100;

/** utime+stime (ticks) of one pid, or null. */
export function cpuTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // fields 14, 15
  } catch { return null; }
}

function ppidOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch { return null; }
}

function cmdline(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return ''; }
}

/** Every descendant of root whose command line mentions chromium. */
export function chromiumPids(root = process.pid) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pp = ppidOf(Number(d));
    if (pp === null) continue;
    if (!kids.has(pp)) kids.set(pp, []);
    kids.get(pp).push(Number(d));
  }
  const out = [];
  const walk = (p, inside) => {
    for (const k of kids.get(p) || []) {
      const isChrome = inside || /chrom/i.test(cmdline(k));
      if (isChrome) out.push(k);
      walk(k, isChrome);
    }
  };
  walk(root, false);
  return out;
}

/** Proportional set size + RSS (kB) summed over pids. */
export function memory(pids) {
  let pss = 0, rss = 0;
  for (const p of pids) {
    try {
      const t = fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      pss += Number((t.match(/^Pss:\s+(\d+)/m) || [0, 0])[1]);
      rss += Number((t.match(/^Rss:\s+(\d+)/m) || [0, 0])[1]);
    } catch { /* gone */ }
  }
  return { pssKb: pss, rssKb: rss };
}

/** CPU (% of one core) of a set of pids over a window, sampled at both ends. */
export async function cpuWindow(getPids, ms) {
  const pids0 = getPids();
  const a = new Map(pids0.map((p) => [p, cpuTicks(p)]));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const dt = (performance.now() - t0) / 1000;
  let ticks = 0;
  for (const p of new Set([...pids0, ...getPids()])) {
    const b = cpuTicks(p);
    if (b === null) continue;
    ticks += b - (a.get(p) ?? 0);
  }
  return { pct: (ticks / CLK_TCK / dt) * 100, seconds: dt };
}
