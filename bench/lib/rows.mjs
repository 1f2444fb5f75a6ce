// bench/lib/rows.mjs: what the row benches (h265.mjs, audio.mjs) share:
// their output folder, percentiles, and the run: phases filling one result
// object, then its table on stdout and between <!-- TAG:begin --> and
// <!-- TAG:end --> in bench/README.md and README.md.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO } from '../../tests/lib/janus.mjs';
import { stopAll } from '../../tests/lib/procs.mjs';
import { writeReadme } from './report.mjs';

export const QUICK = process.env.BENCH_QUICK === '1';

/** Percentile q (0..1) of a list of numbers; null when empty. */
export function pct(a, q) {
  if (!a.length) return null;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** A bench named tag: its output folder and its progress line. */
export function rowBench(tag) {
  const t0 = Date.now();
  const out = path.join(REPO, 'bench', 'output', `${new Date().toISOString().replace(/[:.]/g, '-')}-${tag}`);
  fs.mkdirSync(out, { recursive: true });
  const say = (s) => console.error(`[bench ${tag} ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${s}`);
  /** Run the phases on one result object, then print and write its table (render(R, seconds)). */
  const run = async (phases, render) => {
    const R = { started: new Date().toISOString() };
    try {
      R.plugin = execFileSync('git', ['-C', REPO, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
    } catch { R.plugin = 'unknown'; }
    try {
      for (const phase of phases) await phase(R);
    } finally {
      await stopAll();
    }
    fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(R, null, 1));
    const md = render(R, Math.round((Date.now() - t0) / 1000));
    console.log(md);
    if (!QUICK && process.env.BENCH_NO_README !== '1') {
      writeReadme(path.join(REPO, 'bench', 'README.md'), md, `bench-${tag}`);
      writeReadme(path.join(REPO, 'README.md'), md, `bench-${tag}`);
      say(`bench/README.md and README.md ${tag} tables updated`);
    }
    say(`done; raw figures in ${path.relative(REPO, out)}/results.json`);
  };
  const main = (phases, render) => run(phases, render).then(() => process.exit(0), async (e) => {
    console.error(`bench ${tag} failed: ${e.stack || e}`);
    await stopAll();
    process.exit(1);
  });
  return { out, say, main };
}
