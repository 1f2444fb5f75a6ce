// bench/soak/worker.mjs: one worker process of the soak, holding several
// werift clients (forked by soak.mjs, driven over IPC). Each client: Janus
// session + multistream handle, a werift PeerConnection with 9 recvonly
// slots, online RTP checks per slot (no payloads kept, except a bounded
// capture on sampled slots), a switch of a random slot every SWITCH_MS, and
// request/reply accounting by request_id. Leaves in three ways: clean
// (multistream/close + detach + destroy), drop (WebSocket terminated), vanish
// (PeerConnection closed silently, keepalives stopped, socket no longer read).
import dgram from 'node:dgram';
import { JanusClient, RTCPeerConnection, h264Codec, useSdesMid } from './deps.mjs';

// The clients' UDP sockets (werift's, one per PeerConnection) get a 4 MB
// receive buffer instead of the kernel's 208 KB default: a worker process
// holds a dozen PeerConnections on a shared 2-core box, and a GC pause or a
// busy event loop during GOP replay bursts would otherwise overflow the
// socket, a loss on the client's side that says nothing about the plugin.
// (The kernel caps it at net.core.rmem_max; browsers size theirs too.)
const RCVBUF = Number(process.env.SOAK_CLIENT_RCVBUF) || 4 * 1024 * 1024;
const createSocket = dgram.createSocket;
dgram.createSocket = function (type, listener) {
  const opts = typeof type === 'string' ? { type } : { ...type };
  if (opts.recvBufferSize === undefined) opts.recvBufferSize = RCVBUF;
  return createSocket.call(this, opts, listener);
};
import { seqDiff, tsDiff, frameNumViolations } from '../../tests/lib/h264.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let cfg = null; // from the parent: { wsUrl, live, dead, unknown, switchMs, pDead, pUnknown, replyTimeoutMs }
const clients = new Map(); // id -> Client
const vanished = []; // JanusClient sockets left open on purpose
const uncaught = [];
process.on('uncaughtException', (e) => { uncaught.push(String(e?.stack || e).slice(0, 400)); });
process.on('unhandledRejection', (e) => { uncaught.push(`rejection: ${String(e?.stack || e).slice(0, 400)}`); });

// Request accounting, summed over every client this worker ever had.
const acct = {
  sent: {}, // type -> n
  replies: {}, // reply type -> n
  errors: {}, // code -> n
  errorsByReq: {}, // `${type}:${code}` -> n
  unanswered: {}, // type -> n (no reply within replyTimeoutMs while the client was up)
  aborted: 0, // pending when the client left on purpose
  lateReplies: 0, // reply after its timeout had fired
  janusErrors: {}, // Janus-level error code on a message -> n
  replyMs: [], // sample of reply latencies (ms)
  unsolicited: {}, // type/status -> n
  disconnected: {}, // reason -> n (multistream/disconnected received)
  janusEvents: {}, // webrtcup, hangup, timeout, detached, ...
  joins: 0, joinFailures: [], leaves: {},
};
const inc = (o, k, n = 1) => { o[k] = (o[k] || 0) + n; };

class SlotStats {
  constructor() {
    this.packets = 0; this.bytes = 0;
    this.highest = null; this.lastTs = null; this.ssrc = null;
    this.gaps = 0; this.recovered = 0; this.repeats = 0; this.tsBack = 0; this.ssrcChanges = 0;
    this.missing = new Map(); // seq -> gap event (for NACK recovery accounting)
    this.gapEvents = []; // first gaps with context: when, how many, time since the last switch
    this.upAt = Date.now();
    this.lastSwitchAt = 0;
    this.capture = null; // [{seq, ts, marker, payload}] when sampled
    this.captureMax = 0;
  }

