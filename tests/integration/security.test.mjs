// Security holes closed (each test fails against the plugin before the fixes):
//  1. protection is inherited: an ffmpeg: variant of a protected stream needs
//     its parent's token (or its own pin) and is hidden from the stream list;
//  2. token guessing is bounded: auth_failures per session and
//     auth_failures_global per plugin lock token checks for a while;
//     failures are logged (stream named, token never);
//  3. keyframe requests / PLI / FIR no longer replay the GOP cache each time;
//  4. a stream's restart backoff holds however often clients bind it;
//  5. setup_timeout gives up sessions that never connect;
//  6. datagrams from anyone but the expected sender are dropped (ffmpeg
//     variant and rtsp ingest sockets; rtp:// `#from=`);
//  7. camera passwords never reach the Janus log, even from bad URLs.
// Run alone:
//   MS_SKIP_SETUP=1 MS_SKIP_UNIT=1 MS_SANITIZE=0 MS_BUILD_DIR=build bash tests/run.sh integration/security.test.mjs
// Ports used here: UDP 5702-5772 (57xx); TCP 5749 stays closed (the dead rtsp camera).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { waitFor } from '../lib/wait.mjs';
import { startJanus, pluginSkipReason, sleep } from '../lib/janus.mjs';
import { startCameras, stopCameras, CAMERA_PRESETS } from '../lib/cameras.mjs';
import { openHandle, MsPeer, AdminClient, connectMultistream } from '../lib/client.mjs';
import { startRtspServer, rtspSkipReason } from '../lib/rtsp.mjs';
import { resolutionsIn, expectError } from '../lib/fixture.mjs';
import { spsNals } from '../lib/h264.mjs';
import { stopAll } from '../lib/procs.mjs';

const skip = pluginSkipReason() || false;
const res = (i) => `${CAMERA_PRESETS[i].width}x${CAMERA_PRESETS[i].height}`;
const withoutId = (d) => { const v = { ...d.value }; delete v.request_id; return { type: d.type, value: v }; };
const names = (r) => (r.data.value?.streams || []).map((s) => s.name).sort();
const hasSps = (p) => spsNals(p.payload).length > 0;

async function waitRes(peer, k, r, since = 0, timeoutMs = 8000) {
  await waitFor(() => resolutionsIn(peer.packets(k, since)).includes(r), timeoutMs,
    `slot ${k} shows ${r} (saw ${[...new Set(resolutionsIn(peer.packets(k, since)))]})`);
}

/** Wait for an SPS of the given height on slot k (a variant's width follows its parent's aspect). */
async function waitHeight(peer, k, height, since = 0, timeoutMs = 15000) {
  await waitFor(() => resolutionsIn(peer.packets(k, since)).some((r) => r.endsWith(`x${height}`)), timeoutMs,
    `slot ${k} shows a picture ${height} high (saw ${[...new Set(resolutionsIn(peer.packets(k, since)))]})`);
}

/** init (with extra value fields, e.g. token) + offer + ICE. */
function connectWith(janus, slots, extra, log, token = null) {
  return connectMultistream(janus, slots, { log, extra, token });
}

/** Stop what a describe block started: peers, clients, admin, cameras, Janus, RTSP server. */
async function teardown({ peers = [], clients = [], admin, cams = [], janus, srv, sockets = [] }) {
  for (const p of peers) await p.close().catch(() => {});
  for (const c of clients) c.drop();
  for (const s of sockets) { try { s.close(); } catch { /* closed */ } }
  admin?.close();
  await stopCameras(cams);
  await janus?.stop();
  await srv?.stop();
  await stopAll();
}

/** A describe block's Janus + cameras + admin + client bookkeeping. */
function harness() {
  const h = { janus: null, admin: null, cams: [], srv: null, clients: [], peers: [], sockets: [], log: null };
  h.start = async ({ name, pluginConfig, cameras = [], rtsp = null }) => {
    if (rtsp) h.srv = await startRtspServer(rtsp);
    const cfg = typeof pluginConfig === 'function' ? pluginConfig(h.srv) : pluginConfig;
    h.janus = await startJanus({ name, pluginConfig: cfg });
    h.log = (line) => fs.appendFileSync(path.join(h.janus.outDir, 'client.log'), `${line}\n`);
    if (cameras.length) h.cams = await startCameras(cameras, { logDir: h.janus.outDir, staggerMs: 300 });
    h.admin = await new AdminClient(h.janus.adminUrl, h.janus.adminSecret).connect();
  };
  h.handle = async () => {
    const c = await openHandle(h.janus, { log: h.log });
    h.clients.push(c);
    return c;
  };
  h.connect = async (slots, extra = {}) => {
    const r = await connectWith(h.janus, slots, extra, h.log);
    h.clients.push(r.client);
    h.peers.push(r.peer);
    return r;
  };
  h.stop = () => teardown(h);
  h.logText = () => fs.readFileSync(h.janus.logFile, 'utf8');
  h.source = async (name) => (await h.admin.status()).sources.find((s) => s.name === name);
  h.slotStreams = async (c) => (await h.admin.handleInfo(c.sessionId, c.handleId)).plugin_specific.slots.map((s) => s.stream);
  return h;
}

