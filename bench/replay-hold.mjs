// bench/replay-hold.mjs: how long one GOP replay holds a source's lock.
// A camera sends ~8 Mbit/s with a 2 s GOP (a GOP cache near its 2 MB
// bound); a viewer asks for a keyframe every 1.2 s (each one a replay of the
// whole cache); the admin status gives the longest replay (replay_max_us)
// and the source's GOP size; a second viewer of the same camera measures
// its largest inter-packet gap meanwhile. Prints one line of figures.
// Run: bash tests/lib/netns.sh node bench/replay-hold.mjs
import { startJanus, sleep } from '../tests/lib/janus.mjs';
import { spawnTracked, stopTracked } from '../tests/lib/procs.mjs';
import { AdminClient, connectMultistream } from '../tests/lib/client.mjs';

const PORT = 5904, SECONDS = Number(process.env.MS_REPLAY_SECONDS || 12);
const janus = await startJanus({
  name: 'bench-replay-hold',
  pluginConfig: { general: { source_linger: 1, events: false, gop_cache_kb: 4096 }, streams: { big: `rtp://127.0.0.1:${PORT}` } },
});
const cam = spawnTracked('camera:big', 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
  '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=30', '-vf', 'noise=alls=30:allf=t',
  '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
  '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-bf', '0', '-x264-params', 'repeat-headers=1',
  '-b:v', '8M', '-maxrate', '8M', '-bufsize', '8M', '-payload_type', '96',
  '-f', 'rtp', `rtp://127.0.0.1:${PORT}?pkt_size=1200`], { logFile: `${janus.outDir}/camera.log` });
const admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
try {
  await sleep(3000);
  const asker = await connectMultistream(janus, [{ slot: 0, stream: 'big' }]);
  const watcher = await connectMultistream(janus, [{ slot: 0, stream: 'big' }]);
  await sleep(2500);
  const since = Date.now();
  let asked = 0, gopMax = 0;
  while (Date.now() - since < SECONDS * 1000) {
    asker.client.sendMessage({ type: 'multistream/keyframe', value: { request_id: `k${asked++}`, slot: 0 } });
    const src = (await admin.status()).sources.find((s) => s.name === 'big');
    gopMax = Math.max(gopMax, src.gop_bytes);
    await sleep(1200);
  }
  const src = (await admin.status()).sources.find((s) => s.name === 'big');
  const pk = watcher.peer.packets(0).filter((p) => p.at >= since);
  let gap = 0;
  for (let i = 1; i < pk.length; i++) gap = Math.max(gap, pk[i].at - pk[i - 1].at);
  console.log(`replay-hold: keyframe requests ${asked}, GOP cache up to ${(gopMax / 1024).toFixed(0)} KiB, ` +
    `longest replay ${src.replay_max_us} us, refused ${src.replays_refused}, ` +
    `other viewer: ${pk.length} packets, largest gap ${gap} ms`);
  await asker.peer.close(); asker.client.drop();
  await watcher.peer.close(); watcher.client.drop();
} finally {
  admin.close();
  await stopTracked(cam, 3000);
  await janus.stop();
  setTimeout(() => process.exit(0), 1000).unref();
}
