// Audio that follows focus, at the RTP level (werift clients): one audio
// m-line per session on request (init audio: true); multistream/audio picks
// whose camera it carries and it follows that slot through its switches; one
// SSRC, seq +1 and timestamps that never go back across every change; the
// right camera's tone after a focus change; G.711 as it is, Opus as it is;
// unavailable for a camera without audio, off for slot -1; the errors.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, skipPlugin, waitResolution, sleep } from '../lib/fixture.mjs';
import { slotPayloadTypes, mediaSections } from '../lib/sdp.mjs';
import { seqDiff, tsDiff } from '../lib/h264.mjs';
import { toneOf } from '../lib/audio.mjs';

const TONE = { cam1: 440, cam2: 660 };

/** The audio m-line's payload types by codec name, from the answer. */
function audioPts(sdp) {
  const m = mediaSections(sdp).find((x) => x.kind === 'audio' && x.port !== 0);
  if (!m) return null;
  const out = {};
  for (const r of m.rtpmaps) out[r.pt] = r.codec.toLowerCase();
  return out;
}

const near = (hz, want) => hz !== null && Math.abs(hz - want) <= want * 0.05;

/** What the audio m-line carries from now on (a window of ms). */
async function heard(peer, pts, { ms = 1200 } = {}) {
  const since = Date.now() + 60; // packets in flight at the cut
  await sleep(ms);
  const pk = peer.audioPackets(since);
  const codecs = [...new Set(pk.map((p) => pts[p.pt]))];
  assert.equal(codecs.length, 1, `one codec in the window (${codecs})`);
  return { codec: codecs[0], hz: await toneOf(pk, codecs[0]), n: pk.length };
}

function assertAudioContinuous(pk, label) {
  assert.ok(pk.length > 10, `${label}: audio packets`);
  assert.equal(new Set(pk.map((p) => p.ssrc)).size, 1, `${label}: one SSRC`);
  for (let i = 1; i < pk.length; i++) {
    assert.equal(seqDiff(pk[i - 1].seq, pk[i].seq), 1, `${label}: seq ${pk[i - 1].seq} -> ${pk[i].seq} at ${i}`);
    assert.ok(tsDiff(pk[i - 1].ts, pk[i].ts) > 0, `${label}: timestamp ${pk[i - 1].ts} -> ${pk[i].ts} at ${i}`);
  }
}

