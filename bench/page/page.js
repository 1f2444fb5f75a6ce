// bench/page/page.js: the bench's camera wall, identical measurement code for
// our plugin (one PeerConnection, N slots) and the stock streaming plugin (one
// PeerConnection per camera). Config: window.BENCH_CFG (set by the bench
// before the page runs):
//   { mode: 'ours'|'stock', ws, slots: [{cam, stream, id}], palette: [[r,g,b]...],
//     hdCams: [camIndex...] (recognised by frame width >= 1000, not colour) }
// Every presented frame of every slot (requestVideoFrameCallback) is drawn to
// a small canvas and classified by the colour of 4 sample points (away from
// the camera's text label). All times are performance.now() (ms since page
// start = navigation start).
(() => {
  'use strict';
  const cfg = window.BENCH_CFG;
  const N = cfg.slots.length;
  const B = window.bench = {
    cfg, error: null, log: [],
    frames: [], // per slot: [{now, t, recv, rtp, w, h, c}]
    firstShown: new Array(N).fill(null), // per slot: time of first frame of the expected camera
    current: cfg.slots.map((s) => s.cam), // camera each slot is meant to show
    events: [], // per slot: [{t, what}]
    allShowingAt: null,
    connectedAt: null,
  };
  const log = (s) => { B.log.push(`${performance.now().toFixed(1)} ${s}`); };
  window.addEventListener('error', (e) => { B.error = String(e.message); });
  window.addEventListener('unhandledrejection', (e) => { B.error = String(e.reason && e.reason.message || e.reason); });

  // ------------------------------------------------------------------ colour
  const PTS = [[0.5, 0.5], [0.25, 0.75], [0.75, 0.75], [0.75, 0.35]];
  const CW = 64, CH = 48;
  const hd = new Set(cfg.hdCams || []);
  function classify(d, w) {
    if (w >= 1000 && hd.size) return [...hd][0];
    let cls = null;
    for (const [fx, fy] of PTS) {
      const i = (Math.floor(fy * CH) * CW + Math.floor(fx * CW)) * 4;
      const r = d[i], g = d[i + 1], b = d[i + 2];
      let best = -1, bd = 1e9;
      cfg.palette.forEach(([pr, pg, pb], k) => {
        const dd = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
        if (dd < bd) { bd = dd; best = k; }
      });
      const c = bd <= 60 * 60 ? best : -1;
      if (cls === null) cls = c;
      else if (cls !== c) return -2; // points disagree: a mixed picture
    }
    return cls;
  }

  const wall = document.getElementById('wall');
  const videos = [];
  for (let k = 0; k < N; k++) {
    B.frames.push([]);
    B.events.push([]);
    const v = document.createElement('video');
    v.muted = true; v.autoplay = true; v.playsInline = true;
    wall.appendChild(v);
    videos.push(v);
    const cv = document.createElement('canvas');
    cv.width = CW; cv.height = CH;
    const ctx = cv.getContext('2d', { willReadFrequently: true });
    const cb = (now, md) => {
      let c = -1;
      try {
        ctx.drawImage(v, 0, 0, CW, CH);
        c = classify(ctx.getImageData(0, 0, CW, CH).data, md.width);
      } catch (e) { c = -3; }
      const t = md.presentationTime || now;
      B.frames[k].push({ now, t, recv: md.receiveTime || 0, rtp: md.rtpTimestamp, w: md.width, h: md.height, c });
      if (B.firstShown[k] === null && c === B.current[k]) {
        B.firstShown[k] = t;
        if (B.firstShown.every((x) => x !== null)) B.allShowingAt = Math.max(...B.firstShown);
      }
      v.requestVideoFrameCallback(cb);
    };
    v.requestVideoFrameCallback(cb);
  }

  // --------------------------------------------------------- Janus over WS
  class JanusWs {
    constructor(url) { this.url = url; this.n = 0; this.pending = new Map(); this.handlers = new Map(); }
    open() {
      return new Promise((res, rej) => {
        this.ws = new WebSocket(this.url, 'janus-protocol');
        this.ws.onopen = res;
        this.ws.onerror = () => rej(new Error('ws error'));
        this.ws.onmessage = (e) => this.onMessage(JSON.parse(e.data));
      });
    }
    onMessage(m) {
      const p = m.transaction && this.pending.get(m.transaction);
      if (p && m.janus !== 'ack' && m.janus !== 'event') {
        this.pending.delete(m.transaction);
        if (m.janus === 'error') p.rej(new Error(`janus error ${m.error && m.error.reason}`)); else p.res(m);
      }
      if (m.sender && this.handlers.has(m.sender)) this.handlers.get(m.sender)(m);
    }
    send(o) {
      o.transaction = `t${++this.n}`;
      if (this.session) o.session_id = this.session;
      this.ws.send(JSON.stringify(o));
      return o.transaction;
    }
    req(o) { return new Promise((res, rej) => this.pending.set(this.send(o), { res, rej })); }
    async create() {
      this.session = (await this.req({ janus: 'create' })).data.id;
      setInterval(() => this.send({ janus: 'keepalive' }), 15000);
    }
    async attach(plugin, onEvent) {
      const h = (await this.req({ janus: 'attach', plugin })).data.id;
      this.handlers.set(h, onEvent);
      return h;
    }
    message(h, body, jsep) {
      const o = { janus: 'message', handle_id: h, body };
      if (jsep) o.jsep = jsep;
      this.send(o);
    }
    trickle(h, c) {
      this.send({ janus: 'trickle', handle_id: h, candidate: c ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : { completed: true } });
    }
  }

  function h264First(kind) {
    const caps = RTCRtpReceiver.getCapabilities(kind);
    const h = caps.codecs.filter((c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine || '') && /profile-level-id=42e01f/.test(c.sdpFmtpLine || ''));
    const rest = caps.codecs.filter((c) => /rtx|red|ulpfec/i.test(c.mimeType));
    return [...h, ...rest];
  }

  const janus = new JanusWs(cfg.ws);
  let pcs = []; // PeerConnections (ours: 1; stock: N)
  let receivers = []; // per slot: RTCRtpReceiver
  let handles = []; // stock: per slot handle; ours: [handle]
  let rid = 0;

  async function startOurs() {
    let onEv = null;
    const h = await janus.attach('janus.plugin.multistream', (m) => onEv && onEv(m));
    handles = [h];
    const waiters = [];
    onEv = (m) => {
      const d = m.plugindata && m.plugindata.data;
      if (!d) return;
      if (d.type === 'multistream/status') {
        const st = d.value && d.value.status;
        if (st) B.events[d.value.slot] && B.events[d.value.slot].push({ t: performance.now(), what: st.status, stream: st.stream });
      }
      for (const w of [...waiters]) if (w.pred(d, m)) { waiters.splice(waiters.indexOf(w), 1); w.res(m); }
    };
    const wait = (pred) => new Promise((res) => waiters.push({ pred, res }));
    const id1 = `init-${++rid}`;
    const p1 = wait((d) => d.value && d.value.request_id === id1);
    janus.message(h, { type: 'multistream/init', value: { request_id: id1, slots: cfg.slots.map((s, k) => ({ slot: k, stream: s.stream })) } });
    const r1 = await p1;
    if (r1.plugindata.data.type !== 'multistream/ready') throw new Error(`init: ${JSON.stringify(r1.plugindata.data)}`);
    const pc = new RTCPeerConnection({ iceServers: [] });
    pcs = [pc];
    pc.onicecandidate = (e) => janus.trickle(h, e.candidate);
    pc.onconnectionstatechange = () => { if (pc.connectionState === 'connected' && B.connectedAt === null) B.connectedAt = performance.now(); };
    const trs = [];
    for (let k = 0; k < N; k++) {
      const t = pc.addTransceiver('video', { direction: 'recvonly' });
      try { t.setCodecPreferences(h264First('video')); } catch (e) { log(`codec prefs: ${e.message}`); }
      trs.push(t);
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const id2 = `offer-${++rid}`;
    const p2 = wait((d) => d.value && d.value.request_id === id2);
    janus.message(h, { type: 'multistream/offer', value: { request_id: id2 } }, { type: 'offer', sdp: pc.localDescription.sdp });
    const r2 = await p2;
    if (!r2.jsep) throw new Error(`offer: ${JSON.stringify(r2.plugindata.data)}`);
    await pc.setRemoteDescription(r2.jsep);
    const slots = r2.plugindata.data.value.slots || [];
    for (let k = 0; k < N; k++) {
      const a = slots.find((s) => s.slot === k);
      const tr = (a && a.mid !== undefined ? trs.find((t) => t.mid === String(a.mid)) : null) || trs[k];
      receivers[k] = tr.receiver;
      videos[k].srcObject = new MediaStream([tr.receiver.track]);
      videos[k].play().catch(() => {});
    }
  }

  async function startStock() {
    pcs = new Array(N);
    handles = new Array(N);
    await Promise.all(cfg.slots.map(async (s, k) => {
      let pc = null;
      const h = await janus.attach('janus.plugin.streaming', async (m) => {
        const d = m.plugindata && m.plugindata.data;
        if (d && d.result) B.events[k].push({ t: performance.now(), what: JSON.stringify(d.result).slice(0, 80) });
        if (m.jsep && m.jsep.type === 'offer') {
          pc = new RTCPeerConnection({ iceServers: [] });
          pcs[k] = pc;
          pc.onicecandidate = (e) => janus.trickle(h, e.candidate);
          pc.ontrack = (e) => {
            receivers[k] = e.receiver;
            videos[k].srcObject = new MediaStream([e.track]);
            videos[k].play().catch(() => {});
          };
          await pc.setRemoteDescription(m.jsep);
          const ans = await pc.createAnswer();
          await pc.setLocalDescription(ans);
          janus.message(h, { request: 'start' }, { type: 'answer', sdp: pc.localDescription.sdp });
        }
      });
      handles[k] = h;
      janus.message(h, { request: 'watch', id: s.id });
    }));
  }

  B.start = (async () => {
    try {
      await janus.open();
      await janus.create();
      if (cfg.mode === 'ours') await startOurs(); else await startStock();
      log('started');
    } catch (e) { B.error = String(e.message || e); }
  })();

  // ------------------------------------------------------------ switching
  /** Fire switches now: list = [{slot, cam}]. Returns the request time. */
  B.fire = (list) => {
    const tReq = performance.now();
    for (const { slot, cam } of list) {
      const s = cfg.camInfo[cam];
      if (cfg.mode === 'ours') {
        janus.message(handles[0], { type: 'multistream/switch', value: { request_id: `sw-${++rid}`, slot, stream: s.stream } });
      } else {
        janus.message(handles[slot], { request: 'switch', id: s.id });
      }
    }
    B.pendingSwitch = { tReq, list: list.map(({ slot, cam }) => ({ slot, cam, from: B.current[slot] })) };
    for (const { slot, cam } of list) B.current[slot] = cam;
    return { tReq, epoch: performance.timeOrigin + tReq };
  };

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  /** Wait until every switched slot presented its new camera (or timeout), then
   * settleMs more; per slot: latency, frames of neither camera, frames of the
   * old camera after the new one appeared, server status times. */
  B.collect = async (timeoutMs, settleMs) => {
    const sw = B.pendingSwitch;
    const { tReq } = sw;
    const firstNew = (slot, cam) => B.frames[slot].find((f) => f.now >= tReq && f.c === cam);
    const deadline = tReq + timeoutMs;
    while (performance.now() < deadline && !sw.list.every(({ slot, cam }) => firstNew(slot, cam))) await sleep(5);
    await sleep(settleMs);
    const tEnd = performance.now();
    return sw.list.map(({ slot, cam, from }) => {
      const fr = B.frames[slot].filter((f) => f.now >= tReq && f.now <= tEnd);
      const first = firstNew(slot, cam);
      const tFirst = first ? first.t : null;
      const neither = fr.filter((f) => f.c !== cam && f.c !== from).length;
      const oldAfter = first ? fr.filter((f) => f.now > first.now && f.c === from).length : 0;
      const act = B.events[slot].find((e) => e.t >= tReq && (e.what === 'active' || /switched/.test(e.what)));
      const rd = fr.filter((f) => f.recv > 0).map((f) => f.t - f.recv);
      return {
        slot, cam, from,
        latency: tFirst !== null ? tFirst - tReq : null,
        latencyCb: first ? first.now - tReq : null,
        serverAck: act ? act.t - tReq : null,
        frames: fr.length, neither, oldAfter,
        neitherColours: [...new Set(fr.filter((f) => f.c !== cam && f.c !== from).map((f) => f.c))],
        renderDelay: rd.length ? rd.reduce((a, b) => a + b, 0) / rd.length : null,
        w: first ? first.w : null,
      };
    });
  };

  /** Inbound video stats per slot. */
  B.stats = async () => {
    const out = [];
    for (let k = 0; k < N; k++) {
      const r = receivers[k];
      let s = null;
      if (r) {
        const rep = await r.getStats();
        rep.forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'video') s = x; });
      }
      out.push(s && {
        freezeCount: s.freezeCount || 0, totalFreezesDuration: s.totalFreezesDuration || 0,
        framesDropped: s.framesDropped || 0, framesDecoded: s.framesDecoded || 0, framesReceived: s.framesReceived || 0,
        keyFramesDecoded: s.keyFramesDecoded || 0,
        jitterBufferDelay: s.jitterBufferDelay || 0, jitterBufferEmittedCount: s.jitterBufferEmittedCount || 0,
        totalProcessingDelay: s.totalProcessingDelay || 0, totalDecodeTime: s.totalDecodeTime || 0,
        pliCount: s.pliCount || 0, nackCount: s.nackCount || 0, firCount: s.firCount || 0,
        packetsLost: s.packetsLost || 0, packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0,
        framesPerSecond: s.framesPerSecond || 0,
      });
    }
    return out;
  };

  /** Per slot mean (presentationTime - receiveTime) over frames in [t0, t1]. */
  B.renderDelay = (t0, t1) => B.frames.map((fr) => {
    const rd = fr.filter((f) => f.now >= t0 && f.now <= t1 && f.recv > 0).map((f) => f.t - f.recv);
    return rd.length ? rd.reduce((a, b) => a + b, 0) / rd.length : null;
  });

  B.close = () => {
    for (const pc of pcs) try { pc && pc.close(); } catch (e) { /* ignore */ }
    try { janus.ws.close(); } catch (e) { /* ignore */ }
  };
})();
