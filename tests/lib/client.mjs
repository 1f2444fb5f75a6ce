// Janus WebSocket client (janus-protocol), werift PeerConnection with N
// recvonly video transceivers and raw RTP capture, and an admin API client
// (janus-admin-protocol).
import WebSocket from 'ws';
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  useSdesMid,
} from 'werift';

export const MS_PLUGIN = 'janus.plugin.multistream';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let txCounter = 0;
const tx = () => `t${process.pid}-${++txCounter}`;
let ridCounter = 0;
export const rid = (p = 'r') => `${p}-${++ridCounter}`;

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

// ---------------------------------------------------------------------------
// Janus API over WebSocket

export class JanusClient {
  constructor(url, { keepaliveMs = 20000, log = null, token = null } = {}) {
    this.url = url;
    this.token = token; // Janus's own token auth: sent with every request
    this.keepaliveMs = keepaliveMs;
    this.log = log; // optional (line) => void
    this.pending = new Map(); // transaction -> {resolve, reject, acceptAck}
    this.events = []; // plugin events: {data, jsep, transaction, at, sender}
    this.janusEvents = []; // webrtcup, media, hangup, slowlink, detached, timeout...
    this.waiters = new Set();
    this.sessionId = null;
    this.handleId = null;
    this.ws = null;
    this.closed = false;
  }

  async connect(timeoutMs = 5000) {
    this.ws = new WebSocket(this.url, 'janus-protocol');
    this.ws.on('message', (d) => this._onMessage(d));
    this.ws.on('close', () => {
      this.closed = true;
      clearInterval(this._ka);
      for (const p of this.pending.values()) p.reject(new Error('websocket closed'));
      this.pending.clear();
      this._wake();
    });
    await withTimeout(new Promise((res, rej) => {
      this.ws.once('open', res);
      this.ws.once('error', rej);
    }), timeoutMs, `ws connect ${this.url}`);
    this.ws.on('error', () => {});
    return this;
  }

  _trace(dir, obj) {
    if (this.log) this.log(`${new Date().toISOString()} ${dir} ${JSON.stringify(obj)}`);
  }

  _onMessage(d) {
    let msg;
    try { msg = JSON.parse(d.toString()); } catch { return; }
    this._trace('<<', msg);
    const t = msg.transaction;
    if (msg.janus === 'event' && msg.plugindata) {
      this.events.push({
        data: msg.plugindata.data,
        plugin: msg.plugindata.plugin,
        jsep: msg.jsep || null,
        transaction: t || null,
        sender: msg.sender,
        at: Date.now(),
      });
      this._wake();
    } else if (['webrtcup', 'media', 'hangup', 'slowlink', 'detached', 'timeout', 'trickle'].includes(msg.janus)) {
      this.janusEvents.push({ ...msg, at: Date.now() });
      this._wake();
    }
    if (t && this.pending.has(t)) {
      const p = this.pending.get(t);
      if (msg.janus === 'ack' && !p.acceptAck) return;
      if (msg.janus === 'event') return; // plugin events are consumed via waitEvent
      this.pending.delete(t);
      if (msg.janus === 'error') {
        const e = new Error(`janus error ${msg.error?.code}: ${msg.error?.reason}`);
        e.janus = msg;
        p.reject(e);
      } else {
        p.resolve(msg);
      }
    }
  }

  _wake() {
    for (const w of [...this.waiters]) w();
  }

  /** Send a Janus API request; resolve with the first non-event reply. */
  janusRequest(obj, { acceptAck = false, timeoutMs = 5000 } = {}) {
    if (this.closed) return Promise.reject(new Error('websocket closed'));
    const transaction = obj.transaction || tx();
    const msg = { ...obj, transaction };
    if (this.sessionId && msg.session_id === undefined && obj.janus !== 'create') msg.session_id = this.sessionId;
    if (this.token && msg.token === undefined) msg.token = this.token;
    const p = new Promise((resolve, reject) => this.pending.set(transaction, { resolve, reject, acceptAck }));
    this._trace('>>', msg);
    this.ws.send(JSON.stringify(msg));
    return withTimeout(p, timeoutMs, `janus ${obj.janus}`);
  }

  async createSession() {
    const r = await this.janusRequest({ janus: 'create' });
    this.sessionId = r.data.id;
    if (this.keepaliveMs > 0) {
      this._ka = setInterval(() => {
        if (!this.closed && this.sessionId) this.janusRequest({ janus: 'keepalive' }, { acceptAck: true }).catch(() => {});
      }, this.keepaliveMs);
      this._ka.unref?.();
    }
    return this.sessionId;
  }

  async attach(plugin = MS_PLUGIN) {
    const r = await this.janusRequest({ janus: 'attach', plugin });
    this.handleId = r.data.id;
    return this.handleId;
  }