  onRtp(h, payload) {
    this.packets++;
    this.bytes += payload.length;
    const seq = h.sequenceNumber, ts = h.timestamp >>> 0, ssrc = h.ssrc >>> 0;
    if (this.ssrc !== null && ssrc !== this.ssrc) this.ssrcChanges++;
    this.ssrc = ssrc;
    if (this.capture && this.capture.length < this.captureMax) {
      this.capture.push({ seq, ts, marker: h.marker, payload: Buffer.from(payload) });
    }
    if (this.highest === null) { this.highest = seq; this.lastTs = ts; return; }
    const d = seqDiff(this.highest, seq);
    if (d === 1) {
      if (tsDiff(this.lastTs, ts) < 0) this.tsBack++;
      this.highest = seq; this.lastTs = ts;
    } else if (d > 1) {
      this.gaps += d - 1;
      const now = Date.now();
      const ev = { tMs: now - this.upAt, seq: (this.highest + 1) & 0xffff, n: d - 1, recovered: 0,
        sinceSwitchMs: this.lastSwitchAt ? now - this.lastSwitchAt : null, packetsBefore: this.packets - 1 };
      if (this.gapEvents.length < 50) this.gapEvents.push(ev);
      if (this.missing.size < 4096) for (let s = 1; s < d; s++) this.missing.set((this.highest + s) & 0xffff, ev);
      if (tsDiff(this.lastTs, ts) < 0) this.tsBack++;
      this.highest = seq; this.lastTs = ts;
    } else if (this.missing.has(seq)) {
      this.missing.get(seq).recovered++;
      this.missing.delete(seq); this.recovered++; // a NACK retransmission filled a gap
    } else {
      this.repeats++;
    }
  }

  summary() {
    return {
      packets: this.packets, bytes: this.bytes, gaps: this.gaps, recovered: this.recovered,
      lost: this.gaps - this.recovered, repeats: this.repeats, tsBack: this.tsBack, ssrcChanges: this.ssrcChanges,
      unrecovered: this.gapEvents.filter((e) => e.recovered < e.n),
    };
  }
}

class Client {
  constructor(id, opts) {
    this.id = id;
    this.opts = opts; // { slots, capture: {slots:[k], max}, stayer, switching }
    this.janus = null; this.pc = null;
    this.slots = [];
    this.pending = new Map(); // request_id -> { type, at, timer }
    this.ridN = 0;
    this.state = 'joining';
    this.switching = opts.switching !== false;
    this.current = []; // stream asked per slot
  }

  rid(type) { return `${this.id}-${type.split('/')[1]}-${++this.ridN}`; }

  onPluginEvent(ev) {
    const d = ev.data || {};
    const id = d.value?.request_id;
    if (id !== undefined && id !== null) {
      const p = this.pending.get(id);
      if (p) {
        this.pending.delete(id);
        clearTimeout(p.timer);
        if (acct.replyMs.length < 20000) acct.replyMs.push(Date.now() - p.at);
        inc(acct.replies, d.type);
        if (d.type === 'multistream/error') {
          inc(acct.errors, d.value.code);
          inc(acct.errorsByReq, `${p.type}:${d.value.code}`);
        }
        p.resolve?.(ev);
      } else if (String(id).startsWith(`${this.id}-`)) {
        acct.lateReplies++;
      }
      return;
    }
    if (d.type === 'multistream/disconnected') inc(acct.disconnected, d.value?.reason);
    else if (d.type === 'multistream/status') inc(acct.unsolicited, `status:${d.value?.status?.status}`);
    else inc(acct.unsolicited, d.type || 'unknown');
  }

  /** Send a multistream request; resolves with the reply event (or null on timeout/abort). */
  send(type, value = {}, jsep = null) {
    const request_id = this.rid(type);
    inc(acct.sent, type);
    return new Promise((resolve) => {
      const rec = { type, at: Date.now(), resolve };
      rec.timer = setTimeout(() => {
        if (!this.pending.has(request_id)) return;
        this.pending.delete(request_id);
        if (this.state === 'up' || this.state === 'joining') inc(acct.unanswered, type);
        else acct.aborted++;
        resolve(null);
      }, cfg.replyTimeoutMs);
      this.pending.set(request_id, rec);
      try {
        const { ack } = this.janus.sendMessage({ type, value: { request_id, ...value } }, jsep);
        ack.then((m) => { if (m?.janus === 'error') inc(acct.janusErrors, m.error?.code); })
          .catch((e) => { if (e.janus) inc(acct.janusErrors, e.janus.error?.code); });
      } catch (e) {
        this.pending.delete(request_id); clearTimeout(rec.timer); acct.aborted++; resolve(null);
      }
    });
  }

  abortPending() {
    for (const p of this.pending.values()) { clearTimeout(p.timer); acct.aborted++; p.resolve?.(null); }
    this.pending.clear();
  }