// ---------------------------------------------------------------------------
// H264 keyframe of a chosen size, RTP-packetized, to inject from the test.

/** One IDR frame of w x h from ffmpeg/libx264: [SPS, PPS, IDR] NAL units. */
function encodeKeyframe(w, h) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `color=c=pink:s=${w}x${h}:r=15`, '-frames:v', '1',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-f', 'h264', 'pipe:1'], { maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`ffmpeg could not encode a ${w}x${h} frame: ${r.stderr}`);
  const b = r.stdout;
  const starts = [];
  for (let i = 0; i + 3 <= b.length; i++) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) { starts.push(i + 3); i += 2; }
  }
  const nals = starts.map((s, j) => {
    let e = j + 1 < starts.length ? starts[j + 1] - 3 : b.length;
    while (e > s && b[e - 1] === 0) e--; // 4-byte start codes leave a trailing 0
    return b.subarray(s, e);
  });
  const want = nals.filter((n) => [7, 8, 5].includes(n[0] & 0x1f));
  if (!want.some((n) => (n[0] & 0x1f) === 7)) throw new Error('no SPS in the encoded frame');
  return want;
}

/** RTP packets (PT 96) for one access unit: single NALs, FU-A above 1000 bytes, marker on the last. */
function rtpPackets(nals, { seq, ts, ssrc }) {
  const payloads = [];
  for (const nal of nals) {
    if (nal.length <= 1000) { payloads.push(nal); continue; }
    const hdr = nal[0];
    for (let off = 1; off < nal.length; off += 1000) {
      const end = Math.min(nal.length, off + 1000);
      const fu = Buffer.from([(hdr & 0xe0) | 28, (hdr & 0x1f) | (off === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0)]);
      payloads.push(Buffer.concat([fu, nal.subarray(off, end)]));
    }
  }
  return payloads.map((p, i) => {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = 96 | (i === payloads.length - 1 ? 0x80 : 0);
    h.writeUInt16BE((seq + i) & 0xffff, 2);
    h.writeUInt32BE(ts >>> 0, 4);
    h.writeUInt32BE(ssrc >>> 0, 8);
    return Buffer.concat([h, p]);
  });
}

/** A UDP socket bound on addr (ephemeral port unless given). */
function udpSocket(addr = '127.0.0.1', port = 0) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(port, addr, () => { s.removeListener('error', reject); s.on('error', () => {}); resolve(s); });
  });
}

/**
 * Send `rounds` keyframes of the given NALs to 127.0.0.1:port from sock,
 * every gapMs, with a few SSRCs / sequence starts (whatever the receiver
 * might latch on). Resolves with the number of datagrams sent.
 */
async function inject(sock, port, nals, { rounds = 12, gapMs = 100, to = '127.0.0.1' } = {}) {
  let sent = 0, seq = 1000, ts = 90000;
  for (let r = 0; r < rounds; r++) {
    const ssrc = r % 2 ? 0x1000 + (r % 4) : 0xdeadbeef;
    for (const pkt of rtpPackets(nals, { seq, ts, ssrc })) {
      await new Promise((ok) => sock.send(pkt, port, to, () => ok()));
      sent++;
      seq++;
    }
    ts += 6000;
    await sleep(gapMs);
  }
  return sent;
}

/** The local UDP port the plugin logged for a stream's ffmpeg output (last start). */
function loggedOutputPort(text, stream) {
  const re = new RegExp(`Stream ${stream}: \\S*ffmpeg .*rtp://127\\.0\\.0\\.1:(\\d+)\\?pkt_size`, 'g');
  let m, port = null;
  while ((m = re.exec(text)) !== null) port = Number(m[1]);
  return port;
}

// ---------------------------------------------------------------------------