describe('audio that follows focus', { skip: skipPlugin(), timeout: 180000 }, () => {
  let fx;
  before(async () => {
    fx = await startFixture({
      name: 'audio',
      cameras: [
        { stream: 'cam1', port: 5500, audio: { codec: 'opus', port: 5502, freq: TONE.cam1 } },
        { stream: 'cam2', port: 5504, audio: { codec: 'pcma', port: 5506, freq: TONE.cam2 } },
        { stream: 'cam3', port: 5508 },
      ],
      extraStreams: { 'cam1-small': 'ffmpeg:cam1#video=h264#height=120#gop=1' },
    });
    await sleep(2500); // the list knows who has audio
  });
  after(async () => {
    await fx?.stop();
  });

  test('the stream list says which streams have audio (a variant: its camera\'s)', async () => {
    const h = await fx.handle();
    const list = Object.fromEntries((await h.request('multistream/streams', {})).data.value.streams.map((s) => [s.name, s]));
    assert.equal(list.cam1.audio, true);
    assert.equal(list.cam2.audio, true);
    assert.equal(list.cam3.audio, false);
    assert.ok(list['cam1-small'].audio !== false, `a variant of cam1: ${list['cam1-small'].audio}`);
    assert.ok(!Object.keys(list).some((n) => n.includes('~')), 'the audio sources are not listed');
  });

  test('errors: no audio: true at init -> 486; a slot not in the init -> 483; a bad slot -> 480', async () => {
    const plain = await fx.connect([{ slot: 0, stream: 'cam1' }]);
    const e1 = await plain.client.request('multistream/audio', { slot: 0 });
    assert.equal(e1.data.value.code, 486, JSON.stringify(e1.data));
    assert.equal(e1.data.value.error, 'invalid state');
    assert.match(e1.data.value.detail, /audio/);
    assert.equal(mediaSections(plain.answer.jsep.sdp).filter((m) => m.kind === 'audio' && m.port !== 0).length, 0, 'no audio m-line answered');
    await plain.peer.close();
    const c = await fx.connect([{ slot: 0, stream: 'cam1' }], { audio: true });
    const e2 = await c.client.request('multistream/audio', { slot: 3 });
    assert.equal(e2.data.value.code, 483, JSON.stringify(e2.data));
    const e3 = await c.client.request('multistream/audio', { slot: 'x' });
    assert.equal(e3.data.value.code, 480, JSON.stringify(e3.data));
    await c.peer.close();
  });

  test('focus: the right camera\'s tone, Opus and PCMA as they are; unavailable; off; one SSRC and seq +1 throughout', { timeout: 60000 }, async (t) => {
    const c = await fx.connect([{ slot: 0, stream: 'cam1' }, { slot: 1, stream: 'cam2' }, { slot: 2, stream: 'cam3' }], { audio: true });
    const pts = audioPts(c.answer.jsep.sdp);
    assert.ok(pts, 'an audio m-line in the answer');
    assert.deepEqual(Object.values(pts).sort(), ['opus', 'pcma', 'pcmu'], `Opus, PCMU, PCMA: ${JSON.stringify(pts)}`);
    assert.equal(slotPayloadTypes(c.answer.jsep.sdp).length, 3, 'three video slots');
    await waitResolution(c.peer, 0, fx.res('cam1'), { timeoutMs: 8000 });
    assert.equal(c.peer.audioPackets().length, 0, 'nothing before a focus');

    let t0 = Date.now();
    let r = await c.client.request('multistream/audio', { slot: 0 });
    assert.deepEqual({ ...r.data.value, request_id: undefined }, { request_id: undefined, slot: 0, stream: 'cam1', status: 'active' });
    let h = await heard(c.peer, pts);
    t.diagnostic(`slot 0 (cam1): ${h.codec} ${h.hz?.toFixed(0)} Hz, first packet ${c.peer.audioPackets(t0)[0].at - t0} ms after the request`);
    assert.equal(h.codec, 'opus');
    assert.ok(near(h.hz, TONE.cam1), `cam1's ${TONE.cam1} Hz (heard ${h.hz})`);

    t0 = Date.now();
    r = await c.client.request('multistream/audio', { slot: 1 });
    assert.equal(r.data.value.stream, 'cam2');
    assert.equal(r.data.value.status, 'active');
    h = await heard(c.peer, pts);
    t.diagnostic(`slot 1 (cam2): ${h.codec} ${h.hz?.toFixed(0)} Hz, first packet ${c.peer.audioPackets(t0).find((p) => pts[p.pt] === 'pcma').at - t0} ms after the request`);
    assert.equal(h.codec, 'pcma', 'a PCMA camera is heard as it is');
    assert.ok(near(h.hz, TONE.cam2), `cam2's ${TONE.cam2} Hz (heard ${h.hz})`);

    r = await c.client.request('multistream/audio', { slot: 2 });
    assert.deepEqual([r.data.value.stream, r.data.value.status], ['cam3', 'unavailable']);
    await sleep(300);
    let mark = Date.now();
    await sleep(800);
    assert.equal(c.peer.audioPackets(mark).length, 0, 'nothing from a camera without audio');

    r = await c.client.request('multistream/audio', { slot: -1 });
    assert.deepEqual([r.data.value.slot, r.data.value.stream, r.data.value.status], [-1, '', 'off']);

    // Back on: the focus follows the slot's switches, with a notice
    await c.client.request('multistream/audio', { slot: 0 });
    await sleep(800);
    t0 = Date.now();
    const sw = await c.client.request('multistream/switch', { slot: 0, stream: 'cam2' });
    const notice = await c.client.waitEvent((d) => d?.type === 'multistream/audio' && d.value?.request_id === undefined,
      { since: sw.since, timeoutMs: 3000, what: 'audio notice' });
    assert.deepEqual(notice.data.value, { slot: 0, stream: 'cam2', status: 'active' });
    h = await heard(c.peer, pts);
    assert.equal(h.codec, 'pcma');
    assert.ok(near(h.hz, TONE.cam2), `after the switch: cam2 (heard ${h.hz})`);

    // A variant carries its camera's audio
    t0 = Date.now();
    await c.client.request('multistream/switch', { slot: 0, stream: 'cam1', quality: 'small' });
    h = await heard(c.peer, pts, { ms: 1500 });
    assert.ok(near(h.hz, TONE.cam1), `cam1-small carries cam1's audio (heard ${h.hz})`);

    r = await c.client.request('multistream/audio', { slot: -1 });
    await sleep(300);
    mark = Date.now();
    await sleep(800);
    assert.equal(c.peer.audioPackets(mark).length, 0, 'silent after slot -1');
    assertAudioContinuous(c.peer.audioPackets(), 'the audio m-line across every change');
    await c.peer.close();
  });

  test('a client that offers Opus only hears a PCMA camera in Opus? no: it is unavailable (G.711 not negotiated, no Opus output for an rtp feed)', async () => {
    const { audioCodecs } = await import('../lib/client.mjs');
    const c = await fx.connect([{ slot: 0, stream: 'cam2' }], { audio: audioCodecs({ g711: false }) });
    const r = await c.client.request('multistream/audio', { slot: 0 });
    assert.deepEqual([r.data.value.stream, r.data.value.status], ['cam2', 'unavailable']);
    await c.peer.close();
  });
});
