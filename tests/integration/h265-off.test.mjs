// h265_transcode = false: an H265 stream asked for on a slot whose m-line
// has no H265 gets 488 "codec not supported" and the slot keeps what it
// had; a slot given one at init reports status error after the offer.
// (Its own file: a fixture ends its test file's process when stopped.)
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, skipPlugin, resolutionsIn, waitResolution, sleep } from '../lib/fixture.mjs';
import { h264Codec, h265Codec } from '../lib/client.mjs';

const BOTH = () => [h265Codec(), h264Codec()];

describe('h265_transcode = false: 488 codec not supported, the slot keeps what it had', { skip: skipPlugin(), timeout: 120000 }, () => {
  let fx;
  before(async () => {
    fx = await startFixture({
      name: 'h265-off',
      general: { h265_transcode: false },
      cameras: [
        { stream: 'camera1', port: 5440 },
        { stream: 'camera2', port: 5442, codec: 'h265' },
      ],
    });
  });
  after(async () => {
    await fx?.stop();
  });

  test('switch of an H264-only slot to an H265 camera: 488, the slot keeps playing its camera', { timeout: 30000 }, async () => {
    const conn = await fx.connect([{ slot: 0, stream: 'camera1' }, { slot: 1, stream: 'camera2' }]);
    await waitResolution(conn.peer, 0, fx.res('camera1'), { timeoutMs: 8000 });
    // The init named an H265 camera for slot 1: the offer shows it cannot
    // be sent there
    const ev = await conn.client.waitEvent((d) => d?.type === 'multistream/status' && d.value?.slot === 1 && d.value.status?.status === 'error', { timeoutMs: 3000, what: 'slot 1 error status' });
    assert.equal(ev.data.value.status.error, 'codec not supported', JSON.stringify(ev.data));
    const r = await conn.client.request('multistream/switch', { slot: 0, stream: 'camera2' });
    assert.equal(r.data.type, 'multistream/error', JSON.stringify(r.data));
    assert.equal(r.data.value.code, 488);
    assert.equal(r.data.value.error, 'codec not supported');
    assert.equal(r.data.value.slot, 0);
    const mark = Date.now();
    await sleep(1200);
    const pk = conn.peer.packets(0, mark);
    assert.ok(pk.length > 10, 'slot 0 kept flowing');
    assert.deepEqual([...new Set(resolutionsIn(conn.peer.packets(0)))], [fx.res('camera1')], 'and kept camera1');
    assert.equal(conn.peer.packets(1).length, 0, 'nothing of H265 went to the H264-only m-line');
    // An H265-capable client is served as usual
    const ok = await fx.connect([{ slot: 0, stream: 'camera2' }], { codecs: BOTH() });
    await waitResolution(ok.peer, 0, fx.res('camera2'), { timeoutMs: 8000 });
    // And the error slot recovers with a stream it can show
    const rec = await conn.client.request('multistream/switch', { slot: 1, stream: 'camera1' });
    assert.equal(rec.data.value.status.status, 'buffering');
    await waitResolution(conn.peer, 1, fx.res('camera1'), { timeoutMs: 5000 });
    assert.ok(!(await fx.admin.status()).sources.some((s) => s.name.includes('@')), 'no transcode configured');
    await conn.peer.close();
    await ok.peer.close();
  });
});