describe('1. protection is inherited by ffmpeg: variants', { skip, timeout: 90000 }, () => {
  const SECRET = 's3cret', PIN = '4321';
  const h = harness();
  before(() => h.start({
    name: 'security-inherit',
    pluginConfig: {
      general: { source_linger: 1, events: false },
      streams: {
        open: 'rtp://127.0.0.1:5702',
        vault: { source: 'rtp://127.0.0.1:5704', secret: SECRET },
        'vault-low': 'ffmpeg:vault#video=h264#height=120',
        'vault-mid': { source: 'ffmpeg:vault#video=h264#height=144', pin: PIN },
      },
    },
    cameras: [{ name: 'open', port: 5702 }, { name: 'vault', port: 5704 }],
  }));
  after(() => h.stop());

  const namesVault = (e) => e.name === 'vault' || e.name === 'vault-low' || e.parent === 'vault' ||
    Object.entries(e).some(([k, v]) => k !== 'name' && v === 'vault');

  test('streams: without a token or with a wrong one, no entry is vault or vault-low or has parent "vault"', async () => {
    const c = await h.handle();
    for (const extra of [{}, { token: 'wrong' }]) {
      const r = await c.request('multistream/streams', extra);
      assert.equal(r.data.type, 'multistream/streams', JSON.stringify(r.data));
      const bad = r.data.value.streams.filter(namesVault);
      assert.deepEqual(bad, [], `listed with ${JSON.stringify(extra)}: ${JSON.stringify(bad)}`);
      assert.ok(names(r).includes('open'), JSON.stringify(r.data));
    }
    const ok = await c.request('multistream/streams', { token: SECRET });
    for (const n of ['open', 'vault', 'vault-low']) assert.ok(names(ok).includes(n), `the secret lists ${n}: ${names(ok)}`);
  });

  test('init on vault-low without a token or with a wrong one: 487 unauthorized on slot 0; with the secret it plays (120 high)', { timeout: 40000 }, async () => {
    const c = await h.handle();
    for (const extra of [{}, { token: 'wrong' }, { token: PIN }]) {
      const r = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'vault', quality: 'low' }], ...extra });
      expectError(r, 487, 'unauthorized', r.request_id);
      assert.equal(r.data.value.slot, 0, JSON.stringify(r.data));
    }
    const V = await h.connect([{ slot: 0, stream: 'vault', quality: 'low' }], { token: SECRET });
    await waitHeight(V.peer, 0, 120);
  });

  test('switch to vault-low on a session inited on the open stream: 487, the slot keeps its stream; with the secret: buffering', { timeout: 20000 }, async () => {
    const c = await h.handle();
    const ready = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'open' }] });
    assert.equal(ready.data.type, 'multistream/ready', JSON.stringify(ready.data));
    for (const extra of [{}, { token: 'wrong' }]) {
      const r = await c.request('multistream/switch', { slot: 0, stream: 'vault-low', ...extra });
      expectError(r, 487, 'unauthorized', r.request_id);
      assert.equal(r.data.value.slot, 0);
      assert.deepEqual(await h.slotStreams(c), ['open'], 'the refused switch changed the slot');
    }
    const r = await c.request('multistream/switch', { slot: 0, stream: 'vault-low', token: SECRET });
    assert.equal(r.data.value?.status?.status, 'buffering', JSON.stringify(r.data));
  });

  test('vault-mid (its own pin "4321"): opened by the pin or by the parent\'s secret, not without; listed with the pin alone without naming vault', { timeout: 20000 }, async () => {
    const c = await h.handle();
    for (const extra of [{}, { token: 'wrong' }]) {
      const r = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'vault-mid' }], ...extra });
      expectError(r, 487, 'unauthorized', r.request_id);
    }
    for (const token of [PIN, SECRET]) {
      const x = await h.handle();
      const r = await x.request('multistream/init', { slots: [{ slot: 0, stream: 'vault-mid' }], token });
      assert.equal(r.data.type, 'multistream/ready', `token ${token}: ${JSON.stringify(r.data)}`);
      await x.close();
    }
    const list = await c.request('multistream/streams', { token: PIN });
    const entry = list.data.value.streams.find((e) => e.name === 'vault-mid');
    assert.ok(entry, `the pin lists vault-mid: ${JSON.stringify(list.data)}`);
    const leaks = Object.entries(entry).filter(([k, v]) => k !== 'name' && typeof v === 'string' && v.includes('vault'));
    assert.deepEqual(leaks, [], `vault-mid's entry names its parent: ${JSON.stringify(entry)}`);
    assert.ok(!names(list).includes('vault') && !names(list).includes('vault-low'), `the pin lists ${names(list)}`);
    const bare = await c.request('multistream/streams', {});
    assert.ok(!names(bare).includes('vault-mid'), `listed without a token: ${names(bare)}`);
  });
});

// ---------------------------------------------------------------------------

const SECRET_S = 'Sx7-secret-long', PIN_P = '4821';
const AUTH_STREAMS = (base) => ({
  open: `rtp://127.0.0.1:${base}`,
  camS: { source: `rtp://127.0.0.1:${base + 2}`, secret: SECRET_S },
  camP: { source: `rtp://127.0.0.1:${base + 4}`, pin: PIN_P },
});

