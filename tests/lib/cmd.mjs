// Run a command to completion, bounded in time, and keep its output: for the
// packaging tests (dpkg-buildpackage, apt-get, npm pack, tsc). The bound is
// GNU `timeout`, which signals the command's whole process group (a build's
// make/gcc children too), SIGKILL 10 s after SIGTERM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

/**
 * runCmd(cmd, args, opts) -> { code, out, ms }
 * opts.cwd, opts.env  as for spawn (env is merged over process.env)
 * opts.timeoutS       bound in seconds (default 120); hitting it is code 124
 * opts.logFile        also write `$ cmd args` and the output there
 * opts.allowFail      resolve on a non-zero exit instead of rejecting
 * out is stdout and stderr interleaved. A non-zero exit rejects with the
 * command, its status and the last 60 lines of its output.
 */
export function runCmd(cmd, args, { cwd, env, timeoutS = 120, logFile, allowFail = false } = {}) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('timeout', ['-k', '10', String(timeoutS), cmd, ...args], {
      cwd,
      env: { ...process.env, ...(env || {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const out = Buffer.concat(chunks).toString('utf8');
      const ms = Date.now() - started;
      const line = `$ ${[cmd, ...args].join(' ')}${cwd ? `   (in ${cwd})` : ''}`;
      if (logFile) fs.appendFileSync(logFile, `${line}\n${out}\n[exit ${code ?? signal} after ${ms} ms]\n\n`);
      const res = { code: code ?? 128, out, ms };
      if (code === 0 || allowFail) return resolve(res);
      const why = code === 124 ? `timed out after ${timeoutS} s` : `exited with ${code ?? signal}`;
      reject(new Error(`${line} ${why}\n${out.split('\n').slice(-60).join('\n')}`));
    });
  });
}
