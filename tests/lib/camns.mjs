// camns.mjs: the cameras in a network namespace of their own, beside the
// test's, joined by a veth pair (10.88.0.1 here, 10.88.0.2 there). Their RTP
// then reaches Janus over the veth, not over `lo`: a bandwidth cap on `lo`
// (tc tbf) throttles what Janus sends the browser and nothing of what the
// cameras send Janus. Root only, inside tests/lib/netns.sh's namespace.
import { execFileSync } from 'node:child_process';
import { spawnTracked, stopTracked } from './procs.mjs';

const HOST_IF = 'mscam0', CAM_IF = 'mscam1';
export const CAMNS_HOST_IP = '10.88.0.1';
export const CAMNS_CAM_IP = '10.88.0.2';

const run = (args) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });

/** Start the namespace (a sleeping holder process in it); wrap(cmd, args) runs a command there. */
export async function startCameraNetns() {
  const holder = spawnTracked('camns', 'unshare', ['--net', 'sleep', 'infinity']);
  await new Promise((r) => setTimeout(r, 200));
  const pid = String(holder.pid);
  run(['ip', 'link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', CAM_IF]);
  run(['ip', 'link', 'set', CAM_IF, 'netns', pid]);
  run(['ip', 'addr', 'add', `${CAMNS_HOST_IP}/30`, 'dev', HOST_IF]);
  run(['ip', 'link', 'set', HOST_IF, 'up']);
  for (const a of [['ip', 'link', 'set', 'lo', 'up'], ['ip', 'addr', 'add', `${CAMNS_CAM_IP}/30`, 'dev', CAM_IF], ['ip', 'link', 'set', CAM_IF, 'up']]) {
    run(['nsenter', '-t', pid, '-n', ...a]);
  }
  return {
    hostIp: CAMNS_HOST_IP,
    /** [cmd, args] that run cmd in the cameras' namespace (nsenter execs it: same PID). */
    wrap: (cmd, args) => ['nsenter', ['-t', pid, '-n', cmd, ...args]],
    async stop() {
      try { run(['ip', 'link', 'del', HOST_IF]); } catch { /* gone with the namespace */ }
      await stopTracked(holder, 2000);
    },
  };
}

/* The cap itself (tc tbf), and lifting whichever cap `lo` has. */
const tbf = (rateKbit) => ['tbf', 'rate', `${rateKbit}kbit`, 'burst', '16kb', 'latency', '200ms'];
function liftCap() {
  try { run(['tc', 'qdisc', 'del', 'dev', 'lo', 'root']); } catch { /* no cap */ }
}

/** Cap what crosses `lo` (tc tbf), or lift the cap (rateKbit null). */
export function capLoopback(rateKbit) {
  liftCap();
  if (rateKbit) run(['tc', 'qdisc', 'add', 'dev', 'lo', 'root', ...tbf(rateKbit)]);
}

/**
 * Cap only what the process pid sends from its UDP sockets over `lo` (tc
 * htb, a tbf under its capped class; u32 on the source port): a viewer's
 * downlink. The browser's RTCP and the WebSocket cross `lo` freely, as they
 * would on a real link whose bottleneck is the way down. rateKbit null:
 * lift it. Returns the ports capped.
 */
export function capDownlink(rateKbit, pid) {
  liftCap();
  if (!rateKbit) return [];
  const out = execFileSync('ss', ['-Hunap'], { encoding: 'utf8' });
  const ports = [...new Set(out.split('\n').filter((l) => l.includes(`pid=${pid},`))
    .map((l) => Number((l.trim().split(/\s+/)[3] || '').split(':').pop())).filter((p) => p > 0))];
  run(['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '2']);
  run(['tc', 'class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit']);
  run(['tc', 'class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:2', 'htb', 'rate', '10gbit']);
  run(['tc', 'qdisc', 'add', 'dev', 'lo', 'parent', '1:1', 'handle', '10:', ...tbf(rateKbit)]);
  for (const p of ports)
    run(['tc', 'filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32',
      'match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', 'sport', String(p), '0xffff', 'flowid', '1:1']);
  return ports;
}