describe('2a. token guessing: per-session lock (auth_failures = 3), streams, answers, log', { skip, timeout: 90000 }, () => {
  const h = harness();
  const WRONG = ['wrong-Tk1-q9', 'wrong-Tk2-z4', 'wrong-Tk3-m7', 'wrong-Tk4-p2', 'wrong-Tk5-c8', 'wrong-Tk6-x5'];
  before(() => h.start({
    name: 'security-auth',
    // a high global threshold: only the per-session lock is at work here
    pluginConfig: { general: { auth_failures: 3, auth_failures_global: 50, source_linger: 1, events: false }, streams: AUTH_STREAMS(5712) },
    cameras: [{ name: 'open', port: 5712 }, { name: 'camS', port: 5714 }, { name: 'camP', port: 5716 }],
  }));
  after(() => h.stop());

  test('one session: 3 wrong tokens, then the RIGHT one at once gets 487 (locked) while another session is not locked; 2.5 s later the right token works', { timeout: 20000 }, async () => {
    const A = await h.handle();
    const B = await h.handle();
    const init = (c, token) => c.request('multistream/init', { slots: [{ slot: 0, stream: 'camS' }], token });
    for (const t of WRONG.slice(0, 3)) expectError(await init(A, t), 487, 'unauthorized');
    const locked = await init(A, SECRET_S);
    assert.equal(locked.data.type, 'multistream/error', `the right token right after 3 failures was accepted (no lock): ${JSON.stringify(locked.data)}`);
    expectError(locked, 487, 'unauthorized', locked.request_id);
    const other = await init(B, SECRET_S);
    assert.equal(other.data.type, 'multistream/ready', `another session during A's lock: ${JSON.stringify(other.data)}`);
    await sleep(2500);
    const later = await init(A, SECRET_S);
    assert.equal(later.data.type, 'multistream/ready', `the right token after the lock: ${JSON.stringify(later.data)}`);
  });

  test('streams with a wrong token count as failures: after 3, streams with the right token does not list camS', async () => {
    const c = await h.handle();
    for (const t of WRONG.slice(3, 6)) {
      const r = await c.request('multistream/streams', { token: t });
      assert.ok(!names(r).includes('camS'));
    }
    const r = await c.request('multistream/streams', { token: SECRET_S });
    if (r.data.type === 'multistream/streams') {
      assert.ok(!names(r).includes('camS'), `the right token right after 3 wrong streams requests lists ${names(r)} (no lock)`);
    } else {
      expectError(r, 487, 'unauthorized');
    }
  });

  test('wrong token, unknown name and locked get identical answers (type, code, error, slot; no detail)', async () => {
    const c = await h.handle();
    const tries = [['camP', 'wrong-Tk7-r1'], ['nosuch', undefined], ['camP', 'wrong-Tk8-k3'], ['camP', PIN_P]];
    const answers = [];
    for (const [stream, token] of tries) {
      const r = await c.request('multistream/init', { slots: [{ slot: 0, stream }], ...(token ? { token } : {}) });
      answers.push([`${stream}/${token === PIN_P ? 'right pin (locked)' : token}`, withoutId(r.data)]);
    }
    for (const [what, a] of answers) assert.deepEqual(a, answers[0][1], `${what} answered ${JSON.stringify(a)}, unlike ${answers[0][0]}`);
    assert.equal(answers[0][1].value.code, 487);
    assert.equal(answers[0][1].value.detail, undefined, JSON.stringify(answers[0][1]));
  });

  test('the Janus log: a warning naming camP for the failures; never a wrong token, the secret or the pin', async () => {
    const c = await h.handle();
    const r = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'camP' }], token: 'wrong-Tk9-v6' });
    expectError(r, 487, 'unauthorized');
    await sleep(200);
    const lines = h.logText().split('\n');
    const warns = lines.filter((l) => /\[WARN\]/.test(l) && /multistream/.test(l) && /\bcamP\b/.test(l));
    assert.ok(warns.length >= 3, `warning lines naming camP: ${warns.length} (want one per failure on camP, >= 3)`);
    const text = lines.join('\n');
    for (const s of [...WRONG, 'wrong-Tk7-r1', 'wrong-Tk8-k3', 'wrong-Tk9-v6', SECRET_S, PIN_P]) {
      // as a word of its own: the 4-digit pin also turns up inside Janus's
      // random 16-digit session and handle ids now and then
      const word = new RegExp(`(?<![0-9A-Za-z])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9A-Za-z])`);
      assert.ok(!word.test(text), `"${s}" appears in the Janus log`);
    }
  });
});

describe('2b. token guessing: global lock (auth_failures_global = 8)', { skip, timeout: 60000 }, () => {
  const h = harness();
  before(() => h.start({
    name: 'security-auth-global',
    pluginConfig: { general: { auth_failures: 3, auth_failures_global: 8, source_linger: 1, events: false }, streams: AUTH_STREAMS(5722) },
    cameras: [{ name: 'open', port: 5722 }, { name: 'camS', port: 5724 }, { name: 'camP', port: 5726 }],
  }));
  after(() => h.stop());

  test('10 handles each try one wrong pin: then a fresh handle with the RIGHT pin gets 487; a session accepted before keeps switching to what its token opens', { timeout: 30000 }, async () => {
    // accepted before the attack
    const V = await h.handle();
    const ok = await V.request('multistream/init', { slots: [{ slot: 0, stream: 'camS' }, { slot: 1, stream: 'open' }], token: SECRET_S });
    assert.equal(ok.data.type, 'multistream/ready', JSON.stringify(ok.data));
    const attackers = await Promise.all(Array.from({ length: 10 }, () => h.handle()));
    for (const [i, a] of attackers.entries()) {
      const r = await a.request('multistream/init', { slots: [{ slot: 0, stream: 'camP' }], token: `99${i}0${i}` });
      expectError(r, 487, 'unauthorized');
    }
    const fresh = await h.handle();
    const r = await fresh.request('multistream/init', { slots: [{ slot: 0, stream: 'camP' }], token: PIN_P });
    assert.equal(r.data.type, 'multistream/error', `the right pin on a fresh handle after 10 failures in the minute was accepted (no global lock): ${JSON.stringify(r.data)}`);
    expectError(r, 487, 'unauthorized', r.request_id);
    // V's own token was accepted before: it still works during the lock
    for (const [slot, stream] of [[1, 'camS'], [0, 'open'], [0, 'camS']]) {
      const s = await V.request('multistream/switch', { slot, stream });
      assert.equal(s.data.value?.status?.status, 'buffering', `V's switch of slot ${slot} to ${stream} during the global lock: ${JSON.stringify(s.data)}`);
    }
  });
});