  async join() {
    const t0 = Date.now();
    const n = this.opts.slots;
    const c = new JanusClient(cfg.wsUrl, { keepaliveMs: cfg.keepaliveMs });
    this.janus = c;
    // Lean event handling: route plugin events to us, keep no history.
    const orig = c._onMessage.bind(c);
    c._onMessage = (d) => {
      orig(d);
      if (c.events.length) { const evs = c.events.splice(0); for (const e of evs) this.onPluginEvent(e); }
      if (c.janusEvents.length) { for (const e of c.janusEvents.splice(0)) inc(acct.janusEvents, e.janus); }
    };
    await c.connect();
    await c.createSession();
    await c.attach();
    const slots = [];
    for (let k = 0; k < n; k++) {
      const stream = cfg.live[(this.id + k) % cfg.live.length];
      slots.push({ slot: k, stream });
      this.current[k] = stream;
    }
    const ready = await this.send('multistream/init', { slots });
    if (ready?.data?.type !== 'multistream/ready') throw new Error(`init: ${JSON.stringify(ready?.data)}`);
    this.pc = new RTCPeerConnection({
      iceServers: [], iceUseIpv6: false,
      iceAdditionalHostAddresses: [process.env.MS_ICE_IP || '127.0.0.2'],
      codecs: { video: [h264Codec()], audio: [] },
      headerExtensions: { video: [useSdesMid()], audio: [] },
    });
    const cands = [];
    this.pc.onIceCandidate.subscribe((x) => { if (x) cands.push(x); });
    for (let k = 0; k < n; k++) {
      const st = new SlotStats();
      if (this.opts.capture?.slots?.includes(k)) { st.capture = []; st.captureMax = this.opts.capture.max; }
      this.slots.push(st);
      const t = this.pc.addTransceiver('video', { direction: 'recvonly' });
      t.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p) => st.onRtp(p.header, p.payload)));
    }
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const g0 = Date.now();
    while (this.pc.iceGatheringState !== 'complete' && Date.now() - g0 < 5000) await sleep(20);
    const answer = await this.send('multistream/offer', {}, { type: 'offer', sdp: this.pc.localDescription.sdp });
    if (answer?.data?.type !== 'multistream/answer' || !answer.jsep) throw new Error(`offer: ${JSON.stringify(answer?.data)}`);
    await this.pc.setRemoteDescription({ type: answer.jsep.type, sdp: answer.jsep.sdp });
    for (const x of cands) await c.trickle(x);
    await c.trickle(null);
    await new Promise((resolve, reject) => {
      if (this.pc.connectionState === 'connected') return resolve();
      const timer = setTimeout(() => reject(new Error(`not connected after 15 s (${this.pc.connectionState})`)), 15000);
      this.pc.connectionStateChange.subscribe((s) => {
        if (s === 'connected') { clearTimeout(timer); resolve(); }
        if (s === 'failed' || s === 'closed') { clearTimeout(timer); reject(new Error(`pc ${s}`)); }
      });
    });
    this.state = 'up';
    this.setupMs = Date.now() - t0;
    this.startSwitching();
    return { sessionId: c.sessionId, handleId: c.handleId, setupMs: this.setupMs };
  }

  startSwitching() {
    if (!cfg.switchMs) return;
    const phase = Math.floor(Math.random() * cfg.switchMs);
    this.switchStart = setTimeout(() => {
      this.switchTimer = setInterval(() => this.switchOnce(), cfg.switchMs);
    }, phase);
  }

  stopSwitching() {
    clearTimeout(this.switchStart);
    clearInterval(this.switchTimer);
    this.switchTimer = null;
  }

  switchOnce() {
    if (this.state !== 'up' || !this.switching) return;
    let k = Math.floor(Math.random() * this.opts.slots);
    if (cfg.slotGapMs) {
      // Workaround mode: never switch a slot switched less than slotGapMs ago.
      const now = Date.now();
      const ok = [];
      for (let j = 0; j < this.opts.slots; j++) if (now - this.slots[j].lastSwitchAt >= cfg.slotGapMs) ok.push(j);
      if (!ok.length) return;
      k = ok[Math.floor(Math.random() * ok.length)];
    }
    const r = Math.random();
    let stream;
    if (r < cfg.pUnknown) stream = cfg.unknown[Math.floor(Math.random() * cfg.unknown.length)];
    else if (r < cfg.pUnknown + cfg.pDead) stream = cfg.dead[Math.floor(Math.random() * cfg.dead.length)];
    else stream = cfg.live[Math.floor(Math.random() * cfg.live.length)];
    if (!cfg.unknown.includes(stream)) this.current[k] = stream;
    this.slots[k].lastSwitchAt = Date.now();
    this.send('multistream/switch', { slot: k, stream });
  }

  /** Put every slot on a live camera (the end of the soak). */
  async finalSwitch() {
    const jobs = [];
    for (let k = 0; k < this.opts.slots; k++) {
      const stream = cfg.live[(this.id + k) % cfg.live.length];
      this.current[k] = stream;
      this.slots[k].lastSwitchAt = Date.now();
      jobs.push(this.send('multistream/switch', { slot: k, stream }));
    }
    return Promise.all(jobs);
  }

  async leave(mode) {
    this.stopSwitching();
    const c = this.janus;
    if (mode === 'clean') {
      this.state = 'closing';
      const r = await this.send('multistream/close');
      this.closeReply = r?.data?.type;
      this.abortPending();
      try { await this.pc?.close(); } catch { /* ignore */ }
      await c.detach();
      await c.destroy();
      try { c.ws.close(); } catch { /* ignore */ }
    } else if (mode === 'drop') {
      this.state = 'dropped';
      this.abortPending();
      c.drop();
      await sleep(300);
      try { await this.pc?.close(); } catch { /* ignore */ }
    } else if (mode === 'vanish') {
      this.state = 'vanished';
      this.abortPending();
      clearInterval(c._ka); // no keepalives: Janus's session_timeout reclaims the session
      try { c.ws.pause(); } catch { /* ignore */ } // stop reading
      try { await this.pc?.close(); } catch { /* ignore */ } // werift sends no DTLS alert, no RTCP bye
      vanished.push(c);
      // Like a vanished browser's TCP connection that finally times out: drop
      // the socket well after Janus's session_timeout reclaimed the session.
      setTimeout(() => { const i = vanished.indexOf(c); if (i >= 0) { vanished.splice(i, 1); try { c.ws.terminate(); } catch { /* ignore */ } } }, cfg.vanishDropMs || 40000).unref?.();
    }
    inc(acct.leaves, mode);
  }

  summary() {
    return {
      id: this.id, state: this.state, sessionId: this.janus?.sessionId, handleId: this.janus?.handleId,
      stayer: !!this.opts.stayer, current: this.current, slots: this.slots.map((s) => s.summary()),
      pcState: this.pc?.connectionState,
    };
  }

  counts() { return this.slots.map((s) => s.packets); }
}

