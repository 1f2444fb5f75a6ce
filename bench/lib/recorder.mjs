// bench/lib/recorder.mjs: werift viewers that mirror the browser wall and keep
// every RTP packet they receive (for the bitstream check). Same switches as
// the browser, same plugin API as the browser page:
//   ours : one multistream session, one PeerConnection, N slots
//   stock: one streaming handle + PeerConnection per slot (watch/start/switch)
import path from 'node:path';
import { createRequire } from 'node:module';
import { REPO } from '../../tests/lib/janus.mjs';
import { openHandle, h264Codec } from '../../tests/lib/client.mjs';

const require = createRequire(path.join(REPO, 'tests', 'package.json'));
const { RTCPeerConnection, useSdesMid } = require('werift');

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function newPc() {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [process.env.MS_ICE_IP || '127.0.0.2'],
    codecs: { video: [h264Codec()], audio: [] },
    headerExtensions: { video: [useSdesMid()], audio: [] },
  });
}

function capture(track, sink) {
  track.onReceiveRtp.subscribe((p) => {
    const h = p.header;
    sink.push({ seq: h.sequenceNumber, ts: h.timestamp >>> 0, marker: h.marker, payload: Buffer.from(p.payload), at: now() });
  });
}

async function gathered(pc) {
  const t0 = Date.now();
  while (pc.iceGatheringState !== 'complete' && Date.now() - t0 < 5000) await sleep(20);
}

async function connected(pc, ms = 15000) {
  const t0 = Date.now();
  while (pc.connectionState !== 'connected' && Date.now() - t0 < ms) await sleep(20);
  if (pc.connectionState !== 'connected') throw new Error(`werift PC not connected (${pc.connectionState})`);
}

export async function oursRecorder(janus, streams) {
  const c = await openHandle(janus, { plugin: 'janus.plugin.multistream' });
  const ready = await c.request('multistream/init', { slots: streams.map((s, k) => ({ slot: k, stream: s })) });
  if (ready.data.type !== 'multistream/ready') throw new Error(`recorder init: ${JSON.stringify(ready.data)}`);
  const pc = newPc();
  const rtp = streams.map(() => []);
  const trs = streams.map(() => pc.addTransceiver('video', { direction: 'recvonly' }));
  const cands = [];
  pc.onIceCandidate.subscribe((x) => { if (x) cands.push(x); });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await gathered(pc);
  const ans = await c.request('multistream/offer', {}, { jsep: { type: 'offer', sdp: pc.localDescription.sdp }, timeoutMs: 10000 });
  if (!ans.jsep) throw new Error(`recorder offer: ${JSON.stringify(ans.data)}`);
  const slots = ans.data.value.slots || [];
  trs.forEach((t, i) => {
    const a = slots.find((s) => t.mid !== undefined && String(s.mid) === String(t.mid));
    const k = a ? a.slot : i;
    t.onTrack.subscribe((track) => capture(track, rtp[k]));
  });
  await pc.setRemoteDescription({ type: 'answer', sdp: ans.jsep.sdp });
  for (const x of cands) await c.trickle(x);
  await c.trickle(null);
  await connected(pc);
  return {
    rtp,
    switch(slot, stream) { c.sendMessage({ type: 'multistream/switch', value: { request_id: `rec-${slot}-${Date.now()}`, slot, stream } }); },
    async close() { try { await pc.close(); } catch { /* */ } c.drop(); },
  };
}

export async function stockRecorder(janus, ids) {
  const rtp = ids.map(() => []);
  const views = await Promise.all(ids.map(async (id, k) => {
    const c = await openHandle(janus, { plugin: 'janus.plugin.streaming' });
    const { since } = c.sendMessage({ request: 'watch', id });
    const ev = await c.waitEvent((d, e) => !!e.jsep, { since, timeoutMs: 10000, what: 'streaming offer' });
    const pc = newPc();
    const cands = [];
    pc.onIceCandidate.subscribe((x) => { if (x) cands.push(x); });
    pc.onTrack.subscribe((track) => capture(track, rtp[k]));
    await pc.setRemoteDescription({ type: 'offer', sdp: ev.jsep.sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await gathered(pc);
    c.sendMessage({ request: 'start' }, { type: 'answer', sdp: pc.localDescription.sdp });
    for (const x of cands) await c.trickle(x);
    await c.trickle(null);
    await connected(pc);
    return { c, pc };
  }));
  return {
    rtp,
    switch(slot, id) { views[slot].c.sendMessage({ request: 'switch', id }); },
    async close() { for (const v of views) { try { await v.pc.close(); } catch { /* */ } v.c.drop(); } },
  };
}
