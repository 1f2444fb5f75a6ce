// Audio of RTSP cameras (GStreamer's RTSP server, a sine of its own
// frequency per camera): the ingest keeps the camera's first audio track in
// the same ffmpeg (the camera is pulled once); G.711 is heard as it is, AAC
// (and anything else) through the ingest's Opus output; a camera without
// audio is unavailable; a camera that loses its audio track turns
// unavailable, with a notice.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanus, pluginSkipReason } from '../lib/janus.mjs';
import { startRtspServer, rtspSkipReason } from '../lib/rtsp.mjs';
import { connectMultistream, openHandle, AdminClient } from '../lib/client.mjs';
import { mediaSections } from '../lib/sdp.mjs';
import { toneOf } from '../lib/audio.mjs';
import { stopAll } from '../lib/procs.mjs';
import { sleep } from '../lib/fixture.mjs';

const skip = pluginSkipReason() || rtspSkipReason() || false;
const near = (hz, want) => hz !== null && Math.abs(hz - want) <= want * 0.05;

function audioPts(sdp) {
  const m = mediaSections(sdp).find((x) => x.kind === 'audio' && x.port !== 0);
  return Object.fromEntries(m.rtpmaps.map((r) => [r.pt, r.codec.toLowerCase()]));
}

describe('audio of RTSP cameras', { skip, timeout: 180000 }, () => {
  let srv, janus, admin, conn, pts;
  const freq = {};
  const mounts = ['ra:h264:pcma', 'rb:h264:aac', 'rc:h264:opus', 'rd'];
  const list = async () => {
    const h = await openHandle(janus);
    const r = await h.request('multistream/streams', {});
    h.drop();
    return Object.fromEntries(r.data.value.streams.map((s) => [s.name, s]));
  };
  const heard = async (ms = 1500) => {
    const since = Date.now() + 100;
    await sleep(ms);
    const pk = conn.peer.audioPackets(since);
    const codecs = [...new Set(pk.map((p) => pts[p.pt]))];
    assert.equal(codecs.length, 1, `one codec heard (${codecs})`);
    return { codec: codecs[0], hz: await toneOf(pk, codecs[0]), n: pk.length };
  };
  const focus = async (slot) => (await conn.client.request('multistream/audio', { slot })).data.value;

  before(async () => {
    srv = await startRtspServer({ mounts, width: 320, height: 240 });
    for (const l of srv.lines) {
      const m = l.line.match(/^AUDIO \/?(\S+) (\S+) (\d+)/);
      if (m) freq[m[1]] = Number(m[3]);
    }
    janus = await startJanus({
      name: 'audio-rtsp',
      pluginConfig: {
        general: { source_linger: 1, source_timeout: 2, events: false },
        streams: Object.fromEntries(['ra', 'rb', 'rc', 'rd'].map((n) => [n, srv.url(n)])),
      },
    });
    admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
  });
  after(async () => {
    await conn?.peer.close().catch(() => {});
    conn?.client.drop();
    admin?.close();
    await janus?.stop();
    await srv?.stop();
    await stopAll();
    setTimeout(() => process.exit(), 2000).unref();
  });

  test('before a camera runs its audio is not known; then the list says', { timeout: 30000 }, async () => {
    assert.ok(freq.ra && freq.rb && freq.rc, `the server's tones: ${JSON.stringify(freq)}`);
    assert.equal((await list()).ra.audio, null);
    conn = await connectMultistream(janus, [0, 1, 2, 3].map((i) => ({ slot: i, stream: ['ra', 'rb', 'rc', 'rd'][i] })), { audio: true });
    pts = audioPts(conn.answer.jsep.sdp);
    const t0 = Date.now();
    let l;
    while (Date.now() - t0 < 12000) {
      l = await list();
      if (['ra', 'rb', 'rc', 'rd'].every((n) => l[n].audio !== null)) break;
      await sleep(200);
    }
    assert.deepEqual(['ra', 'rb', 'rc', 'rd'].map((n) => l[n].audio), [true, true, true, false]);
    for (const m of ['ra', 'rb', 'rc', 'rd']) assert.equal(srv.sessions(m), 1, `${m} pulled once`);
  });

  test('G.711 and Opus as they are; AAC through the ingest\'s Opus; no audio: unavailable', { timeout: 40000 }, async (t) => {
    let v = await focus(0);
    assert.deepEqual([v.stream, v.status], ['ra', 'active']);
    let h = await heard();
    assert.equal(h.codec, 'pcma', 'a PCMA camera is heard as it is');
    assert.ok(near(h.hz, freq.ra), `ra ${freq.ra} Hz (heard ${h.hz})`);
    v = await focus(1);
    assert.deepEqual([v.stream, v.status], ['rb', 'active']);
    h = await heard();
    assert.equal(h.codec, 'opus', 'AAC is transcoded to Opus');
    assert.ok(near(h.hz, freq.rb), `rb ${freq.rb} Hz (heard ${h.hz})`);
    v = await focus(2);
    h = await heard();
    assert.equal(h.codec, 'opus');
    assert.ok(near(h.hz, freq.rc), `rc ${freq.rc} Hz (heard ${h.hz})`);
    const src = Object.fromEntries((await admin.status()).sources.map((s) => [s.name, s]));
    assert.equal(src['rc~audio'].codec, 'opus', 'an Opus camera is told Opus from its clock');
    assert.equal(src['rc~audio'].consumers, 1, 'and heard as it is (not through the Opus output)');
    assert.equal(src['rb~audio'].codec, null, 'AAC is not played as it is');
    v = await focus(3);
    assert.deepEqual([v.stream, v.status], ['rd', 'unavailable']);
    // Each answer was the truth: no notice took a camera's audio away and back
    const notices = conn.client.events.filter((e) => e.data?.type === 'multistream/audio' && e.data.value?.request_id === undefined);
    assert.deepEqual(notices.map((e) => e.data.value), [], 'no audio notice while every camera kept its audio');
    const st = (await admin.status()).sources;
    t.diagnostic(`audio sources: ${st.filter((s) => s.name.includes('~')).map((s) => `${s.name} ${s.codec} ${s.state}`).join(', ')}`);
  });

  test('a camera that loses its audio track turns unavailable, with a notice', { timeout: 60000 }, async () => {
    await focus(0);
    const since = conn.client.events.length;
    const port = srv.port;
    await srv.stop();
    srv = await startRtspServer({ port, mounts: ['ra', 'rb:h264:aac', 'rc:h264:opus', 'rd'], width: 320, height: 240 });
    const ev = await conn.client.waitEvent((d) => d?.type === 'multistream/audio' && d.value?.request_id === undefined
      && d.value.status === 'unavailable', { since, timeoutMs: 30000, what: 'audio notice: unavailable' });
    assert.deepEqual(ev.data.value, { slot: 0, stream: 'ra', status: 'unavailable' });
    // The camera is back, without audio: its picture plays, its audio stays unavailable
    const back = Date.now();
    await conn.peer.waitPackets(0, 20, { since: back, timeoutMs: 20000 });
    await sleep(2500);
    const v = await focus(0);
    assert.deepEqual([v.stream, v.status], ['ra', 'unavailable']);
  });
});