// ---------------------------------------------------------------------------

describe('3. keyframe requests and PLI do not replay the GOP cache each time', { skip, timeout: 90000 }, () => {
  const h = harness();
  let P, C; // P: 3 slots on cam (perturbed); C: control viewer of cam
  const cam = CAMERA_PRESETS[0]; // startCamera defaults: 15 fps, gop 30 -> a keyframe every 2 s
  before(async () => {
    await h.start({
      name: 'security-keyframe',
      pluginConfig: { general: { source_linger: 1, events: false }, streams: { cam: 'rtp://127.0.0.1:5732' } },
      cameras: [{ name: 'cam', port: 5732 }],
    });
    P = await h.connect([0, 1, 2].map((slot) => ({ slot, stream: 'cam' })));
    C = await h.connect([{ slot: 0, stream: 'cam' }]);
    for (const k of [0, 1, 2]) await waitRes(P.peer, k, res(0));
    await waitRes(C.peer, 0, res(0));
    await sleep(2500); // past the setup replays
  });
  after(() => h.stop());

  test('40 keyframe {slot:-1} requests in 2 s: all answered "requested"; per slot at most 2 + live keyframes GOP starts, bytes bounded', { timeout: 30000 }, async () => {
    let gopMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        gopMax = Math.max(gopMax, (await h.source('cam'))?.gop_bytes || 0);
        await sleep(100);
      }
    })();
    const since = P.client.mark();
    const ids = [];
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) {
      const id = `kf-${i}`;
      ids.push(id);
      P.client.sendMessage({ type: 'multistream/keyframe', value: { request_id: id, slot: -1 } });
      await sleep(47);
    }
    const tLast = Date.now();
    await sleep(500);
    const tEnd = Date.now();
    sampling = false;
    await sampler;
    const replies = P.client.events.slice(since).filter((e) => ids.includes(e.data?.value?.request_id));
    const within = (p) => p.at >= t0 && p.at <= tEnd;
    const live = C.peer.packets(0).filter(within);
    const liveStarts = live.filter(hasSps).length;
    const liveBytes = live.reduce((n, p) => n + p.payload.length, 0);
    const per = [0, 1, 2].map((k) => {
      const pk = P.peer.packets(k).filter(within);
      return { starts: pk.filter(hasSps).length, bytes: pk.reduce((n, p) => n + p.payload.length, 0) };
    });
    console.log(`# keyframe burst: 40 requests in ${tLast - t0} ms, window ${tEnd - t0} ms; camera (control viewer): ${liveStarts} keyframes, ${liveBytes} bytes; ` +
      `gop cache max ${gopMax} bytes; per slot: ${per.map((x, k) => `slot ${k}: ${x.starts} starts, ${x.bytes} bytes`).join('; ')}`);
    assert.equal(replies.length, 40, `replies: ${replies.length}`);
    for (const e of replies) {
      assert.equal(e.data.type, 'multistream/keyframe', JSON.stringify(e.data));
      assert.equal(e.data.value.status, 'requested');
    }
    const maxBytes = liveBytes + 2 * gopMax;
    for (const [k, x] of per.entries()) {
      assert.ok(x.starts <= 2 + liveStarts, `slot ${k}: ${x.starts} GOP starts (SPS) in ${tEnd - t0} ms, at most 2 + ${liveStarts} live expected`);
      assert.ok(x.bytes <= maxBytes, `slot ${k}: ${x.bytes} bytes in ${tEnd - t0} ms, at most ${maxBytes} expected (camera ${liveBytes} + 2 GOP caches of <= ${gopMax})`);
    }
  });

  test('pause, resume, and a PLI right after the first keyframe (as a browser sends): the GOP start arrives exactly once in the first 300 ms', { timeout: 30000 }, async () => {
    await sleep(1500); // out of the previous test's windows
    const c = P.client;
    const p = await c.request('multistream/pause', { slot: 0 });
    assert.equal(p.data.value?.status?.status, 'paused', JSON.stringify(p.data));
    // resume right after a live keyframe (seen on slot 1): the next one is ~2 s away
    const seen = P.peer.packets(1).length;
    await waitFor(() => P.peer.rtp[1].slice(seen).some(hasSps), 5000, 'a live keyframe on slot 1', 5);
    await sleep(60);
    const tResume = Date.now();
    const r = await c.request('multistream/resume', { slot: 0 });
    assert.equal(r.data.value?.status?.status, 'buffering', JSON.stringify(r.data));
    // like a browser: a PLI once the first keyframe arrived
    await waitFor(() => P.peer.packets(0, tResume).some(hasSps), 3000, 'a keyframe on slot 0 after the resume', 2);
    const first = P.peer.packets(0, tResume).find(hasSps);
    const tFirst = Date.now();
    await P.peer.transceivers[0].receiver.sendRtcpPLI(first.ssrc);
    await sleep(Math.max(0, tResume + 600 - Date.now()));
    const starts = P.peer.packets(0, tResume).filter((x) => hasSps(x) && x.at <= tResume + 300);
    console.log(`# pause/resume: first keyframe ${first.at - tResume} ms after the resume, PLI sent at +${tFirst - tResume} ms; SPS at +${starts.map((x) => x.at - tResume).join(', +')} ms`);
    assert.equal(starts.length, 1, `GOP starts (SPS) on slot 0 within 300 ms of the resume: ${starts.length}`);
  });
});

