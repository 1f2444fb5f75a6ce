// Lip sync of the focused camera, from sender reports (tests/lib/avsync.mjs):
// the cameras' own reports say when each packet was captured, Janus's reports
// say when a browser plays it; the audio and the video of the camera heard
// must stay within 80 ms of each other, before and after the focused slot
// switches camera and the focus moves.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanus, pluginSkipReason } from '../lib/janus.mjs';
import { startCamera, stopCameras } from '../lib/cameras.mjs';
import { connectMultistream } from '../lib/client.mjs';
import { CameraTap, lags, avOffset } from '../lib/avsync.mjs';
import { stopAll } from '../lib/procs.mjs';
import { sleep } from '../lib/fixture.mjs';

const skip = pluginSkipReason() || false;
const MAX_OFFSET_MS = 80;
// Janus's ports, and the tap's (cameras send there; RTCP to each + 1)
const CAMS = [
  { name: 'cam1', video: 5640, audio: 5642, tapV: 5660, tapA: 5662, codec: 'opus', freq: 500, colour: 'red', width: 320, height: 240 },
  { name: 'cam2', video: 5644, audio: 5646, tapV: 5664, tapA: 5666, codec: 'pcma', freq: 700, colour: 'blue', width: 352, height: 288 },
];
const CLOCK = { opus: 48000, pcma: 8000 };

describe('lip sync of the camera heard', { skip, timeout: 120000 }, () => {
  let janus, tap, cams = [], conn;
  before(async () => {
    janus = await startJanus({
      name: 'lipsync',
      pluginConfig: {
        general: { source_linger: 1, events: false },
        streams: Object.fromEntries(CAMS.map((c) => [c.name, `rtp://127.0.0.1:${c.video}#audio=${c.codec}:${c.audio}`])),
      },
    });
    tap = await new CameraTap(CAMS.flatMap((c) => [
      { key: `${c.name}/video`, inPort: c.tapV, outPort: c.video },
      { key: `${c.name}/audio`, inPort: c.tapA, outPort: c.audio },
    ])).start();
    for (const c of CAMS) {
      cams.push(startCamera({ name: c.name, port: c.tapV, colour: c.colour, width: c.width, height: c.height, logDir: janus.outDir,
        audio: { codec: c.codec, port: c.tapA, freq: c.freq } }));
    }
    await sleep(1500);
    conn = await connectMultistream(janus, [{ slot: 0, stream: 'cam1' }, { slot: 1, stream: 'cam2' }], { audio: true });
  });
  after(async () => {
    await conn?.peer.close().catch(() => {});
    conn?.client.drop();
    await stopCameras(cams);
    tap?.stop();
    await janus?.stop();
    await stopAll();
    setTimeout(() => process.exit(), 2000).unref();
  });

  /** The A/V offset of camera `cam` heard through `slot` since `since`. */
  const offset = (cam, slot, since) => {
    const c = CAMS.find((x) => x.name === cam);
    const a = lags(tap, `${cam}/audio`, conn.peer.audioPackets(since), conn.peer.srs.filter((r) => r.kind === 'audio'), CLOCK[c.codec]);
    const v = lags(tap, `${cam}/video`, conn.peer.packets(slot, since), conn.peer.srs.filter((r) => r.kind === 'video' && r.idx === slot), 90000);
    return { a, v, off: avOffset(a, v) };
  };

  test('audio and video of the focused camera within 80 ms, across focus changes and switches', { timeout: 90000 }, async (t) => {
    const seen = [];
    const check = (label, r) => {
      assert.ok(r.a.length >= 50 && r.v.length >= 20, `${label}: packets matched to the camera (${r.a.length} audio, ${r.v.length} video)`);
      seen.push(`${label} ${r.off.toFixed(1)} ms`);
      assert.ok(Math.abs(r.off) <= MAX_OFFSET_MS, `${label}: A/V offset ${r.off.toFixed(1)} ms`);
    };
    await conn.client.request('multistream/audio', { slot: 0 });
    let since = Date.now() + 500;
    await sleep(6500); // the cameras report every 5 s
    check('cam1 on slot 0', offset('cam1', 0, since));
    await conn.client.request('multistream/audio', { slot: 1 });
    since = Date.now() + 500;
    await sleep(4000);
    check('cam2 on slot 1 (PCMA)', offset('cam2', 1, since));
    // The focused slot switches camera: the audio follows, the sync holds
    await conn.client.request('multistream/switch', { slot: 1, stream: 'cam1' });
    since = Date.now() + 1000;
    await sleep(4500);
    check('cam1 on slot 1 after a switch', offset('cam1', 1, since));
    await conn.client.request('multistream/switch', { slot: 1, stream: 'cam2' });
    since = Date.now() + 1000;
    await sleep(4500);
    check('cam2 on slot 1 after switching back', offset('cam2', 1, since));
    t.diagnostic(`A/V offset (sound after picture): ${seen.join('; ')}`);
  });
});
