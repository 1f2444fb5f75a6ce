// Storm: one steady viewer and, beside it, dozens of abusive clients at once
// for about a minute, against one Janus.
//
// The steady viewer (a werift peer in a worker thread, tests/lib/
// steady-viewer.mjs, so its packet arrival times are not the test's own
// event-loop stalls) watches four slots: two cameras, a transcode of one of
// them, and a protected camera it holds the token of. It sends nothing
// during the storm.
//
// The attackers, each its own WebSocket + Janus session + handle, in
// bounded loops (LANES at once, plus the ones idling in the background),
// do a random mix of: malformed bodies (non-objects, missing/unknown types,
// wrong field types, huge/negative/fractional slots, giant strings, nested
// junk, jsep where none is allowed and none where one is required);
// protocol-order abuse (offer before init, double init/offer, requests
// before init and after close or a disconnect, close twice); request floods
// (50-200 requests without waiting); token guessing against the protected
// camera and its variant; real werift sessions that switch around; half-open
// sessions (init, maybe an offer, never ICE). They leave every way there is:
// multistream/close, Janus hangup, detach, destroy, dropping the WebSocket,
// closing the PeerConnection and then saying nothing, idling until
// setup_timeout.
//
// Checks:
//  1. every plugin request gets exactly one answer (a multistream/* event
//     carrying its request_id, or, when no request_id can be read, one
//     event for its Janus transaction; a Janus-core error for what never
//     reaches the plugin), unless its client left before it could come;
//     Janus does not crash;
//  2. the steady viewer never stalls: largest gap between RTP packets per
//     slot < 1000 ms, continuous sequence numbers (at most MAX_LOST single
//     datagrams lost on the way), one SSRC, its own picture;
//  3. nobody sees the protected camera (or its variant) without the token:
//     no status/answer slot/ready/stream list naming them, no packet of
//     their resolutions at any attacker peer; the viewer keeps its token;
//  4. afterwards Janus is back to the steady viewer alone: sessions,
//     handles, plugin sessions/slots, source consumers, ffmpeg children,
//     open fds;
//  5. half-open sessions are told multistream/disconnected (connection_lost,
//     detail setup_timeout) after setup_timeout; connected ones never are.
//
// Env: MS_STORM_MS (storm length, default 60000), MS_STORM_LANES (default
// 24), MS_STORM_SEED (random mix; printed).
// Run alone: MS_SKIP_SETUP=1 MS_SKIP_UNIT=1 MS_SANITIZE=0 bash tests/run.sh integration/storm.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startJanus, pluginSkipReason, sleep } from '../lib/janus.mjs';
import { startCameras, stopCameras, CAMERA_PRESETS } from '../lib/cameras.mjs';
import { JanusClient, MsPeer, AdminClient } from '../lib/client.mjs';
import { resolutionsIn } from '../lib/fixture.mjs';
import { stopAll, procStat, cmdline, ffmpegChildren } from '../lib/procs.mjs';
import { SteadyViewer } from '../lib/steady-viewer.mjs';

const skip = pluginSkipReason() || false;

const STORM_MS = Number(process.env.MS_STORM_MS) || 60000;
const LANES = Number(process.env.MS_STORM_LANES) || 24;
const MAX_REAL = 3;
const MAX_OPEN = 40;			// attacker WebSockets at once			// real werift attackers at once (CPU: 2 cores)
const SEED = Number(process.env.MS_STORM_SEED) || (Date.now() % 1000000007);

const SESSION_TIMEOUT = 10;		// Janus session_timeout (s)
const SETUP_TIMEOUT = 5;		// plugin setup_timeout (s)
const SOURCE_LINGER = 1;
const MAX_GAP_MS = 1000;
// Packets the steady viewer may miss per slot over the whole run (isolated
// datagrams lost on the loaded loopback, counted as seqLost)
const MAX_LOST = 3;
const FD_MARGIN = 5;

const SECRET = 'vault-7f3a9c2e4b1d8065-Qm2xL9pT4wZr8KdN-storm-secret-c41e0b9a';
const res = (p) => `${p.width}x${p.height}`;
const PRESET_VAULT = CAMERA_PRESETS[6]; // 256x192: no other camera or transcode has it
const CAMS = [
  { name: 'cam1', port: 5604, ...CAMERA_PRESETS[0] },	// 320x240 -> cam1-low 160x120
  { name: 'cam2', port: 5606, ...CAMERA_PRESETS[1] },	// 352x288
  { name: 'cam3', port: 5608, ...CAMERA_PRESETS[2] },	// 384x216
  { name: 'vaultcam', port: 5610, ...PRESET_VAULT },	// 256x192 -> vaultcam-low 128x96
];
const VAULT_RES = res(PRESET_VAULT);
const VAULT_LOW_RES = `${Math.round(PRESET_VAULT.width * 96 / PRESET_VAULT.height)}x96`;
const PROTECTED = new Set(['vaultcam', 'vaultcam-low']);
const PROTECTED_RES = new Set([VAULT_RES, VAULT_LOW_RES]);
const UNPROTECTED = ['cam1', 'cam2', 'cam3', 'cam1-low'];
const PROT_TARGETS = [{ stream: 'vaultcam' }, { stream: 'vaultcam-low' }, { stream: 'vaultcam', quality: 'low' }];

const STEADY_SLOTS = [
  { slot: 0, stream: 'cam1' },
  { slot: 1, stream: 'cam2' },
  { slot: 2, stream: 'cam1', quality: 'low' },
  { slot: 3, stream: 'vaultcam' },
];
const STEADY_RES = [res(CAMERA_PRESETS[0]), res(CAMERA_PRESETS[1]), '160x120', VAULT_RES];
// What the steady viewer alone holds: its slots, plus cam1-low's hold on cam1.
const STEADY_CONSUMERS = { cam1: 2, cam2: 1, cam3: 0, 'cam1-low': 1, vaultcam: 1, 'vaultcam-low': 0 };
// What a source should serve once the storm is over: the steady viewer's;
// the plugin's own sources (H264 transcodes of the H264 cameras) nobody.
const steadyConsumers = (x) => STEADY_CONSUMERS[x.name] ?? (x.hidden ? 0 : undefined);
const STEADY_TRANSCODES = 1; // cam1-low

const INIT = 'multistream/init', OFFER = 'multistream/offer', SWITCH = 'multistream/switch',
  PAUSE = 'multistream/pause', RESUME = 'multistream/resume', KEYFRAME = 'multistream/keyframe',
  CLOSE = 'multistream/close', STREAMS = 'multistream/streams';
const TYPES = [INIT, OFFER, SWITCH, PAUSE, RESUME, KEYFRAME, CLOSE, STREAMS];

// ---------------------------------------------------------------------------
// random mix (seeded: the mix is reproducible, the timing is not)