// ---------------------------------------------------------------------------

describe('4. restart backoff holds against clients switching to a dead camera', { skip, timeout: 60000 }, () => {
  const h = harness();
  before(() => h.start({
    name: 'security-backoff',
    pluginConfig: {
      general: { source_linger: 1, events: false },
      streams: { open: 'rtp://127.0.0.1:5742', dead: 'rtsp://127.0.0.1:5749/x' }, // nothing listens on tcp 5749
    },
    cameras: [{ name: 'open', port: 5742 }],
  }));
  after(() => h.stop());

  // Backoff 1, 2, 5, 10 s after each failure: starts at ~0, ~1, ~3, ~8 s. The
  // unfixed plugin restarts dead on every bind once its last ffmpeg failed
  // (about one start per 0.7 s here: ffmpeg's own start + refusal time).
  test('switching a slot to "dead" and back every 100 ms for 8 s: at most 5 starts of dead (backoff 1, 2, 5, 10 s)', { timeout: 30000 }, async () => {
    const c = await h.handle();
    const ready = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'open' }] });
    assert.equal(ready.data.type, 'multistream/ready', JSON.stringify(ready.data));
    const count = () => (h.logText().match(/Stream dead started/g) || []).length;
    const before0 = count();
    const t0 = Date.now();
    let switches = 0;
    while (Date.now() - t0 < 8000) {
      for (const stream of ['dead', 'open']) {
        const r = await c.request('multistream/switch', { slot: 0, stream });
        assert.equal(r.data.type, 'multistream/status', JSON.stringify(r.data));
        switches++;
        await sleep(50);
      }
    }
    await sleep(200);
    const starts = count() - before0;
    console.log(`# backoff: ${switches} switches in ${Date.now() - t0} ms, "Stream dead started" ${starts} times`);
    assert.ok(starts >= 1, 'dead was never started');
    assert.ok(starts <= 5, `"Stream dead started" ${starts} times in 8 s (at most 5 with backoff 1, 2, 5, 10 s)`);
  });
});

// ---------------------------------------------------------------------------

