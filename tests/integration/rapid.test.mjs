// Rapid switching: many flips between sources faster than the plugin's
// housekeeping (100 ms) must leave no slot registered with a source once
// the sessions end. A leftover registration is a dangling pointer in the
// source's consumer list: the soak test crashed Janus that way.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitStatus } from '../lib/wait.mjs';
import { startFixture, skipPlugin, sleep } from '../lib/fixture.mjs';

const CAMS = ['camera1', 'camera2', 'camera3', 'camera4'];

describe('rapid switching leaves no registration behind', { skip: skipPlugin(), timeout: 120000 }, () => {
  let fx;
  before(async () => {
    fx = await startFixture({
      name: 'rapid',
      sessionTimeout: 5,
      cameras: CAMS.map((stream, i) => ({ stream, port: 5404 + 2 * i })),
    });
    await sleep(2200); // every camera has a cached GOP: flips are immediate
  });
  after(async () => {
    await fx?.stop();
  });

  test('2 clients x 3 slots, 120 switches without waiting, then close and WebSocket drop: 0 consumers anywhere', { timeout: 60000 }, async () => {
    const a = await fx.connect([0, 1, 2].map((slot) => ({ slot, stream: CAMS[slot] })));
    const b = await fx.connect([0, 1, 2].map((slot) => ({ slot, stream: CAMS[slot + 1] })));
    const pending = [];
    for (let i = 0; i < 60; i++) {
      for (const c of [a.client, b.client]) {
        const slot = i % 3;
        const stream = CAMS[(i * 7 + slot) % CAMS.length];
        pending.push(c.request('multistream/switch', { slot, stream }, { timeoutMs: 10000 }));
      }
      if (i % 10 === 9) await sleep(20);
    }
    const replies = await Promise.all(pending);
    for (const r of replies) assert.equal(r.data.type, 'multistream/status', JSON.stringify(r.data));
    await sleep(300);
    let st = await fx.admin.status();
    const consumers = st.sources.reduce((n, s) => n + s.consumers, 0);
    // 6 slots, each bound to one source (and maybe switching to another)
    assert.ok(consumers >= 6 && consumers <= 12, `consumers while running: ${consumers} ${JSON.stringify(st.sources)}`);
    assert.ok(fx.janusAlive(), 'Janus alive after the burst');

    const closed = await a.client.request('multistream/close', {});
    assert.equal(closed.data.value.status, 'closed');
    b.client.drop();
    await waitStatus(fx.admin, (s) => s.sessions === 0 && s.slots_bound === 0 && s.sources.every((x) => x.consumers === 0),
      { what: '0 sessions, 0 bound slots, 0 consumers on every source' });
    assert.ok(fx.janusAlive(), 'Janus alive after cleanup');
  });

  test('a new session still plays after all that', { timeout: 30000 }, async () => {
    const { peer } = await fx.connect([{ slot: 0, stream: 'camera1' }]);
    await peer.waitPackets(0, 20, { timeoutMs: 8000 });
    assert.ok(fx.janusAlive());
  });
});