function mulberry32(a) {
  return () => {
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(SEED);
const ri = (a, b) => a + Math.floor(rnd() * (b - a + 1));
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
const chance = (p) => rnd() < p;
function weighted(table) {
  const total = table.reduce((n, [, w]) => n + w, 0);
  let x = rnd() * total;
  for (const [v, w] of table) { if ((x -= w) < 0) return v; }
  return table[table.length - 1][0];
}
const randomString = (n) => Array.from({ length: n }, () => String.fromCharCode(33 + ri(0, 93))).join('');
function wrongToken() {
  return pick([
    randomString(ri(1, 48)), randomString(SECRET.length), '', SECRET.slice(0, -1), `${SECRET}x`,
    SECRET.toUpperCase(), SECRET.slice(1), `${SECRET.slice(0, 20)}${randomString(SECRET.length - 20)}`,
    ` ${SECRET}`, 'x'.repeat(ri(100, 3000)), 'vault', 'secret', 'admin',
  ]);
}
const tokenOrNone = () => (chance(0.2) ? {} : { token: wrongToken() });
const unprotSlot = (slot) => pick([
  { slot, stream: pick(UNPROTECTED) },
  { slot, stream: 'cam1', quality: 'low' },
  { slot, stream: pick(['cam2', 'cam3']), quality: 'native' },
]);
const resolved = (s) => (s && typeof s.stream === 'string'
  ? (typeof s.quality === 'string' && s.quality !== '' && s.quality !== 'native' ? `${s.stream}-${s.quality}` : s.stream)
  : null);

// ---------------------------------------------------------------------------
// bookkeeping

const S = {
  reqs: [],		// every plugin request sent: {client, transaction, rid, label, sentAt, replies, jerrors, awaited}
  clients: [],
  violations: [],	// check 3
  orphans: [],		// events with a request_id no request of that client had
  idle: [],		// half-open sessions waiting for setup_timeout
  lingerers: [],	// half-open sessions never told anything (kept open until the end)
  real: [],		// real werift sessions: {name, initAt, connectedAt, setupTimeoutAt, packets, leave}
  silent: [],		// PeerConnection closed, then silence: {client, closedAt, disconnectedAt, reason, gone}
  bg: new Set(),	// background tasks (idlers, silent clients)
  scen: {}, leaves: {}, codes: {},
  openFailures: 0, scenarioErrors: [], rawSent: 0, serverClosed: 0,
  open: 0, opening: 0, maxOpen: 0, maxActive: 0, realNow: 0, attackers: 0,
};
const count = (obj, k) => { obj[k] = (obj[k] || 0) + 1; };

function violation(client, what, data) {
  S.violations.push({ client: client.name, kind: client.kind, what, data: JSON.stringify(data)?.slice(0, 300) });
}

/** Check 3 on every plugin event an attacker gets. */
function inspect(client, d) {
  if (!d || typeof d !== 'object') return;
  const v = d.value && typeof d.value === 'object' ? d.value : {};
  if (d.type === 'multistream/status' && PROTECTED.has(v.status?.stream) && v.status?.status !== 'error') {
    violation(client, `status ${v.status.status} for ${v.status.stream}`, d);
  }
  if (d.type === 'multistream/answer') {
    for (const s of Array.isArray(v.slots) ? v.slots : []) {
      if (PROTECTED.has(s?.stream) && s.status !== 'error') violation(client, `answer slot ${s.slot} ${s.status} for ${s.stream}`, d);
    }
  }
  if (d.type === 'multistream/streams') {
    for (const e of Array.isArray(v.streams) ? v.streams : []) {
      if (PROTECTED.has(e?.name) || PROTECTED.has(e?.parent)) violation(client, `stream list names ${e.name}${e.parent ? ` (parent ${e.parent})` : ''}`, d);
    }
  }
}

function readRid(body) {
  const v = body && typeof body === 'object' && !Array.isArray(body) ? body.value : undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const r = v.request_id;
  return typeof r === 'string' || Number.isInteger(r) ? r : null;
}

let ridInt = 7000000;
let janus; // the Janus of the describe block

class StormClient extends JanusClient {
  constructor(kind) {
    super(janus.wsUrl, { keepaliveMs: 4000 });
    this.name = `a${++S.attackers}`;
    this.kind = kind;
    this.recs = new Map();
    this.nrid = 0;
    this.leftAt = null;
    this.leftHow = null;
    this.peer = null;
    S.clients.push(this);
  }

  async open() {
    await this.connect(5000);
    S.open++;
    S.maxOpen = Math.max(S.maxOpen, S.open);
    S.maxActive = Math.max(S.maxActive, S.open - S.lingerers.length);
    this.ws.on('close', () => {
      S.open--;
      if (!this.leftAt) { S.serverClosed++; this.markLeft('closed by the server'); }
      for (const r of this.recs.values()) r.wake?.();
    });
    await this.createSession();
    await this.attach();
  }

  markLeft(how) {
    if (!this.leftAt) { this.leftAt = Date.now(); this.leftHow = how; }
  }

  _onMessage(d) {
    let msg = null;
    try { msg = JSON.parse(d.toString()); } catch { /* Janus answers garbage with garbage-free JSON; ignore */ }
    if (msg) {
      const rec = msg.transaction ? this.recs.get(msg.transaction) : undefined;
      if (msg.janus === 'event' && msg.plugindata) {
        const data = msg.plugindata.data;
        inspect(this, data);
        if (rec) {
          rec.replies.push({ data, jsep: msg.jsep || null, at: Date.now() });
          rec.wake?.();
        } else if (data?.value && typeof data.value === 'object' && data.value.request_id !== undefined) {
          S.orphans.push({ client: this.name, data: JSON.stringify(data).slice(0, 200) });
        }
      } else if (msg.janus === 'error' && rec) {
        rec.jerrors.push({ code: msg.error?.code, reason: msg.error?.reason, at: Date.now() });
        rec.wake?.();
      } else if (msg.janus === 'timeout') {
        this.markLeft('janus session timeout');
      }
    }
    super._onMessage(d);
  }

  rid() {
    return chance(0.15) ? ++ridInt : `${this.name}.${++this.nrid}`;
  }

  /** Send a plugin message; recorded for check 1. */
  send(body, jsep = null, { label = null, awaited = false } = {}) {
    if (this.closed || this.leftAt || !this.handleId) return null;
    const { transaction } = this.sendMessage(body, jsep);
    const rec = {
      client: this, transaction, rid: readRid(body), sentAt: Date.now(), replies: [], jerrors: [], awaited,
      label: label || (body && typeof body === 'object' && typeof body.type === 'string' ? body.type.slice(0, 40) : 'malformed'),
      wake: null,
    };
    this.recs.set(transaction, rec);
    S.reqs.push(rec);
    return rec;
  }

  static answered(rec) {
    return rec.replies.length + rec.jerrors.length > 0;
  }

  waitRec(rec, timeoutMs) {
    rec.awaited = true;
    if (StormClient.answered(rec) || this.closed) return Promise.resolve(StormClient.answered(rec));
    return new Promise((resolve) => {
      const t = setTimeout(() => { rec.wake = null; resolve(false); }, timeoutMs);
      rec.wake = () => { clearTimeout(t); rec.wake = null; resolve(StormClient.answered(rec)); };
    });
  }

  /** Send and wait for the answer: { data, jsep } (plugin) or { janusError }, or null. */
  async ask(body, jsep = null, { timeoutMs = 8000, label = null } = {}) {
    const rec = this.send(body, jsep, { label, awaited: true });
    if (!rec) return null;
    await this.waitRec(rec, timeoutMs);
    if (rec.replies.length) {
      const d = rec.replies[0].data;
      if (d?.type === 'multistream/error') count(S.codes, `${rec.label} ${d.value?.code}`);
      else count(S.codes, `${rec.label} -> ${d?.type}`);
      return { data: d, jsep: rec.replies[0].jsep };
    }
    if (rec.jerrors.length) {
      count(S.codes, `${rec.label} janus ${rec.jerrors[0].code}`);
      return { janusError: rec.jerrors[0] };
    }
    return null;
  }

  /** A well-formed multistream request (request_id added). */
  async req(type, value = {}, { jsep = null, timeoutMs = 8000 } = {}) {
    const sentAt = Date.now();
    const r = await this.ask({ type, value: { request_id: this.rid(), ...value } }, jsep, { timeoutMs, label: type });
    if (type === INIT && r?.data?.type === 'multistream/ready') this.readyInit = { sentAt, at: Date.now() };
    if (type === INIT && r?.data?.type === 'multistream/ready' && Array.isArray(value.slots) &&
        value.slots.some((s) => PROTECTED.has(resolved(s))) && value.token !== SECRET) {
      violation(this, `init naming ${value.slots.map(resolved).join(',')} accepted without the token`, r.data);
    }
    return r;
  }

  async jreq(obj, timeoutMs = 4000) {
    if (this.closed) return null;
    try { return await this.janusRequest(obj, { timeoutMs }); } catch { return null; }
  }

  /** Leave Janus (the plugin session ends with the handle). */
  async janusLeave(how = pick(['detach', 'destroy', 'drop', 'polite'])) {
    count(S.leaves, `janus:${how}`);
    if (this.closed) return;
    this.markLeft(how);
    clearInterval(this._ka);
    if (how === 'drop') { this.drop(); return; }
    if (how === 'polite') { await this.close().catch(() => {}); return; }
    if (how === 'detach') await this.jreq({ janus: 'detach', handle_id: this.handleId });
    await this.jreq({ janus: 'destroy' });
    try { this.ws.close(); } catch { /* closed */ }
  }

  /**
   * Leave the plugin session, then Janus. how: mclose (multistream/close,
   * sometimes twice, sometimes requests after it), hangup (Janus hangup,
   * then requests after the disconnect), or a Janus-level way.
   */
  async leave(how = pick(['mclose', 'hangup', 'detach', 'destroy', 'drop', 'polite'])) {
    count(S.leaves, how);
    if (how === 'mclose') {
      await this.req(CLOSE);
      if (chance(0.4)) await this.req(CLOSE);
      if (chance(0.4)) await afterEnd(this);
      return this.janusLeave();
    }
    if (how === 'hangup') {
      const since = this.mark();
      await this.jreq({ janus: 'hangup', handle_id: this.handleId });
      await this.waitEvent((d) => d?.type === 'multistream/disconnected', { since, timeoutMs: 1500 }).catch(() => {});
      if (chance(0.6)) await afterEnd(this);
      return this.janusLeave();
    }
    return this.janusLeave(how);
  }
}

/** Requests after a close or a disconnect (482 expected; one answer each). */
async function afterEnd(c) {
  for (let i = ri(1, 3); i > 0; i--) {
    const op = pick([SWITCH, PAUSE, RESUME, KEYFRAME, CLOSE, OFFER]);
    if (op === OFFER) await c.req(OFFER, {}, { jsep: offerJsep(ri(1, 2), 'stripped') });
    else await c.req(op, { slot: pick([0, -1, 1]), stream: pick(UNPROTECTED) });
  }
}

// ---------------------------------------------------------------------------
// offers without a peer behind them (templates from closed werift peers)

const TEMPLATES = {}; // n -> { full, stripped }
async function makeTemplates() {
  for (let n = 1; n <= 4; n++) {
    const p = new MsPeer(n);
    const o = await p.createOffer();
    await p.close();
    TEMPLATES[n] = {
      full: o.sdp, // candidates point at ports that are closed now
      stripped: o.sdp.split(/\r?\n/).filter((l) => !/^a=(candidate|end-of-candidates)/.test(l)).join('\r\n'),
    };
  }
}
const offerJsep = (n, kind = 'stripped') => ({ type: 'offer', sdp: TEMPLATES[Math.max(1, Math.min(4, n))][kind] });

// ---------------------------------------------------------------------------
// scenarios

function malformed(c) {
  const id = () => c.rid();
  const deep = (n) => { let v = { leaf: 'x' }; for (let i = 0; i < n; i++) v = i % 2 ? { k: v, n: i } : [v, i]; return v; };
  const cases = [
    () => ({ label: 'body array', body: [1, { type: INIT }] }),
    () => ({ label: 'body string', body: INIT }),
    () => ({ label: 'body number', body: 42 }),
    () => ({ label: 'body null', body: null }),
    () => ({ label: 'body missing', body: undefined }),
    () => ({ label: 'body {}', body: {} }),
    () => ({ label: 'type number', body: { type: 5, value: { request_id: id() } } }),
    () => ({ label: 'type null', body: { type: null } }),
    () => ({ label: 'type object', body: { type: deep(20), value: { request_id: id() } } }),
    () => ({ label: 'type unknown', body: { type: pick(['multistream/', 'MULTISTREAM/INIT', 'multistream/init ', 'janus/attach', 'multistream/switchx', '']), value: { request_id: id() } } }),
    () => ({ label: 'type missing', body: { value: { request_id: id(), slots: [{ slot: 0, stream: 'cam1' }] } } }),
    () => ({ label: 'value not an object', body: { type: pick(TYPES), value: pick([[], 'x', 5, null, true, [{ request_id: 'r' }]]) } }),
    () => ({ label: 'request_id bad type', body: { type: pick(TYPES), value: { request_id: pick([null, 1.5, {}, [1], true, -0.25]), slot: 0 } } }),
    () => ({
      label: 'init wrong types',
      body: { type: INIT, value: { request_id: id(), slots: pick(['cam1', {}, [1], [{ slot: '0', stream: 'cam1' }], [{ slot: 0, stream: 7 }], [{ slot: 0 }], [], [{ slot: 0, stream: 'cam1', quality: 5 }], [{ slot: 0, stream: '' }], [{ slot: 0, stream: null }], [null], [[0, 'cam1']], [{ slot: true, stream: 'cam1' }]]) } },
    }),
    () => ({ label: 'init slot numbers', body: { type: INIT, value: { request_id: id(), slots: [{ slot: pick([1e300, -5, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 62, Number.MAX_SAFE_INTEGER, -1, 1, 1e-7]), stream: 'cam1' }] } } }),
    () => ({ label: 'init duplicate/gap', body: { type: INIT, value: { request_id: id(), slots: pick([[{ slot: 0, stream: 'cam1' }, { slot: 0, stream: 'cam2' }], [{ slot: 0, stream: 'cam1' }, { slot: 2, stream: 'cam2' }], [{ slot: 1, stream: 'cam1' }]]) } } }),
    () => ({ label: 'init too many slots', body: { type: INIT, value: { request_id: id(), slots: Array.from({ length: ri(10, 3000) }, (_, i) => ({ slot: i, stream: 'cam1' })) } } }),
    () => ({ label: 'slot numbers', body: { type: pick([SWITCH, PAUSE, RESUME, KEYFRAME]), value: { request_id: id(), slot: pick([1e300, -5, 1.5, 2 ** 31, 2 ** 62, -(2 ** 40), 99, '0', null, true, { a: 1 }, [0], -1]), stream: 'cam2' } } }),
    () => {
      const big = 'x'.repeat(ri(200, 300000));
      return { label: 'giant stream', body: { type: pick([INIT, SWITCH, RESUME]), value: { request_id: id(), slot: 0, stream: big, slots: [{ slot: 0, stream: big }] } } };
    },
    () => ({ label: 'giant type', body: { type: `multistream/${'x'.repeat(ri(1000, 100000))}`, value: { request_id: id() } } }),
    () => ({ label: 'giant token', body: { type: pick([STREAMS, INIT]), value: { request_id: id(), token: 'y'.repeat(ri(1000, 200000)), slots: [{ slot: 0, stream: 'vaultcam' }] } } }),
    () => ({ label: 'giant request_id', body: { type: STREAMS, value: { request_id: `${id()}-${'r'.repeat(ri(1000, 50000))}` } } }),
    () => ({ label: 'nested junk', body: { type: pick(TYPES), value: { request_id: id(), junk: deep(ri(10, 200)), slots: [{ slot: 0, stream: 'cam1', extra: deep(30) }], slot: 0, stream: 'cam2' }, more: deep(50) } }),
    () => ({ label: 'odd names', body: { type: SWITCH, value: { request_id: id(), slot: 0, stream: pick(['камера1 ☃ \u202e', '../../etc/passwd', 'cam1\n', '%s%s%n', 'vaultcam ', 'VAULTCAM', 'vaultcam-LOW']), quality: pick(['\u0007bell', 'low', '']) } } }),
    () => ({ label: 'token wrong type', body: { type: pick([INIT, SWITCH, STREAMS]), value: { request_id: id(), token: pick([12345, null, ['x'], { s: SECRET.slice(0, 8) }, true]), slot: 0, stream: 'vaultcam', slots: [{ slot: 0, stream: 'vaultcam' }] } } }),
    () => ({
      label: 'jsep where none is allowed',
      body: { type: pick([INIT, SWITCH, STREAMS, KEYFRAME, CLOSE, PAUSE]), value: { request_id: id(), slot: -1, stream: 'cam1', slots: [{ slot: 0, stream: 'cam1' }] } },
      jsep: pick([offerJsep(1, 'stripped'), { type: 'offer', sdp: 'v=0\r\n' }, { type: 'answer', sdp: TEMPLATES[1].stripped }, { type: 'bogus', sdp: 'x' }, { sdp: 'x' }, { type: 'offer' }]),
    }),
    () => ({ label: 'offer without jsep', body: { type: OFFER, value: { request_id: id(), sdp: TEMPLATES[1].stripped } } }),
    () => ({
      label: 'offer bad jsep',
      body: { type: OFFER, value: { request_id: id() } },
      jsep: pick([{ type: 'offer', sdp: 'garbage' }, { type: 'offer', sdp: 'v=0\r\nm=video 9 RTP/AVP 96\r\n' }, { type: 'offer', sdp: TEMPLATES[2].stripped.replace(/a=mid:0/, `a=mid:${'m'.repeat(40)}`) }, { type: 'offer', sdp: TEMPLATES[1].stripped.replace(/H264/g, 'VP9') }]),
    }),
  ];
  return pick(cases)();
}

async function scMalformed(c) {
  let inited = false;
  if (chance(0.4)) inited = (await c.req(INIT, { slots: [unprotSlot(0), unprotSlot(1)] }))?.data?.type === 'multistream/ready';
  for (let i = ri(4, 14); i > 0 && !c.leftAt; i--) {
    if (chance(0.05)) { try { c.sendRaw(pick(['not json', '{"janus":', '[]', '{"janus":"message"}', '\u0000\u0001'])); S.rawSent++; } catch { /* closed */ } }
    if (chance(0.3)) {
      // a few at once, then wait for all of them
      const recs = [];
      for (let k = ri(2, 6); k > 0; k--) {
        const m = malformed(c);
        const r = c.send(m.body, m.jsep || null, { label: m.label });
        if (r) recs.push(r);
      }
      await Promise.all(recs.map((r) => c.waitRec(r, 8000)));
    } else {
      const m = malformed(c);
      await c.ask(m.body, m.jsep || null, { label: m.label });
    }
  }
  return c.leave();
}

async function scOrder(c) {
  // before any init
  for (let i = ri(1, 4); i > 0; i--) {
    const op = pick([OFFER, SWITCH, PAUSE, RESUME, KEYFRAME, CLOSE]);
    if (op === OFFER) await c.req(OFFER, {}, { jsep: offerJsep(1, 'stripped') });
    else await c.req(op, { slot: pick([0, -1, 1.5, 1e12]), stream: pick(UNPROTECTED) });
  }
  const n = ri(1, 3);
  await c.req(INIT, { slots: Array.from({ length: n }, (_, i) => unprotSlot(i)) });
  for (let i = ri(2, 7); i > 0 && !c.leftAt; i--) {
    const op = pick([INIT, OFFER, OFFER, SWITCH, PAUSE, RESUME, KEYFRAME, CLOSE, CLOSE, STREAMS]);
    if (op === INIT) await c.req(INIT, { slots: Array.from({ length: ri(1, 3) }, (_, k) => unprotSlot(k)) });
    else if (op === OFFER) await c.req(OFFER, {}, { jsep: chance(0.85) ? offerJsep(n, 'stripped') : null });
    else await c.req(op, { slot: ri(-1, n), stream: pick(UNPROTECTED) });
  }
  return c.leave();
}

async function scFlood(c) {
  let n = 0;
  if (chance(0.6)) {
    const r = await c.req(INIT, { slots: [unprotSlot(0), unprotSlot(1)] });
    if (r?.data?.type === 'multistream/ready') n = 2;
  }
  const recs = [];
  const total = ri(50, 200);
  const kinds = pick([[STREAMS], [KEYFRAME], [SWITCH], [STREAMS, KEYFRAME, SWITCH, PAUSE, RESUME]]);
  for (let i = 0; i < total; i++) {
    const type = pick(kinds);
    let value = { request_id: c.rid() };
    if (type === KEYFRAME) value.slot = chance(0.8) ? -1 : ri(0, 2);
    else if (type === STREAMS) { if (chance(0.1)) value.token = wrongToken(); } else value = { ...value, slot: ri(0, Math.max(1, n - 1)), stream: pick(UNPROTECTED) };
    const r = c.send({ type, value }, null, { label: `flood ${type}` });
    if (r) recs.push(r);
  }
  if (chance(0.25)) {
    // gone before the answers: those still unanswered are excused
    await sleep(ri(0, 30));
    return c.janusLeave(pick(['drop', 'destroy']));
  }
  await Promise.all(recs.map((r) => c.waitRec(r, 15000)));
  return c.leave();
}

async function scGuess(c) {
  let inited = false;
  for (let i = ri(4, 14); i > 0 && !c.leftAt; i--) {
    const target = pick(PROT_TARGETS);
    const op = pick(inited ? ['switch', 'switch', 'resume', 'streams', 'init'] : ['init', 'init', 'streams', 'init-mixed']);
    if (op === 'init') {
      const r = await c.req(INIT, { slots: [{ slot: 0, ...target }], ...tokenOrNone() });
      if (r?.data?.type === 'multistream/ready') inited = true;
    } else if (op === 'init-mixed') {
      const r = await c.req(INIT, { slots: [unprotSlot(0), { slot: 1, ...target }], ...tokenOrNone() });
      if (r?.data?.type === 'multistream/ready') inited = true;
    } else if (op === 'streams') {
      await c.req(STREAMS, tokenOrNone());
    } else if (op === 'switch') {
      await c.req(SWITCH, { slot: 0, ...target, ...tokenOrNone() });
    } else {
      if (chance(0.5)) await c.req(PAUSE, { slot: 0 });
      await c.req(RESUME, { slot: 0, ...target, ...tokenOrNone() });
    }
    if (!inited && chance(0.3)) inited = (await c.req(INIT, { slots: [unprotSlot(0)] }))?.data?.type === 'multistream/ready';
  }
  if (inited && c.readyInit && chance(0.3)) return idle(c, { offer: 'none', initAt: c.readyInit.sentAt, readyAt: c.readyInit.at });
  return c.leave();
}

async function scHalfOpen(c, deadline) {
  const n = ri(1, 4);
  const slots = Array.from({ length: n }, (_, i) => unprotSlot(i));
  const initAt = Date.now();
  const r = await c.req(INIT, { slots });
  if (r?.data?.type !== 'multistream/ready') return c.leave();
  const readyAt = Date.now();
  const offer = pick(['none', 'stripped', 'stripped', 'full']);
  if (offer !== 'none') await c.req(OFFER, {}, { jsep: offerJsep(n, offer) });
  if (chance(0.5) && Date.now() < deadline) return idle(c, { offer, initAt, readyAt });
  await sleep(ri(0, 1500));
  return c.leave();
}

/**
 * Stay idle (keepalives only) until the plugin gives the session up. Told:
 * leave. Never told within setup_timeout + 4 s: a lingerer, kept open until
 * the end of the test.
 */
function idle(c, { offer, initAt, readyAt }) {
  count(S.leaves, 'idle until setup_timeout');
  c.background = true;
  const rec = { client: c.name, offer, initAt, readyAt, at: null, reason: null, detail: null, since: 0 };
  S.idle.push(rec);
  const task = (async () => {
    const ev = await c.waitEvent((d) => d?.type === 'multistream/disconnected', {
      since: rec.since, timeoutMs: Math.max(500, rec.readyAt + (SETUP_TIMEOUT + 4) * 1000 - Date.now()), what: 'disconnected',
    }).catch(() => null);
    if (ev) {
      rec.at = ev.at;
      rec.reason = ev.data.value?.reason;
      rec.detail = ev.data.value?.detail;
      await sleep(ri(0, 500));
      if (chance(0.3)) await afterEnd(c);
      await c.janusLeave();
    } else if (!c.closed) {
      S.lingerers.push(c);
    }
  })().catch((e) => S.scenarioErrors.push(`idle ${c.name}: ${e.message}`));
  S.bg.add(task);
  task.finally(() => S.bg.delete(task));
  // the lane goes on: it does not wait for this one
}

async function scReal(c, deadline) {
  S.realNow++;
  const info = { name: c.name, initAt: null, connectedAt: null, setupTimeoutAt: null, leave: null, protectedPackets: 0, packets: 0, resolutions: [] };
  S.real.push(info);
  try {
    const n = ri(1, 3);
    const slots = Array.from({ length: n }, (_, i) => unprotSlot(i));
    c.peer = new MsPeer(n);
    const offer = await c.peer.createOffer();
    let ready = null;
    if (chance(0.35)) {
      // first ask for the protected camera (or its variant) in one slot
      const bad = [...slots.slice(0, n - 1), { slot: n - 1, ...pick(PROT_TARGETS) }];
      const r = await c.req(INIT, { slots: bad, ...tokenOrNone() });
      if (r?.data?.type === 'multistream/ready') { ready = r; info.initAt = Date.now(); }
    }
    if (!ready) {
      info.initAt = Date.now();
      ready = await c.req(INIT, { slots });
      if (ready?.data?.type !== 'multistream/ready') return await c.leave();
    }
    const ans = await c.req(OFFER, {}, { jsep: offer, timeoutMs: 10000 });
    if (ans?.data?.type !== 'multistream/answer' || !ans.jsep) return await c.leave();
    await c.peer.setAnswer(ans.jsep);
    for (const cand of c.peer.localCandidates) await c.trickle(cand);
    await c.trickle(null);
    try {
      await c.peer.waitConnected(10000);
      info.connectedAt = Date.now();
    } catch {
      return await c.leave();
    }
    for (let i = ri(3, 8); i > 0 && !c.leftAt; i--) {
      await sleep(ri(150, 900));
      const op = weighted([['switch', 5], ['protected', 2], ['pause', 1], ['keyframe', 1], ['streams', 1]]);
      if (op === 'switch') await c.req(SWITCH, { ...unprotSlot(ri(0, n - 1)) });
      else if (op === 'protected') await c.req(chance(0.7) ? SWITCH : RESUME, { slot: ri(0, n - 1), ...pick(PROT_TARGETS), ...tokenOrNone() });
      else if (op === 'pause') { const s = ri(0, n - 1); await c.req(PAUSE, { slot: s }); await sleep(ri(100, 500)); await c.req(RESUME, { slot: s }); }
      else if (op === 'keyframe') await c.req(KEYFRAME, { slot: chance(0.5) ? -1 : ri(0, n - 1) });
      else await c.req(STREAMS, tokenOrNone());
    }
    await sleep(ri(200, 800));
    // pcclose keeps its Janus session until session_timeout: not near the end
    const how = pick(Date.now() < deadline - (SESSION_TIMEOUT + 5) * 1000
      ? ['mclose', 'hangup', 'detach', 'destroy', 'drop', 'polite', 'pcclose', 'pcclose']
      : ['mclose', 'hangup', 'detach', 'destroy', 'drop', 'polite']);
    info.leave = how;
    if (how === 'pcclose') return silent(c, info);
    await c.leave(how);
  } finally {
    S.realNow--;
    if (c.peer && info.leave !== 'pcclose') await finishPeer(c, info);
    const st = c.events.find((e) => e.data?.type === 'multistream/disconnected' && e.data.value?.detail === 'setup_timeout');
    if (st) info.setupTimeoutAt = st.at;
  }
}

async function finishPeer(c, info) {
  await c.peer.close().catch(() => {});
  const all = c.peer.rtp.flat();
  info.packets = all.length;
  info.resolutions = [...new Set(resolutionsIn(all))];
  const bad = resolutionsIn(all).filter((r) => PROTECTED_RES.has(r));
  if (bad.length) violation(c, `received ${bad.length} SPS of a protected resolution (${[...new Set(bad)]})`, info.resolutions);
  c.peer.rtp = c.peer.rtp.map(() => []); // free the capture
}

/** PeerConnection closed first, then silence (no keepalive): Janus's session timeout ends it. */
function silent(c, info) {
  count(S.leaves, 'pcclose then silence');
  c.background = true;
  const rec = { client: c.name, closedAt: Date.now(), disconnectedAt: null, reason: null, gone: null };
  S.silent.push(rec);
  const since = c.mark();
  const task = (async () => {
    await finishPeer(c, info);
    clearInterval(c._ka);
    const t0 = Date.now();
    while (!c.closed && !c.janusEvents.some((e) => e.janus === 'timeout') && Date.now() - t0 < (SESSION_TIMEOUT + 6) * 1000) await sleep(200);
    const ev = c.events.slice(since).find((e) => e.data?.type === 'multistream/disconnected');
    if (ev) { rec.disconnectedAt = ev.at; rec.reason = ev.data.value?.reason; }
    rec.gone = Date.now();
    c.markLeft('pcclose + session timeout');
    try { c.ws.close(); } catch { /* closed */ }
  })().catch((e) => S.scenarioErrors.push(`silent ${c.name}: ${e.message}`));
  S.bg.add(task);
  task.finally(() => S.bg.delete(task));
}

const SCENARIOS = {
  malformed: scMalformed,
  order: scOrder,
  flood: scFlood,
  guess: scGuess,
  real: scReal,
  halfopen: scHalfOpen,
};
const MIX = [['malformed', 22], ['order', 15], ['flood', 12], ['guess', 16], ['real', 10], ['halfopen', 25]];

async function runLane(deadline) {
  while (Date.now() < deadline && !janus.child.exitInfo) {
    // at most MAX_OPEN attackers at once (not counting half-open sessions
    // nobody ever gave up: those only exist when setup_timeout is missing)
    if (S.open + S.opening - S.lingerers.length >= MAX_OPEN) { await sleep(100); continue; }
    let kind = weighted(MIX);
    if (kind === 'real' && S.realNow >= MAX_REAL) kind = 'halfopen';
    const c = new StormClient(kind);
    count(S.scen, kind);
    S.opening++;
    try {
      await c.open();
    } catch (e) {
      S.openFailures++;
      c.markLeft('open failed');
      c.drop();
      await sleep(200);
      continue;
    } finally {
      S.opening--;
    }
    try {
      await SCENARIOS[kind](c, deadline);
    } catch (e) {
      S.scenarioErrors.push(`${kind} ${c.name}: ${e.message}`);
      if (!c.leftAt && !c.background) c.janusLeave('drop');
    }
    // a scenario that handed its client to a background task returns at once
    await sleep(ri(20, 300));
  }
}

// ---------------------------------------------------------------------------
// Janus process figures

/** CPU seconds (user + system) a process used so far. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks (USER_HZ 100)
  } catch { return NaN; }
}
function fdCount(pid) {
  try { return fs.readdirSync(`/proc/${pid}/fd`).length; } catch { return -1; }
}

// ---------------------------------------------------------------------------

describe('storm: dozens of abusive clients beside one steady viewer', { skip, timeout: 300000 }, () => {
  let cams = [], admin, viewer, steady;
  let baseline;
  let stormStart, stormEnd, drainEnd;
  let viewerStats = null;
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  const figures = [];
  const fig = (line) => { figures.push(line); console.log(`# ${line}`); };

  before(async () => {
    janus = await startJanus({
      name: 'storm',
      sessionTimeout: SESSION_TIMEOUT,
      pluginConfig: {
        general: {
          max_slots: 9,
          source_linger: SOURCE_LINGER,
          setup_timeout: SETUP_TIMEOUT,
          auth_failures: 5,
          auth_failures_global: 20,
          events: false,
        },
        streams: {
          cam1: `rtp://127.0.0.1:${CAMS[0].port}`,
          cam2: `rtp://127.0.0.1:${CAMS[1].port}`,
          cam3: `rtp://127.0.0.1:${CAMS[2].port}`,
          'cam1-low': 'ffmpeg:cam1#video=h264#height=120',
          vaultcam: { source: `rtp://127.0.0.1:${CAMS[3].port}`, secret: SECRET },
          'vaultcam-low': 'ffmpeg:vaultcam#video=h264#height=96',
        },
      },
    });
    cams = await startCameras(CAMS, { logDir: janus.outDir, staggerMs: 250 });
    admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
    await makeTemplates();
    viewer = new SteadyViewer({ wsUrl: janus.wsUrl, slots: STEADY_SLOTS, token: SECRET, logFile: path.join(janus.outDir, 'steady-viewer.log') });
    steady = await viewer.start();
    // every slot shows its own picture (the transcode takes a few seconds)
    const t0 = Date.now();
    for (;;) {
      const st = await viewer.stats(0, Date.now());
      const missing = st.slots.filter((s, k) => !s.resolutions[STEADY_RES[k]]);
      if (!missing.length) break;
      if (Date.now() - t0 > 20000) throw new Error(`steady viewer: no picture on slots ${missing.map((s) => s.slot)}: ${JSON.stringify(st.slots.map((s) => s.resolutions))}`);
      await sleep(250);
    }
    await sleep(1500);
    const st = await admin.status();
    baseline = {
      fds: fdCount(janus.child.pid),
      ffmpeg: ffmpegChildren(janus.child.pid).length,
      sessions: (await admin.listSessions()).length,
      status: st,
    };
    fig(`seed ${SEED}; storm ${STORM_MS} ms, ${LANES} lanes, at most ${MAX_REAL} real werift attackers at once; build ${process.env.MS_BUILD_DIR || 'build'}`);
    fig(`baseline (steady viewer connected): janus fds ${baseline.fds}, ffmpeg children ${baseline.ffmpeg}, janus sessions ${baseline.sessions}, plugin handles ${st.handles} sessions ${st.sessions} slots_bound ${st.slots_bound}, consumers ${JSON.stringify(Object.fromEntries(st.sources.map((s) => [s.name, s.consumers])))}`);
  });

  after(async () => {
    loopDelay.disable();
    for (const c of S.clients) { try { c.drop(); } catch { /* gone */ } }
    for (const c of S.clients) if (c.peer) await c.peer.close().catch(() => {});
    await viewer?.stop();
    admin?.close();
    await stopCameras(cams);
    await janus?.stop();
    await stopAll();
  });

  test('the storm: attackers in bounded loops, then every background client done', { timeout: STORM_MS + 60000 }, async () => {
    // sanity: the steady viewer alone, as the plugin sees it
    assert.equal(baseline.status.sessions, 1, JSON.stringify(baseline.status));
    assert.equal(baseline.status.slots_bound, STEADY_SLOTS.length);
    for (const s of baseline.status.sources) {
      assert.equal(s.consumers, steadyConsumers(s), `baseline consumers of ${s.name}: ${JSON.stringify(baseline.status.sources)}`);
    }
    assert.equal(baseline.ffmpeg, STEADY_TRANSCODES, 'baseline: the steady viewer\'s transcode runs');

    loopDelay.enable();
    const cpu0 = { janus: cpuSeconds(janus.child.pid), test: process.cpuUsage() };
    stormStart = Date.now();
    const deadline = stormStart + STORM_MS;
    await Promise.all(Array.from({ length: LANES }, async (_, i) => {
      await sleep(i * 40); // ramp up
      await runLane(deadline);
    }));
    stormEnd = Date.now();
    // background idlers and silent clients finish (bounded by their own timeouts)
    while (S.bg.size) await Promise.race([...S.bg, sleep(1000)]);
    await sleep(1500); // late duplicates would arrive meanwhile
    drainEnd = Date.now();
    loopDelay.disable();
    viewerStats = await viewer.stats(stormStart, drainEnd);
    const secs = (drainEnd - stormStart) / 1000;
    const testCpu = process.cpuUsage(cpu0.test);
    const cpuJanus = cpuSeconds(janus.child.pid) - cpu0.janus;

    const sc = Object.entries(S.scen).map(([k, v]) => `${k} ${v}`).join(', ');
    fig(`storm ${stormEnd - stormStart} ms + drain ${drainEnd - stormEnd} ms; ${S.attackers} attackers (${sc}); at most ${S.maxActive} attacker WebSockets open at once (${S.maxOpen} with the half-open ones nobody gave up); open failures ${S.openFailures}; raw garbage frames ${S.rawSent}`);
    fig(`leaving: ${Object.entries(S.leaves).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    fig(`real werift attackers: ${S.real.length}, connected ${S.real.filter((r) => r.connectedAt).length}, packets ${S.real.reduce((n, r) => n + r.packets, 0)}`);
    fig(`CPU during storm + drain (${secs.toFixed(0)} s): Janus ${cpuJanus.toFixed(1)} s (${(100 * cpuJanus / secs).toFixed(0)}% of a core), this test process ${((testCpu.user + testCpu.system) / 1e6).toFixed(1)} s`);
    fig(`test event loop delay during the storm: max ${(loopDelay.max / 1e6).toFixed(0)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms (the steady viewer runs in its own thread)`);
    if (S.scenarioErrors.length) fig(`scenario exceptions (not failures by themselves): ${S.scenarioErrors.length}: ${S.scenarioErrors.slice(0, 5).join(' | ')}`);
    assert.ok(!janus.child.exitInfo, `Janus exited during the storm: ${JSON.stringify(janus.child.exitInfo)}\n${janus.logTail(40)}`);
    assert.ok(S.attackers >= LANES, 'attackers ran');
  });

  test('1. every plugin request gets exactly one answer (unless its client left first); Janus alive', () => {
    assert.ok(drainEnd, 'the storm ran');
    let byPlugin = 0, byJanus = 0, excused = 0, maxLat = 0;
    const unanswered = [], dup = [], echo = [], notMs = [];
    for (const r of S.reqs) {
      const n = r.replies.length + r.jerrors.length;
      if (n > 1) dup.push(r);
      if (n === 0) {
        if (!r.awaited && r.client.leftAt) excused++;
        else unanswered.push(r);
        continue;
      }
      const first = Math.min(...r.replies.map((x) => x.at), ...r.jerrors.map((x) => x.at));
      maxLat = Math.max(maxLat, first - r.sentAt);
      if (r.replies.length) {
        byPlugin++;
        const d = r.replies[0].data;
        if (typeof d?.type !== 'string' || !d.type.startsWith('multistream/')) notMs.push(r);
        if (r.rid !== null && d?.value?.request_id !== r.rid) echo.push(r);
      } else byJanus++;
    }
    const desc = (r) => `${r.client.name}/${r.client.kind} ${r.label} rid=${String(r.rid).slice(0, 40)} sent +${r.sentAt - stormStart} ms, ` +
      `replies ${JSON.stringify(r.replies.map((x) => x.data)).slice(0, 200)} janus ${JSON.stringify(r.jerrors)} ` +
      `client left ${r.client.leftAt ? `+${r.client.leftAt - r.sentAt} ms after (${r.client.leftHow})` : 'no'}`;
    fig(`check 1: ${S.reqs.length} plugin requests sent; answered by the plugin ${byPlugin}, by the Janus core ${byJanus}; unanswered because the client left first ${excused}; UNANSWERED ${unanswered.length}; more than one answer ${dup.length}; request_id not echoed ${echo.length}; non-multistream events ${notMs.length}; stray request_ids ${S.orphans.length}; slowest answer ${maxLat} ms; WebSockets closed by the server ${S.serverClosed}`);
    const codes = Object.entries(S.codes).sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${k}: ${v}`).join('; ');
    fig(`answers seen (awaited requests): ${codes}`);
    assert.ok(!janus.child.exitInfo, `Janus exited: ${JSON.stringify(janus.child.exitInfo)}`);
    assert.equal(unanswered.length, 0, `requests without an answer:\n${unanswered.slice(0, 10).map(desc).join('\n')}`);
    assert.equal(dup.length, 0, `requests answered more than once:\n${dup.slice(0, 10).map(desc).join('\n')}`);
    assert.equal(echo.length, 0, `answers without the request's request_id:\n${echo.slice(0, 10).map(desc).join('\n')}`);
    assert.equal(notMs.length, 0, `answers that are not multistream/* events:\n${notMs.slice(0, 10).map(desc).join('\n')}`);
    assert.equal(S.orphans.length, 0, `events carrying a request_id no request of that client had: ${JSON.stringify(S.orphans.slice(0, 5))}`);
    assert.ok(S.reqs.length > 1000, `a storm is more than ${S.reqs.length} requests`);
  });

  test('2. the steady viewer never stalls: gaps < 1000 ms, continuous seq, one SSRC, its own picture on every slot', () => {
    assert.ok(viewerStats, 'the storm ran');
    const secs = (drainEnd - stormStart) / 1000;
    const lines = viewerStats.slots.map((s, k) => `slot ${k} (${resolved(STEADY_SLOTS[k])}): ${s.count} packets, max gap ${s.maxGap} ms` +
      `${s.maxGapAt ? ` at +${s.maxGapAt - stormStart} ms` : ''}, edges ${s.edgeStart}/${s.edgeEnd} ms, seq faults ${s.seqFaults}, packets lost ${s.seqLost}, ts backwards ${s.tsBackwards}, ` +
      `ssrcs ${s.ssrcs.length}, pictures ${JSON.stringify(s.resolutions)}`);
    for (const l of lines) fig(`check 2: ${l}`);
    const unsolicited = viewerStats.events.filter((e) => e.at >= stormStart && e.data?.value?.request_id === undefined);
    fig(`check 2: steady viewer unsolicited events during the storm: ${JSON.stringify(unsolicited.map((e) => e.data)).slice(0, 300)}; janus events ${JSON.stringify(viewerStats.janusEvents.filter((e) => e.at >= stormStart).map((e) => e.janus))}; pc ${viewerStats.pcState}`);
    const problems = [];
    viewerStats.slots.forEach((s, k) => {
      if (s.maxGap >= MAX_GAP_MS) problems.push(`slot ${k}: gap of ${s.maxGap} ms at +${s.maxGapAt - stormStart} ms`);
      if (s.edgeStart >= MAX_GAP_MS || s.edgeEnd >= MAX_GAP_MS) problems.push(`slot ${k}: nothing for ${Math.max(s.edgeStart, s.edgeEnd)} ms at an end of the window`);
      if (s.count < secs * 5) problems.push(`slot ${k}: only ${s.count} packets in ${secs.toFixed(0)} s`);
      if (s.seqFaults) problems.push(`slot ${k}: ${s.seqFaults} sequence discontinuities, e.g. ${JSON.stringify(s.seqFaultSamples)}`);
      // A datagram or two lost on the loaded loopback is the network's, not
      // a broken sequence; more than a few is a stall by another name
      if (s.seqLost > MAX_LOST) problems.push(`slot ${k}: ${s.seqLost} packets never arrived`);
      if (s.tsBackwards) problems.push(`slot ${k}: RTP timestamp went backwards ${s.tsBackwards} times`);
      if (s.ssrcs.length !== 1) problems.push(`slot ${k}: SSRCs ${s.ssrcs}`);
      const pics = Object.keys(s.resolutions);
      if (pics.length !== 1 || pics[0] !== STEADY_RES[k]) problems.push(`slot ${k}: pictures ${pics} (expected only ${STEADY_RES[k]})`);
    });
    const lost = viewerStats.events.filter((e) => e.data?.type === 'multistream/disconnected');
    if (lost.length) problems.push(`the steady viewer was disconnected: ${JSON.stringify(lost.map((e) => e.data))}`);
    if (viewerStats.wsClosed) problems.push('the steady viewer\'s WebSocket closed');
    assert.deepEqual(problems, []);
  });

  test('3. nobody sees the protected camera or its variant without the token; the steady viewer keeps its token', async () => {
    assert.ok(drainEnd, 'the storm ran');
    const guesses = S.reqs.filter((r) => r.client.kind === 'guess' || /token/.test(r.label)).length;
    const kinds = {};
    for (const v of S.violations) count(kinds, v.what.replace(/[0-9]+/g, 'N'));
    fig(`check 3: violations ${S.violations.length} ${JSON.stringify(kinds).slice(0, 400)}; requests from token guessers ${guesses}; real attacker pictures seen ${JSON.stringify([...new Set(S.real.flatMap((r) => r.resolutions))])}`);
    // after the lockouts the viewer's accepted token still opens its list
    const list = await viewer.request(STREAMS, {});
    const names = (list.data?.value?.streams || []).map((s) => s.name);
    fig(`check 3: the steady viewer's stream list after the storm: ${names.join(', ')}`);
    assert.equal(S.violations.length, 0, `${S.violations.length} times an attacker without the token saw a protected stream: ${JSON.stringify(kinds)}\ne.g. ${S.violations.slice(0, 3).map((v) => JSON.stringify(v)).join('\n     ')}`);
    assert.ok(names.includes('vaultcam'), `the steady viewer's token was accepted before the storm and still opens vaultcam: ${JSON.stringify(list.data)}`);
  });

  test('4. afterwards Janus is back to the steady viewer alone', { timeout: 60000 }, async () => {
    assert.ok(drainEnd, 'the storm ran');
    const settle = (SETUP_TIMEOUT + SOURCE_LINGER + 6) * 1000;
    let last = null;
    const t0 = Date.now();
    const snapshot = async () => {
      const st = await admin.status();
      const sessions = await admin.listSessions();
      const handles = sessions.includes(steady.sessionId) ? await admin.listHandles(steady.sessionId) : [];
      const kids = ffmpegChildren(janus.child.pid);
      return { st, sessions, handles, kids, fds: fdCount(janus.child.pid) };
    };
    const clean = (s) => s.sessions.length === 1 && s.sessions[0] === steady.sessionId && s.handles.length === 1 &&
      s.st.handles === 1 && s.st.sessions === 1 && s.st.slots_bound === STEADY_SLOTS.length &&
      s.st.sources.every((x) => x.consumers === steadyConsumers(x)) &&
      s.kids.length === STEADY_TRANSCODES && s.fds <= baseline.fds + FD_MARGIN;
    do {
      last = await snapshot();
      if (clean(last)) break;
      await sleep(500);
    } while (Date.now() - t0 < settle);
    const took = Date.now() - t0;
    const consumers = Object.fromEntries(last.st.sources.map((x) => [x.name, x.consumers]));
    fig(`check 4 (${clean(last) ? 'clean' : 'NOT clean'} ${took} ms after the drain): janus sessions ${last.sessions.length} (steady viewer's: ${last.sessions.includes(steady.sessionId)}), its handles ${last.handles.length}; plugin handles ${last.st.handles}, sessions ${last.st.sessions}, slots_bound ${last.st.slots_bound}; consumers ${JSON.stringify(consumers)}; ffmpeg children ${last.kids.length}; fds ${last.fds} (baseline ${baseline.fds}); lingering half-open attackers ${S.lingerers.length}`);
    if (last.kids.length !== STEADY_TRANSCODES) fig(`check 4: ffmpeg children: ${last.kids.map((k) => k.cmd.replace(/.*-i /, '-i ').slice(0, 120)).join(' | ')}`);
    assert.ok(!janus.child.exitInfo, `Janus exited: ${JSON.stringify(janus.child.exitInfo)}`);
    const problems = [];
    if (last.sessions.length !== 1 || !last.sessions.includes(steady.sessionId)) problems.push(`Janus sessions: ${last.sessions.length} (expected the steady viewer's only)`);
    if (last.handles.length !== 1) problems.push(`the steady viewer's Janus handles: ${last.handles.length}`);
    if (last.st.handles !== 1) problems.push(`plugin handles: ${last.st.handles}`);
    if (last.st.sessions !== 1) problems.push(`plugin sessions: ${last.st.sessions}`);
    if (last.st.slots_bound !== STEADY_SLOTS.length) problems.push(`slots_bound: ${last.st.slots_bound} (expected ${STEADY_SLOTS.length})`);
    for (const x of last.st.sources) if (x.consumers !== steadyConsumers(x)) problems.push(`${x.name}: ${x.consumers} consumers (expected ${steadyConsumers(x)})`);
    if (last.kids.length !== STEADY_TRANSCODES) problems.push(`ffmpeg children of Janus: ${last.kids.length} (expected ${STEADY_TRANSCODES})`);
    if (last.fds > baseline.fds + FD_MARGIN) problems.push(`Janus fds: ${last.fds}, baseline ${baseline.fds} (+${FD_MARGIN} allowed)`);
    assert.deepEqual(problems, []);
  });

  test('5. idle half-open sessions are told multistream/disconnected (connection_lost, setup_timeout) after setup_timeout; connected sessions never are', () => {
    assert.ok(drainEnd, 'the storm ran');
    // offers without candidates (or none): nothing but setup_timeout can end them
    const judged = S.idle.filter((r) => r.offer !== 'full');
    const told = judged.filter((r) => r.at);
    const right = told.filter((r) => r.reason === 'connection_lost' && r.detail === 'setup_timeout');
    const early = right.filter((r) => r.at - r.initAt < SETUP_TIMEOUT * 1000 - 250);
    const late = right.filter((r) => r.at - r.readyAt > (SETUP_TIMEOUT + 3) * 1000);
    const after = right.map((r) => r.at - r.initAt);
    const full = S.idle.filter((r) => r.offer === 'full');
    fig(`check 5: idle half-open sessions ${judged.length} (+${full.length} with unreachable candidates: told ${full.filter((r) => r.at).length} ${JSON.stringify([...new Set(full.filter((r) => r.at).map((r) => `${r.reason}/${r.detail}`))])}); told ${told.length}, with connection_lost/setup_timeout ${right.length}; init -> disconnected ${after.length ? `${Math.min(...after)}..${Math.max(...after)} ms` : '-'}; never told (lingering) ${S.lingerers.length}`);
    const cut = S.real.filter((r) => r.connectedAt && r.setupTimeoutAt && r.connectedAt - r.initAt < (SETUP_TIMEOUT - 2) * 1000);
    const silentTold = S.silent.filter((r) => r.disconnectedAt);
    fig(`check 5: real sessions connected ${S.real.filter((r) => r.connectedAt).length} (init -> connected max ${Math.max(0, ...S.real.filter((r) => r.connectedAt).map((r) => r.connectedAt - r.initAt))} ms), cut by setup_timeout although connected in time ${cut.length}; PeerConnections closed then silent ${S.silent.length}, told disconnected before Janus's session timeout ${silentTold.length}`);
    assert.ok(judged.length >= 5, `idle half-open sessions ran (${judged.length})`);
    assert.equal(told.length, judged.length, `${judged.length - told.length} of ${judged.length} idle half-open sessions never heard multistream/disconnected within setup_timeout + 4 s`);
    assert.equal(right.length, told.length, `reasons: ${JSON.stringify(told.filter((r) => !right.includes(r)).slice(0, 5))}`);
    assert.deepEqual(early.map((r) => r.at - r.initAt), [], 'told before setup_timeout');
    assert.deepEqual(late.map((r) => r.at - r.readyAt), [], 'told more than 3 s after setup_timeout');
    assert.deepEqual(cut.map((r) => r.name), [], 'connected sessions cut by setup_timeout');
  });
});

after(() => {
  // werift leaves UDP sockets open after pc.close(); everything we started is stopped by PID.
  setTimeout(() => process.exit(), 2000).unref();
});