describe('5. setup_timeout = 3: half-open sessions are given up', { skip, timeout: 90000 }, () => {
  const h = harness();
  let A, B, C, D, tA, tB, refusedD, bPeer;
  const SETUP = 3;
  const isTimeout = (d) => d?.type === 'multistream/disconnected';
  before(async () => {
    await h.start({
      name: 'security-setup-timeout',
      pluginConfig: {
        general: { setup_timeout: SETUP, max_sessions: 3, source_linger: 1, events: false },
        streams: { live: 'rtp://127.0.0.1:5752', cam2: 'rtp://127.0.0.1:5754', 'cam2-low': 'ffmpeg:cam2#video=h264#height=120' },
      },
      cameras: [{ name: 'live', port: 5752 }, { name: 'cam2', port: 5754 }],
    });
    // C: fully connected, must be left alone
    C = await h.connect([{ slot: 0, stream: 'live' }]);
    await waitRes(C.peer, 0, res(0));
    // A: init, never an offer
    A = await h.handle();
    tA = Date.now();
    const ra = await A.request('multistream/init', { slots: [{ slot: 0, stream: 'cam2' }] });
    assert.equal(ra.data.type, 'multistream/ready', JSON.stringify(ra.data));
    // B: init + offer (no candidates in it), never a trickle, never connects
    B = await h.handle();
    const rb = await B.request('multistream/init', { slots: [{ slot: 0, stream: 'cam2-low' }] });
    assert.equal(rb.data.type, 'multistream/ready', JSON.stringify(rb.data));
    bPeer = new MsPeer(1);
    h.peers.push(bPeer);
    const offer = await bPeer.createOffer();
    const sdp = offer.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate') && !l.startsWith('a=end-of-candidates')).join('\r\n');
    tB = Date.now();
    const ans = await B.request('multistream/offer', {}, { jsep: { type: 'offer', sdp }, timeoutMs: 10000 });
    assert.equal(ans.data.type, 'multistream/answer', JSON.stringify(ans.data));
    await bPeer.close();
    // D: beyond max_sessions while A and B hold their places
    D = await h.handle();
    refusedD = await D.request('multistream/init', { slots: [{ slot: 0, stream: 'live' }] });
  });
  after(() => h.stop());

  const checkEvent = (e, who) => {
    assert.deepEqual(e.data, { type: 'multistream/disconnected', value: { reason: 'connection_lost', detail: 'setup_timeout' } }, `${who}: ${JSON.stringify(e.data)}`);
  };

  test('a handle that inits and never sends an offer gets disconnected {connection_lost, setup_timeout} within setup_timeout + 2 s', { timeout: 20000 }, async () => {
    const e = await A.waitEvent(isTimeout, { timeoutMs: Math.max(500, tA + (SETUP + 2) * 1000 - Date.now()), what: 'multistream/disconnected on A (init, no offer)' });
    console.log(`# setup_timeout: A disconnected ${e.at - tA} ms after its init`);
    checkEvent(e, 'A');
  });

  test('a handle that sent its offer but never did ICE gets disconnected {connection_lost, setup_timeout} within setup_timeout + 2 s', { timeout: 20000 }, async () => {
    const e = await B.waitEvent(isTimeout, { timeoutMs: Math.max(500, tB + (SETUP + 2) * 1000 - Date.now()), what: 'multistream/disconnected on B (offer, no ICE)' });
    console.log(`# setup_timeout: B disconnected ${e.at - tB} ms after its offer`);
    checkEvent(e, 'B');
  });

  test('after the timeout their slots are unbound (consumers 0, sessions 1), switch gets 482; the connected session still receives media and got no event', { timeout: 20000 }, async () => {
    await sleep(Math.max(0, tB + (SETUP + 2) * 1000 - Date.now()));
    let st;
    await waitFor(async () => {
      st = await h.admin.status();
      const cons = (n) => st.sources.find((s) => s.name === n)?.consumers;
      return cons('cam2') === 0 && cons('cam2-low') === 0 && st.sessions === 1;
    }, 3000, 'cam2 and cam2-low without consumers, one session left').catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify({ sessions: st?.sessions, sources: st?.sources.map((s) => [s.name, s.consumers]) })}`);
    });
    for (const c of [A, B]) {
      const r = await c.request('multistream/switch', { slot: 0, stream: 'live' });
      expectError(r, 482, 'no active session', r.request_id);
    }
    const t = Date.now();
    await C.peer.waitPackets(0, 10, { since: t, timeoutMs: 3000 });
    assert.ok(!C.client.events.some((e) => isTimeout(e.data)), 'the connected session got a disconnected event');
  });

  test('max_sessions = 3: the session refused while A and B were half-open (486) can init after the timeout', { timeout: 20000 }, async () => {
    expectError(refusedD, 486, 'invalid state');
    await sleep(Math.max(0, tB + (SETUP + 2) * 1000 - Date.now()));
    const r = await D.request('multistream/init', { slots: [{ slot: 0, stream: 'live' }] });
    assert.equal(r.data.type, 'multistream/ready', `after the setup timeout: ${JSON.stringify(r.data)}`);
  });
});

// ---------------------------------------------------------------------------

describe('6. packet injection: only the expected sender reaches a stream', { skip, timeout: 120000 }, () => {
  const h = harness();
  const INJ = CAMERA_PRESETS[6]; // 256x192: no camera here has this size
  const INJ_RES = `${INJ.width}x${INJ.height}`;
  let nals;
  const withRtsp = !rtspSkipReason();
  before(async () => {
    nals = encodeKeyframe(INJ.width, INJ.height);
    await h.start({
      name: 'security-inject',
      rtsp: withRtsp ? { mounts: ['camera1'], width: 320, height: 180 } : null,
      pluginConfig: (srv) => ({
        general: { source_linger: 1, events: false },
        streams: {
          cam: 'rtp://127.0.0.1:5762',
          'cam-low': 'ffmpeg:cam#video=h264#height=120',
          pinned: 'rtp://127.0.0.1:5764#from=127.0.0.1:5766',
          pinnedAddr: 'rtp://127.0.0.1:5768#from=127.0.0.1',
          ...(srv ? { camR: srv.url('camera1') } : {}),
        },
      }),
      cameras: [
        { name: 'cam', port: 5762 },
        { name: 'pinned', port: 5764, localRtpPort: 5766 },
        { name: 'pinnedAddr', port: 5768 },
      ],
    });
  });
  after(() => h.stop());

  async function injectAndWatch(viewer, port, opts = {}) {
    const sock = await udpSocket(opts.from || '127.0.0.1');
    h.sockets.push(sock);
    const t = Date.now();
    const sent = await inject(sock, port, nals, opts);
    // longer than the cameras' GOP (2 s): the camera's own SPS shows in the
    // window whenever it kept playing
    await sleep(2500);
    const seen = [...new Set(resolutionsIn(viewer.peer.packets(0, t)))];
    return { sent, seen, from: sock.address() };
  }

  test('ffmpeg variant output: RTP with a 256x192 SPS sent to the port the transcoder sends to never reaches the viewer', { timeout: 40000 }, async () => {
    const V = await h.connect([{ slot: 0, stream: 'cam-low' }]);
    await waitRes(V.peer, 0, '160x120', 0, 15000);
    const port = loggedOutputPort(h.logText(), 'cam-low');
    assert.ok(port, 'the variant\'s ffmpeg command line (rtp://127.0.0.1:PORT?pkt_size=...) is in the Janus log');
    const { sent, seen, from } = await injectAndWatch(V, port);
    console.log(`# injection into cam-low's port ${port} from ${from.address}:${from.port}: ${sent} datagrams, viewer saw ${seen.join(',')}`);
    assert.ok(!seen.includes(INJ_RES), `the viewer of cam-low received the injected ${INJ_RES} SPS (saw ${seen})`);
    assert.ok(seen.includes('160x120'), `the variant kept playing (saw ${seen})`);
  });

  test('rtsp ingest: RTP with a 256x192 SPS sent to the port ffmpeg sends the camera to never reaches the viewer', { skip: withRtsp ? false : rtspSkipReason(), timeout: 40000 }, async () => {
    const V = await h.connect([{ slot: 0, stream: 'camR' }]);
    await waitRes(V.peer, 0, '320x180', 0, 15000);
    const port = loggedOutputPort(h.logText(), 'camR');
    assert.ok(port, 'the rtsp ingest ffmpeg command line (rtp://127.0.0.1:PORT) is in the Janus log');
    const { sent, seen, from } = await injectAndWatch(V, port);
    console.log(`# injection into camR's port ${port} from ${from.address}:${from.port}: ${sent} datagrams, viewer saw ${seen.join(',')}`);
    assert.ok(!seen.includes(INJ_RES), `the viewer of camR received the injected ${INJ_RES} SPS (saw ${seen})`);
  });

  test('#from=127.0.0.1:5766: the camera sending from 5766 is shown; datagrams to 5764 from another port are dropped', { timeout: 40000 }, async () => {
    const list = await (await h.handle()).request('multistream/streams', {});
    assert.ok(names(list).includes('pinned'), `the stream with #from= is configured (listed: ${names(list)})`);
    const V = await h.connect([{ slot: 0, stream: 'pinned' }]);
    await waitRes(V.peer, 0, res(1), 0, 10000);
    const { sent, seen, from } = await injectAndWatch(V, 5764);
    console.log(`# injection into pinned (5764) from ${from.address}:${from.port}: ${sent} datagrams, viewer saw ${seen.join(',')}`);
    assert.ok(!seen.includes(INJ_RES), `the viewer of pinned received the injected ${INJ_RES} SPS (saw ${seen})`);
    assert.ok(seen.includes(res(1)), `the camera kept playing (saw ${seen})`);
  });

  test('#from=127.0.0.1 (address only): the camera on 127.0.0.1 is shown; datagrams from 127.0.0.2 are dropped', { timeout: 40000 }, async () => {
    const list = await (await h.handle()).request('multistream/streams', {});
    assert.ok(names(list).includes('pinnedAddr'), `the stream with #from=ADDR is configured (listed: ${names(list)})`);
    const V = await h.connect([{ slot: 0, stream: 'pinnedAddr' }]);
    await waitRes(V.peer, 0, res(2), 0, 10000);
    const { sent, seen, from } = await injectAndWatch(V, 5768, { from: process.env.MS_ICE_IP || '127.0.0.2' });
    console.log(`# injection into pinnedAddr (5768) from ${from.address}:${from.port}: ${sent} datagrams, viewer saw ${seen.join(',')}`);
    assert.ok(!seen.includes(INJ_RES), `the viewer of pinnedAddr received the injected ${INJ_RES} SPS (saw ${seen})`);
    assert.ok(seen.includes(res(2)), `the camera kept playing (saw ${seen})`);
  });
});