function totals() {
  const t = { packets: 0, bytes: 0, gaps: 0, recovered: 0, repeats: 0, tsBack: 0, ssrcChanges: 0 };
  for (const c of clients.values()) for (const s of c.slots) {
    t.packets += s.packets; t.bytes += s.bytes; t.gaps += s.gaps; t.recovered += s.recovered;
    t.repeats += s.repeats; t.tsBack += s.tsBack; t.ssrcChanges += s.ssrcChanges;
  }
  return t;
}

// Totals of clients that already left, so that per-run figures include them.
const gone = { packets: 0, bytes: 0, gaps: 0, recovered: 0, repeats: 0, tsBack: 0, ssrcChanges: 0 };
function retire(c) {
  for (const s of c.slots) {
    // Gaps in the last ~second of a leaving client are the leave itself, not
    // relay loss: only slots of clients that were 'up' count (they are all).
    gone.packets += s.packets; gone.bytes += s.bytes; gone.gaps += s.gaps; gone.recovered += s.recovered;
    gone.repeats += s.repeats; gone.tsBack += s.tsBack; gone.ssrcChanges += s.ssrcChanges;
  }
}

async function handle(msg) {
  switch (msg.cmd) {
    case 'config':
      cfg = msg.cfg;
      return { ok: true };
    case 'join': {
      const c = new Client(msg.id, msg.opts);
      clients.set(msg.id, c);
      try {
        const r = await c.join();
        acct.joins++;
        return { ok: true, ...r };
      } catch (e) {
        acct.joinFailures.push(`${msg.id}: ${String(e.message || e).slice(0, 300)}`);
        clients.delete(msg.id);
        c.stopSwitching(); c.abortPending();
        try { await c.pc?.close(); } catch { /* ignore */ }
        try { c.janus?.drop(); } catch { /* ignore */ }
        return { ok: false, error: String(e.message || e).slice(0, 300) };
      }
    }
    case 'leave': {
      const c = clients.get(msg.id);
      if (!c) return { ok: false, error: 'no such client' };
      await c.leave(msg.mode);
      clients.delete(msg.id);
      retire(c);
      return { ok: true, closeReply: c.closeReply };
    }
    case 'stopSwitching':
      for (const c of clients.values()) c.stopSwitching();
      return { ok: true };
    case 'finalSwitch': {
      const res = await Promise.all([...clients.values()].map((c) => c.finalSwitch()));
      const types = {};
      for (const r of res.flat()) inc(types, r?.data?.value?.status?.status || r?.data?.type || 'no reply');
      return { ok: true, types };
    }
    case 'counts': {
      const out = {};
      for (const [id, c] of clients) out[id] = c.counts();
      return { ok: true, at: Date.now(), counts: out, totals: totals() };
    }
    case 'summary':
      return {
        ok: true, clients: [...clients.values()].map((c) => c.summary()),
        totals: totals(), gone, acct: { ...acct, replyMs: undefined }, replyMs: acct.replyMs,
        pendingNow: [...clients.values()].reduce((n, c) => n + c.pending.size, 0),
        vanishedOpen: vanished.length, uncaught: uncaught.slice(0, 20), uncaughtCount: uncaught.length,
      };
    case 'captures': {
      const out = [];
      for (const c of clients.values()) c.slots.forEach((s, k) => {
        if (!s.capture) return;
        // Arrival order includes NACK retransmissions: analyse in sequence order.
        let ext = null, prev = null;
        const byExt = new Map();
        let dups = 0, dupsDiffer = 0; // a same-seq packet with other content would be a rewrite bug
        for (const p of s.capture) {
          ext = ext === null ? p.seq : ext + seqDiff(prev, p.seq);
          prev = p.seq;
          if (byExt.has(ext)) { dups++; if (!byExt.get(ext).payload.equals(p.payload) || byExt.get(ext).ts !== p.ts) dupsDiffer++; } else byExt.set(ext, p);
        }
        const keys = [...byExt.keys()].sort((x, y) => x - y);
        const pk = keys.map((k2) => byExt.get(k2));
        let missing = 0, tsBad = 0;
        for (let i = 1; i < keys.length; i++) {
          missing += keys[i] - keys[i - 1] - 1;
          if (tsDiff(pk[i - 1].ts, pk[i].ts) < 0) tsBad++;
        }
        const seqBad = dups;
        // frame_num chain per stretch without missing packets (each stretch
        // is checked from its first IDR on).
        let fn = [];
        let from = 0;
        for (let i = 1; i <= keys.length; i++) {
          if (i === keys.length || keys[i] - keys[i - 1] !== 1) {
            try { fn = fn.concat(frameNumViolations(pk.slice(from, i))); } catch (e) { fn.push(`check failed: ${e.message}`); }
            from = i;
          }
        }
        out.push({ client: c.id, slot: k, packets: pk.length, duplicates: seqBad, duplicatesDiffering: dupsDiffer, missing, tsBackwards: tsBad, 
          frameNumViolations: fn.length, firstViolations: fn.slice(0, 3) });
      });
      return { ok: true, captures: out };
    }
    case 'closeAll': {
      const ids = [...clients.keys()];
      const res = await Promise.all(ids.map(async (id) => {
        const c = clients.get(id);
        await c.leave('clean');
        clients.delete(id);
        retire(c);
        return c.closeReply;
      }));
      const types = {};
      for (const r of res) inc(types, r || 'no reply');
      return { ok: true, closed: ids.length, types };
    }
    case 'dropVanished': {
      for (const c of vanished.splice(0)) { try { c.ws.terminate(); } catch { /* ignore */ } }
      return { ok: true };
    }
    case 'exit':
      setTimeout(() => process.exit(0), 50);
      return { ok: true };
    default:
      return { ok: false, error: `unknown cmd ${msg.cmd}` };
  }
}

process.on('message', async (msg) => {
  let res;
  try { res = await handle(msg); } catch (e) { res = { ok: false, error: String(e?.stack || e).slice(0, 500) }; }
  process.send({ seq: msg.seq, ...res });
});
process.on('disconnect', () => process.exit(0));
