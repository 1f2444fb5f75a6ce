// bench/soak/repro-stale-consumer.mjs: reproduction of the Janus SIGSEGV the
// soak found (ms_source_deliver calling a freed slot's consumer).
//   bash tests/lib/netns.sh node bench/soak/repro-stale-consumer.mjs [rounds]
// Each round: one client, 1 slot on cam0; switch slot 0 to cam1 then cam2
// back to back (no wait: both flips land within one 100 ms housekeeping
// tick), then multistream/close (the slot is freed), then watch Janus for
// 1 s while cam0 keeps sending. Exit 0 if Janus survives every round.
import { startFixture, sleep } from '../../tests/lib/fixture.mjs';

const rounds = Number(process.argv[2] || 20);
const fx = await startFixture({
  name: 'repro-stale',
  cameras: [{ stream: 'cam0', port: 7200 }, { stream: 'cam1', port: 7202 }, { stream: 'cam2', port: 7204 }],
  general: { source_linger: 30 },
});
let crashed = null;
try {
  await sleep(2500); // every camera has a GOP cached: flips are immediate
  for (let r = 1; r <= rounds && !crashed; r++) {
    const { client, peer } = await fx.connect([{ slot: 0, stream: 'cam0' }]);
    await peer.waitPackets(0, 20);
    const a = client.request('multistream/switch', { slot: 0, stream: 'cam1' });
    const b = client.request('multistream/switch', { slot: 0, stream: 'cam2' });
    const [ra, rb] = await Promise.all([a, b]);
    await sleep(20);
    const info = await fx.admin.status();
    const cons = Object.fromEntries(info.sources.map((s) => [s.name, s.consumers]));
    await client.request('multistream/close');
    await peer.close();
    await client.close();
    await sleep(1000);
    const after = await fx.admin.status().catch(() => null);
    const consAfter = after && Object.fromEntries(after.sources.map((s) => [s.name, s.consumers]));
    console.log(`round ${r}: replies ${ra.data.value?.status?.status}/${rb.data.value?.status?.status}; consumers with 1 slot open ${JSON.stringify(cons)}; after close ${JSON.stringify(consAfter)}; janus alive ${fx.janusAlive()}`);
    if (!fx.janusAlive()) crashed = fx.janus.child.exitInfo;
  }
} finally {
  const alive = await fx.stop();
  console.log(crashed ? `JANUS CRASHED: ${JSON.stringify(crashed)}; log ${fx.janus.logFile}` : `Janus alive after ${rounds} rounds: ${alive}`);
  process.exit(crashed ? 1 : 0);
}