  /** Index of the next plugin event: pass as `since` to waitEvent. */
  mark() {
    return this.events.length;
  }

  /**
   * Send a plugin message (body verbatim, optional jsep). Returns
   * { transaction, since }; the reply arrives as plugin events.
   */
  sendMessage(body, jsep = null) {
    const since = this.mark();
    const transaction = tx();
    const msg = { janus: 'message', transaction, session_id: this.sessionId, handle_id: this.handleId, body };
    if (jsep) msg.jsep = jsep;
    if (this.token) msg.token = this.token;
    // The ack (or a Janus-level error) resolves this; never awaited for events.
    const p = new Promise((resolve, reject) => this.pending.set(transaction, { resolve, reject, acceptAck: true }));
    p.catch(() => {});
    this._trace('>>', msg);
    this.ws.send(JSON.stringify(msg));
    return { transaction, since, ack: p };
  }

  /** Send raw text on the socket (for malformed-message tests). */
  sendRaw(text) {
    this._trace('>> raw', text);
    this.ws.send(text);
  }

  /**
   * Wait for the first plugin event at index >= since matching pred.
   * Resolves with the event ({data, jsep, ...}).
   */
  waitEvent(pred, { since = 0, timeoutMs = 5000, what = 'plugin event' } = {}) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        for (let i = since; i < this.events.length; i++) {
          if (pred(this.events[i].data, this.events[i])) {
            cleanup();
            resolve(this.events[i]);
            return true;
          }
        }
        if (this.closed) {
          cleanup();
          reject(new Error(`websocket closed while waiting for ${what}`));
          return true;
        }
        return false;
      };
      const cleanup = () => { clearTimeout(timer); this.waiters.delete(check); };
      if (check()) return;
      this.waiters.add(check);
      timer = setTimeout(() => {
        cleanup();
        const seen = this.events.slice(since).map((e) => JSON.stringify(e.data)).join('\n  ');
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what}; events seen since:\n  ${seen || '(none)'}`));
      }, timeoutMs);
    });
  }

  /** Wait for a Janus-level event (webrtcup, hangup, ...). */
  waitJanusEvent(type, { timeoutMs = 10000 } = {}) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        const e = this.janusEvents.find((x) => x.janus === type);
        if (e) { cleanup(); resolve(e); return true; }
        return false;
      };
      const cleanup = () => { clearTimeout(timer); this.waiters.delete(check); };
      if (check()) return;
      this.waiters.add(check);
      timer = setTimeout(() => { cleanup(); reject(new Error(`timeout waiting for janus ${type}`)); }, timeoutMs);
    });
  }

  /**
   * Send a multistream request and wait for its first reply (the first event
   * whose value.request_id equals ours). body.value.request_id is set if
   * missing (unless value is not an object).
   */
  async request(type, value = {}, { jsep = null, timeoutMs = 5000 } = {}) {
    const v = value && typeof value === 'object' && !Array.isArray(value) ? { ...value } : value;
    if (v && typeof v === 'object' && !Array.isArray(v) && v.request_id === undefined) v.request_id = rid(type.split('/')[1] || 'x');
    const body = { type, value: v };
    const { since } = this.sendMessage(body, jsep);
    const id = v?.request_id;
    const ev = await this.waitEvent((d) => d?.value?.request_id === id, { since, timeoutMs, what: `reply to ${type} (${id})` });
    return { ...ev, since, request_id: id };
  }

  /** Wait for a status event for slot with the given status (any request_id). */
  waitStatus(slot, status, { since = 0, timeoutMs = 8000 } = {}) {
    return this.waitEvent(
      (d) => d?.type === 'multistream/status' && d.value?.slot === slot && d.value?.status?.status === status,
      { since, timeoutMs, what: `status ${status} on slot ${slot}` },
    );
  }

  trickle(candidate) {
    if (this.closed) return Promise.resolve();
    const c = candidate
      ? { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex }
      : { completed: true };
    return this.janusRequest({ janus: 'trickle', handle_id: this.handleId, candidate: c }, { acceptAck: true }).catch(() => {});
  }

  async detach() {
    if (this.closed || !this.handleId) return;
    await this.janusRequest({ janus: 'detach', handle_id: this.handleId }).catch(() => {});
    this.handleId = null;
  }

  async destroy() {
    if (this.closed || !this.sessionId) return;
    await this.janusRequest({ janus: 'destroy' }).catch(() => {});
    this.sessionId = null;
  }

  /** Polite close: detach, destroy, close the socket. */
  async close() {
    clearInterval(this._ka);
    if (!this.closed) {
      await this.detach();
      await this.destroy();
      this.ws.close();
    }
  }

  /** Rude close: drop the TCP connection without detach/destroy. */
  drop() {
    clearInterval(this._ka);
    if (this.ws) this.ws.terminate();
  }
}

// ---------------------------------------------------------------------------
// werift peer with N recvonly video transceivers and raw RTP capture

export function h264Codec() {
  return new RTCRtpCodecParameters({
    mimeType: 'video/H264',
    clockRate: 90000,
    rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  });
}

// H265 Main, as Chrome offers it where it decodes H265.
export function h265Codec() {
  return new RTCRtpCodecParameters({
    mimeType: 'video/H265',
    clockRate: 90000,
    rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    parameters: 'level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST',
  });
}

// Opus, PCMU, PCMA: what a browser offers on an audio m-line.
export function audioCodecs({ g711 = true } = {}) {
  const opus = new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, parameters: 'minptime=10;useinbandfec=1' });
  if (!g711) return [opus];
  return [opus,
    new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1 }),
    new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1 })];
}

export class MsPeer {
  /**
   * nSlots recvonly video transceivers (codecs: video codecs, default H264),
   * then, with audio (true, or a list of audio codecs), one recvonly audio
   * transceiver whose packets are audioPackets().
   */
  constructor(nSlots, { codecs = null, audio = false } = {}) {
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv6: false,
      // werift skips loopback-range addresses; 127.0.0.2 lives on our veth.
      iceAdditionalHostAddresses: [process.env.MS_ICE_IP || '127.0.0.2'],
      codecs: { video: codecs || [h264Codec()], audio: audio ? (Array.isArray(audio) ? audio : audioCodecs()) : [] },
      headerExtensions: { video: [useSdesMid()], audio: audio ? [useSdesMid()] : [] },
    });
    this.transceivers = [];
    this.rtp = []; // per transceiver index: array of packets
    this.rtcp = [];
    this.srs = []; // Janus's sender reports: { kind, idx, ssrc, ntpMs, rtp, at }
    this.localCandidates = [];
    this.pc.onIceCandidate.subscribe((c) => { if (c) this.localCandidates.push(c); });
    for (let i = 0; i < nSlots; i++) {
      const t = this.pc.addTransceiver('video', { direction: 'recvonly' });
      this.transceivers.push(t);
      this.rtp.push([]);
      this.rtcp.push([]);
      const idx = i;
      this._keepSrs(t, 'video', idx);
      t.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((p) => {
          const h = p.header;
          this.rtp[idx].push({
            seq: h.sequenceNumber,
            ts: h.timestamp >>> 0,
            marker: h.marker,
            ssrc: h.ssrc >>> 0,
            pt: h.payloadType,
            payload: Buffer.from(p.payload),
            at: Date.now(),
          });
        });
      });
    }
    this.audioRtp = [];
    this.audioRtcp = [];
    if (audio) {
      this.audioTransceiver = this.pc.addTransceiver('audio', { direction: 'recvonly' });
      this._keepSrs(this.audioTransceiver, 'audio', 0);
      this.audioTransceiver.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((p) => {
          const h = p.header;
          this.audioRtp.push({ seq: h.sequenceNumber, ts: h.timestamp >>> 0, marker: h.marker, ssrc: h.ssrc >>> 0,
            pt: h.payloadType, payload: Buffer.from(p.payload), at: Date.now() });
        });
      });
    }
  }

  _keepSrs(t, kind, idx) {
    t.receiver.onRtcp.subscribe((p) => {
      if (p.type !== 200 || !p.senderInfo) return;
      const ntp = BigInt(p.senderInfo.ntpTimestamp);
      const msw = Number(ntp >> 32n), lsw = Number(ntp & 0xffffffffn);
      this.srs.push({ kind, idx, ssrc: p.ssrc >>> 0, ntpMs: (msw - 2208988800) * 1000 + (lsw / 2 ** 32) * 1000, rtp: p.senderInfo.rtpTimestamp >>> 0, at: Date.now() });
    });
  }

  /** Packets of the audio m-line, optionally those arriving after time t. */
  audioPackets(since = 0) {
    return this.audioRtp.filter((p) => p.at >= since);
  }

  async createOffer() {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    // werift gathers during setLocalDescription; wait until complete anyway.
    const t0 = Date.now();
    while (this.pc.iceGatheringState !== 'complete' && Date.now() - t0 < 5000) await sleep(20);
    return { type: 'offer', sdp: this.pc.localDescription.sdp };
  }

  async setAnswer(jsep) {
    await this.pc.setRemoteDescription({ type: jsep.type, sdp: jsep.sdp });
  }

  mids() {
    return this.transceivers.map((t) => t.mid);
  }

  waitConnected(timeoutMs = 10000) {
    if (this.pc.connectionState === 'connected') return Promise.resolve();
    return withTimeout(new Promise((resolve, reject) => {
      const sub = this.pc.connectionStateChange.subscribe((s) => {
        if (s === 'connected') { sub.unSubscribe?.(); resolve(); }
        if (s === 'failed' || s === 'closed') reject(new Error(`peer connection ${s}`));
      });
    }), timeoutMs, 'peer connection connected');
  }

  /** Packets on slot k (transceiver k), optionally those arriving after time t. */
  packets(k, since = 0) {
    return this.rtp[k].filter((p) => p.at >= since);
  }

  async waitPackets(k, n, { timeoutMs = 5000, since = 0 } = {}) {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if (this.packets(k, since).length >= n) return this.packets(k, since);
      await sleep(25);
    }
    throw new Error(`slot ${k}: fewer than ${n} RTP packets in ${timeoutMs} ms (got ${this.packets(k, since).length})`);
  }

  async close() {
    try { await this.pc.close(); } catch (e) { if (process.env.MS_DEBUG_HANDLES) console.log('PC CLOSE ERROR', e); }
  }
}

// ---------------------------------------------------------------------------
// Flow helpers

/** WS connect + create + attach. */
export async function openHandle(janus, { plugin = MS_PLUGIN, keepaliveMs = 4000, log = null, token = null } = {}) {
  const c = new JanusClient(janus.wsUrl, { keepaliveMs, log, token });
  await c.connect();
  await c.createSession();
  await c.attach(plugin);
  return c;
}

/**
 * Full multistream setup: init(slots) -> ready, werift offer -> answer,
 * setRemoteDescription, trickle, wait until connected.
 * slots: [{slot, stream, quality?}]; extra: more init value fields (e.g.
 * token); token: Janus's own token (token_auth).
 */
export async function connectMultistream(janus, slots, { log = null, connect = true, extra = {}, token = null, codecs = null, audio = false } = {}) {
  const client = await openHandle(janus, { log, token });
  const ready = await client.request('multistream/init', { slots, ...(audio ? { audio: true } : {}), ...extra });
  if (ready.data.type !== 'multistream/ready') {
    client.drop();
    throw new Error(`init failed: ${JSON.stringify(ready.data)}`);
  }
  const peer = new MsPeer(slots.length, { codecs, audio });
  const offer = await peer.createOffer();
  const answer = await client.request('multistream/offer', {}, { jsep: offer, timeoutMs: 10000 });
  if (answer.data.type !== 'multistream/answer' || !answer.jsep) {
    throw new Error(`offer failed: ${JSON.stringify(answer.data)} jsep=${!!answer.jsep}`);
  }
  await peer.setAnswer(answer.jsep);
  for (const c of peer.localCandidates) await client.trickle(c);
  await client.trickle(null);
  if (connect) await peer.waitConnected(10000);
  return { client, peer, ready, answer, offer };
}

// ---------------------------------------------------------------------------
// Admin API over WebSocket

export class AdminClient {
  constructor(url, secret) {
    this.url = url;
    this.secret = secret;
    this.pending = new Map();
  }

  async connect() {
    this.ws = new WebSocket(this.url, 'janus-admin-protocol');
    this.ws.on('message', (d) => {
      let m;
      try { m = JSON.parse(d.toString()); } catch { return; }
      const p = this.pending.get(m.transaction);
      if (!p) return;
      this.pending.delete(m.transaction);
      if (m.janus === 'error') {
        const e = new Error(`admin error ${m.error?.code}: ${m.error?.reason}`);
        e.janus = m;
        p.reject(e);
      } else p.resolve(m);
    });
    await withTimeout(new Promise((res, rej) => { this.ws.once('open', res); this.ws.once('error', rej); }), 5000, 'admin ws connect');
    this.ws.on('error', () => {});
    return this;
  }

  request(obj, timeoutMs = 5000) {
    const transaction = tx();
    const p = new Promise((resolve, reject) => this.pending.set(transaction, { resolve, reject }));
    this.ws.send(JSON.stringify({ ...obj, transaction, admin_secret: this.secret }));
    return withTimeout(p, timeoutMs, `admin ${obj.janus}`);
  }

  async messagePlugin(request, plugin = MS_PLUGIN) {
    const r = await this.request({ janus: 'message_plugin', plugin, request });
    return r.response;
  }

  /** Our plugin's {"request":"status"} answer. */
  status() {
    return this.messagePlugin({ request: 'status' });
  }

  async listSessions() {
    return (await this.request({ janus: 'list_sessions' })).sessions || [];
  }

  async listHandles(sessionId) {
    return (await this.request({ janus: 'list_handles', session_id: sessionId })).handles || [];
  }

  async handleInfo(sessionId, handleId) {
    return (await this.request({ janus: 'handle_info', session_id: sessionId, handle_id: handleId })).info;
  }

  close() {
    try { this.ws.close(); } catch { /* ignore */ }
  }
}

export { withTimeout, sleep };