// ---------------------------------------------------------------------------

describe('7. camera passwords never reach the Janus log, even from URLs that do not parse', { skip, timeout: 30000 }, () => {
  const h = harness();
  const PASSWORDS = ['pa#ssw0rdX', 'Secr3tZ'];
  before(() => h.start({
    name: 'security-badurl',
    pluginConfig: {
      general: { events: false },
      streams: {
        open: 'rtp://127.0.0.1:5772',
        bad1: 'rtsp://admin:pa#ssw0rdX@127.0.0.1/x',
        bad2: 'rtsp://admin:Secr3tZ@127.0.0.1:99999/x',
      },
    },
  }));
  after(() => h.stop());

  test('bad1 (a "#" in the password) and bad2 (port 99999): no password, nor any 4+ character piece of one, in the log', async () => {
    const c = await h.handle();
    await c.request('multistream/streams', {});
    await sleep(200);
    const text = h.logText();
    const pieces = new Set();
    for (const p of PASSWORDS) {
      pieces.add(p);
      const tail = p.startsWith('pa') ? p.slice(2) : p;
      for (let i = 0; i < tail.length; i++) for (let j = i + 4; j <= tail.length; j++) pieces.add(tail.slice(i, j));
    }
    const found = [...pieces].filter((s) => text.includes(s));
    const lines = text.split('\n').filter((l) => found.some((s) => l.includes(s)));
    assert.deepEqual(found, [], `password text in the Janus log:\n${lines.join('\n')}`);
  });
});

after(() => {
  // werift leaves UDP sockets open after pc.close(); everything we started is stopped by PID.
  setTimeout(() => process.exit(), 2000).unref();
});
