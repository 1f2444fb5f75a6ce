// Limits and access control (issue 6, point 5; docs/protocol.md §10):
//  - max_slots (484), max_sessions (486 with a detail; a closed or detached
//    session frees its place), max_requests_per_second (486, every request
//    answered exactly once, per session, the session works again a second
//    later);
//  - protected streams (secret / pin): init, switch and resume without or
//    with a wrong value.token get 487 `unauthorized`, exactly like a name
//    that does not exist; the right token works and the init's token is
//    remembered; multistream/streams hides what the token may not watch;
//  - admin requests need admin_key when it is set;
//  - secrets, pins, admin_key and camera passwords never appear in the Janus
//    log, in events, in the stream list or in the admin answers.
// Run alone: MS_SKIP_SETUP=1 MS_SKIP_UNIT=1 MS_BUILD_DIR=build-faults bash tests/run.sh integration/access.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/wait.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { startJanus, pluginSkipReason, sleep } from '../lib/janus.mjs';
import { startCameras, stopCameras, CAMERA_PRESETS } from '../lib/cameras.mjs';
import { openHandle, MsPeer, AdminClient, connectMultistream } from '../lib/client.mjs';
import { startRtspServer, rtspSkipReason } from '../lib/rtsp.mjs';
import { resolutionsIn, expectError } from '../lib/fixture.mjs';
import { stopAll } from '../lib/procs.mjs';

const skip = pluginSkipReason() || false;
const res = (i) => `${CAMERA_PRESETS[i].width}x${CAMERA_PRESETS[i].height}`;


async function waitRes(peer, k, r, since = 0, timeoutMs = 8000) {
  await waitFor(() => resolutionsIn(peer.packets(k, since)).includes(r), timeoutMs,
    `slot ${k} shows ${r} (saw ${[...new Set(resolutionsIn(peer.packets(k, since)))]})`);
}

/** init (with extra value fields, e.g. token) + offer + ICE. */
function connectWith(janus, slots, extra, log, token = null) {
  return connectMultistream(janus, slots, { log, extra, token });
}

/** Stop what a describe block started: peers, clients, admin, cameras, Janus, RTSP server. */
async function teardown({ peers = [], clients = [], admin, cams = [], janus, srv }) {
  for (const p of peers) await p.close().catch(() => {});
  for (const c of clients) c.drop();
  admin?.close();
  await stopCameras(cams);
  await janus?.stop();
  await srv?.stop();
  await stopAll();
}

// ---------------------------------------------------------------------------

describe('limits: max_slots, max_sessions, max_requests_per_second', { skip, timeout: 90000 }, () => {
  let janus, admin, cams = [];
  const clients = [];
  const MAX_SLOTS = 3, MAX_SESSIONS = 2, RPS = 5, GOP_KB = 8;

  before(async () => {
    janus = await startJanus({
      name: 'access-limits',
      pluginConfig: {
        general: { max_slots: MAX_SLOTS, max_sessions: MAX_SESSIONS, max_requests_per_second: RPS, gop_cache_kb: GOP_KB, source_linger: 1, events: false },
        streams: { cam1: 'rtp://127.0.0.1:5504', cam2: 'rtp://127.0.0.1:5506' },
      },
    });
    admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
    // cam1 pushes GOPs of ~20-40 KB (2 s at 300 kbit/s): larger than the cache
    cams = await startCameras([{ name: 'cam1', port: 5504 }], { logDir: janus.outDir });
  });
  after(async () => {
    for (const c of clients) c.drop();
    admin?.close();
    await stopCameras(cams);
    await janus?.stop();
  });

  async function handle() {
    const log = (line) => fs.appendFileSync(path.join(janus.outDir, 'client.log'), `${line}\n`);
    const c = await openHandle(janus, { log });
    clients.push(c);
    return c;
  }
  const slots = (n) => Array.from({ length: n }, (_, i) => ({ slot: i, stream: i % 2 ? 'cam2' : 'cam1' }));
  const state = async (c) => (await admin.handleInfo(c.sessionId, c.handleId)).plugin_specific?.state;

  test(`max_slots = ${MAX_SLOTS}: ${MAX_SLOTS + 1} slots get 484 and change nothing; ${MAX_SLOTS} work`, async () => {
    const c = await handle();
    const r = await c.request('multistream/init', { slots: slots(MAX_SLOTS + 1) });
    expectError(r, 484, 'too many slots requested', r.request_id);
    assert.equal(await state(c), 'new');
    const ok = await c.request('multistream/init', { slots: slots(MAX_SLOTS) });
    assert.deepEqual(ok.data, { type: 'multistream/ready', value: { request_id: ok.request_id, slots: MAX_SLOTS } });
    await c.close();
  });

  test(`max_sessions = ${MAX_SESSIONS}: the third init gets 486 with a detail; a closed or detached session frees its place`, { timeout: 20000 }, async () => {
    await waitFor(async () => (await admin.status()).sessions === 0, 3000, 'no session left from the previous test');
    const [A, B, C, D] = [await handle(), await handle(), await handle(), await handle()];
    for (const x of [A, B]) {
      const r = await x.request('multistream/init', { slots: slots(1) });
      assert.equal(r.data.type, 'multistream/ready', JSON.stringify(r.data));
    }
    const r3 = await C.request('multistream/init', { slots: slots(1) });
    expectError(r3, 486, 'invalid state', r3.request_id);
    assert.match(r3.data.value.detail || '', /max_sessions/, `the detail names the cap: ${JSON.stringify(r3.data)}`);
    assert.equal(await state(C), 'new', 'the refused handle is unchanged');
    assert.equal((await admin.status()).sessions, 2);
    // A closes its session: C may init now, D may not.
    const cl = await A.request('multistream/close', {});
    assert.equal(cl.data.type, 'multistream/close');
    const r4 = await C.request('multistream/init', { slots: slots(2) });
    assert.equal(r4.data.type, 'multistream/ready', `after a close: ${JSON.stringify(r4.data)}`);
    const r5 = await D.request('multistream/init', { slots: slots(1) });
    expectError(r5, 486, 'invalid state', r5.request_id);
    // B detaches (its WebSocket session ends): D may init now.
    await B.close();
    await waitFor(async () => (await admin.status()).sessions === 1, 3000, 'B\'s session gone');
    const r6 = await D.request('multistream/init', { slots: slots(1) });
    assert.equal(r6.data.type, 'multistream/ready', `after a detach: ${JSON.stringify(r6.data)}`);
    // A closed session may not init again while the cap is reached.
    const r7 = await A.request('multistream/init', { slots: slots(1) });
    expectError(r7, 486, 'invalid state', r7.request_id);
    for (const x of [A, C, D]) await x.close();
    await waitFor(async () => (await admin.status()).sessions === 0, 3000, 'every session gone');
  });

  test(`max_requests_per_second = ${RPS}: a burst of 20 gets 486 beyond ${RPS}, each answered exactly once; another session is not affected; a second later it works`, { timeout: 20000 }, async () => {
    const E = await handle();
    const F = await handle();
    const since = E.mark();
    const ids = [];
    for (let i = 0; i < 20; i++) {
      const id = `burst-${i}`;
      ids.push(id);
      E.sendMessage({ type: 'multistream/streams', value: { request_id: id } });
    }
    // Another session in the same second is not limited by E's burst.
    const other = await F.request('multistream/streams', {});
    assert.equal(other.data.type, 'multistream/streams', JSON.stringify(other.data));
    await E.waitEvent(() => ids.every((id) => E.events.slice(since).some((e) => e.data?.value?.request_id === id)),
      { since, timeoutMs: 5000, what: 'a reply to each of the 20 requests' });
    await sleep(500); // any duplicate would arrive meanwhile
    const replies = E.events.slice(since).filter((e) => ids.includes(e.data?.value?.request_id));
    const per = Object.fromEntries(ids.map((id) => [id, replies.filter((e) => e.data.value.request_id === id).length]));
    for (const id of ids) assert.equal(per[id], 1, `request ${id} answered ${per[id]} times`);
    const ok = replies.filter((e) => e.data.type === 'multistream/streams');
    const refused = replies.filter((e) => e.data.type === 'multistream/error');
    assert.equal(ok.length + refused.length, 20);
    assert.equal(ok.length, RPS, `exactly ${RPS} served in the second (got ${ok.length})`);
    for (const e of refused) {
      assert.equal(e.data.value.code, 486, JSON.stringify(e.data));
      assert.equal(e.data.value.error, 'invalid state');
      assert.match(e.data.value.detail || '', /requests per second/, JSON.stringify(e.data));
    }
    await sleep(1100);
    const again = await E.request('multistream/streams', {});
    assert.equal(again.data.type, 'multistream/streams', `a second later: ${JSON.stringify(again.data)}`);
    const init = await E.request('multistream/init', { slots: slots(1) });
    assert.equal(init.data.type, 'multistream/ready', JSON.stringify(init.data));
    await E.close();
    await F.close();
  });

  test(`gop_cache_kb = ${GOP_KB}: a source's GOP cache never holds more than ${GOP_KB} KiB`, { timeout: 20000 }, async () => {
    let max = 0, samples = 0, nonEmpty = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 4500) {
      const s = (await admin.status()).sources.find((x) => x.name === 'cam1');
      max = Math.max(max, s.gop_bytes);
      if (s.gop_bytes > 0) nonEmpty++;
      samples++;
      await sleep(50);
    }
    console.log(`# gop cache: max ${max} bytes over ${samples} samples, ${nonEmpty} non-empty`);
    assert.ok(samples > 20);
    assert.ok(max <= GOP_KB * 1024, `gop_bytes reached ${max} > ${GOP_KB * 1024}`);
  });

  test('Janus is still running', () => {
    assert.ok(!janus.child.exitInfo, `Janus exited: ${JSON.stringify(janus.child.exitInfo)}`);
  });
});

// ---------------------------------------------------------------------------

describe('access control: protected streams, admin_key, credentials', { skip, timeout: 150000 }, () => {
  const SECRET = 's3cret-Qx7vW2';
  const PIN = '93172648';
  const ADMIN_KEY = 'adm-K9p4Lz';
  const RTSP_USER = 'viewer', RTSP_PASS = 'rtsp-P4ss!wd';
  let janus, admin, cams = [], srv;
  const clients = [];
  const peers = [];
  let log;

  before(async () => {
    const streams = {
      open: 'rtp://127.0.0.1:5514',
      camS: { source: 'rtp://127.0.0.1:5516', secret: SECRET },
      camP: { source: 'rtp://127.0.0.1:5518', pin: PIN },
    };
    if (!rtspSkipReason()) {
      srv = await startRtspServer({ mounts: ['camera1'], user: RTSP_USER, password: RTSP_PASS, width: 320, height: 180 });
      streams.camR = srv.url('camera1', { user: RTSP_USER, password: RTSP_PASS });
    }
    janus = await startJanus({
      name: 'access',
      // token mistakes here test answers, not the failure locks (security.test.mjs)
      pluginConfig: { general: { admin_key: ADMIN_KEY, source_linger: 1, events: false, auth_failures: 100, auth_failures_global: 1000 }, streams },
    });
    log = (line) => fs.appendFileSync(path.join(janus.outDir, 'client.log'), `${line}\n`);
    cams = await startCameras([
      { name: 'open', port: 5514 }, { name: 'camS', port: 5516 }, { name: 'camP', port: 5518 },
    ], { logDir: janus.outDir, staggerMs: 300 });
    admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
  });
  after(() => teardown({ peers, clients, admin, cams, janus, srv }));

  async function handle() {
    const c = await openHandle(janus, { log });
    clients.push(c);
    return c;
  }
  async function connect(slots, extra = {}) {
    const r = await connectWith(janus, slots, extra, log);
    clients.push(r.client);
    peers.push(r.peer);
    return r;
  }
  const names = (r) => r.data.value.streams.map((s) => s.name).sort();
  const withoutId = (d) => { const v = { ...d.value }; delete v.request_id; return { type: d.type, value: v }; };

  test('streams: without a token only unprotected streams; a token shows its own stream only', async () => {
    const c = await handle();
    const base = ['open', ...(srv ? ['camR'] : [])].sort();
    assert.deepEqual(names(await c.request('multistream/streams', {})), base);
    assert.deepEqual(names(await c.request('multistream/streams', { token: 'wrong' })), base);
    assert.deepEqual(names(await c.request('multistream/streams', { token: SECRET })), [...base, 'camS'].sort());
    assert.deepEqual(names(await c.request('multistream/streams', { token: PIN })), [...base, 'camP'].sort());
  });

  test('init: no token, a wrong token, another stream\'s token and an unknown name all get the same 487; nothing changes', async () => {
    const c = await handle();
    const answers = [];
    for (const [stream, token] of [['camS', undefined], ['camS', 'wrong'], ['camS', PIN], ['camP', SECRET], ['nosuch', undefined], ['nosuch', SECRET]]) {
      const r = await c.request('multistream/init', { slots: [{ slot: 0, stream }], ...(token ? { token } : {}) });
      expectError(r, 487, 'unauthorized', r.request_id);
      answers.push([`${stream}/${token}`, withoutId(r.data)]);
    }
    for (const [what, a] of answers) assert.deepEqual(a, answers[0][1], `${what} answered differently from ${answers[0][0]}: nobody can probe names`);
    // All or nothing: one forbidden slot fails the whole init, with its slot.
    const r = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'open' }, { slot: 1, stream: 'camS' }] });
    expectError(r, 487, 'unauthorized', r.request_id);
    assert.equal(r.data.value.slot, 1, JSON.stringify(r.data));
    const info = await admin.handleInfo(c.sessionId, c.handleId);
    assert.equal(info.plugin_specific.state, 'new', JSON.stringify(info.plugin_specific));
    assert.equal((await admin.messagePlugin({ request: 'status', admin_key: ADMIN_KEY })).slots_bound, 0);
  });

  test('the right token plays; it is remembered for later switches; switch/resume to a stream it does not open get 487 and keep the slot; a bare resume reuses the token that opened the slot', { timeout: 40000 }, async () => {
    const V = await connect([{ slot: 0, stream: 'camS' }, { slot: 1, stream: 'open' }], { token: SECRET });
    assert.deepEqual(V.answer.data.value.slots.map((s) => [s.stream, s.status]), [['camS', 'active'], ['open', 'active']]);
    await waitRes(V.peer, 0, res(1));
    await waitRes(V.peer, 1, res(0));
    const c = V.client;
    // Remembered: no token on the request.
    let r = await c.request('multistream/switch', { slot: 1, stream: 'camS' });
    assert.equal(r.data.value?.status?.status, 'buffering', JSON.stringify(r.data));
    await c.waitStatus(1, 'active', { since: r.since });
    // camP: the session's token does not open it, nor a wrong one; the pin does.
    const slotStreams = async () => (await admin.handleInfo(c.sessionId, c.handleId)).plugin_specific.slots.map((s) => [s.stream, s.status]);
    for (const extra of [{}, { token: 'wrong' }, { token: SECRET }]) {
      r = await c.request('multistream/switch', { slot: 1, stream: 'camP', ...extra });
      expectError(r, 487, 'unauthorized', r.request_id);
      assert.equal(r.data.value.slot, 1);
    }
    r = await c.request('multistream/switch', { slot: 1, stream: 'nosuch' });
    expectError(r, 487, 'unauthorized', r.request_id);
    assert.deepEqual(await slotStreams(), [['camS', 'active'], ['camS', 'active']], 'refused switches changed nothing');
    // A request's own token replaces the remembered one for that request.
    r = await c.request('multistream/switch', { slot: 0, stream: 'camS', token: 'wrong' });
    expectError(r, 487, 'unauthorized', r.request_id);
    const t = Date.now();
    r = await c.request('multistream/switch', { slot: 1, stream: 'camP', token: PIN });
    assert.equal(r.data.value?.status?.status, 'buffering', JSON.stringify(r.data));
    await waitRes(V.peer, 1, res(2), t);
    // resume: to a stream the token does not open is 487; with the pin it works.
    r = await c.request('multistream/pause', { slot: 0 });
    assert.equal(r.data.value?.status?.status, 'paused', JSON.stringify(r.data));
    r = await c.request('multistream/resume', { slot: 0, stream: 'camP' });
    expectError(r, 487, 'unauthorized', r.request_id);
    r = await c.request('multistream/resume', { slot: 0, stream: 'nosuch', token: SECRET });
    expectError(r, 487, 'unauthorized', r.request_id);
    assert.deepEqual((await slotStreams())[0], ['camS', 'paused'], 'refused resumes changed nothing');
    // resume without a stream: the slot's own stream (camS), the remembered token opens it
    r = await c.request('multistream/resume', { slot: 0 });
    assert.equal(r.data.value?.status?.status, 'buffering', `resume of the slot's own stream: ${JSON.stringify(r.data)}`);
    assert.equal(r.data.value.status.stream, 'camS');
    r = await c.request('multistream/pause', { slot: 0 });
    r = await c.request('multistream/resume', { slot: 0, stream: 'camP', token: PIN });
    assert.equal(r.data.value?.status?.status, 'buffering', JSON.stringify(r.data));
    assert.equal(r.data.value.status.stream, 'camP');
    // resume without a stream or token: the token that opened the slot's
    // stream (the pin), not the session's (which does not open camP)
    r = await c.request('multistream/pause', { slot: 1 });
    assert.equal(r.data.value?.status?.status, 'paused', JSON.stringify(r.data));
    r = await c.request('multistream/resume', { slot: 1 });
    assert.equal(r.data.value?.status?.status, 'buffering', `resume of a stream opened by its own token: ${JSON.stringify(r.data)}`);
    assert.equal(r.data.value.status.stream, 'camP');
    await c.waitStatus(1, 'active', { since: r.since });
    // streams with the session's remembered token
    assert.ok(names(await c.request('multistream/streams', {})).includes('camS'));
    assert.ok(!names(await c.request('multistream/streams', {})).includes('camP'));
  });

  test('admin requests: without or with a wrong admin_key 487, with it the status', async () => {
    for (const req of [{ request: 'status' }, { request: 'status', admin_key: 'wrong' }, { request: 'status', admin_key: '' }]) {
      const r = await admin.messagePlugin(req);
      assert.equal(r.error_code, 487, JSON.stringify(r));
      assert.equal(r.error, 'unauthorized');
      assert.equal(r.sources, undefined, 'no data without the key');
    }
    const ok = await admin.messagePlugin({ request: 'status', admin_key: ADMIN_KEY });
    assert.equal(ok.multistream, 'status', JSON.stringify(ok));
    assert.ok(Array.isArray(ok.sources));
  });

  test('rtsp credentials: the camera plays and its password shows only as *** in the log, the list and the status', { skip: rtspSkipReason() || false, timeout: 30000 }, async () => {
    const R = await connect([{ slot: 0, stream: 'camR' }]);
    await waitRes(R.peer, 0, '320x180', 0, 15000);
    const text = fs.readFileSync(janus.logFile, 'utf8');
    assert.match(text, new RegExp(`rtsp://${RTSP_USER}:\\*\\*\\*@127\\.0\\.0\\.1`), 'the URL is logged redacted');
    const st = await admin.messagePlugin({ request: 'status', admin_key: ADMIN_KEY });
    const list = await R.client.request('multistream/streams', {});
    for (const where of [text, JSON.stringify(st), JSON.stringify(list.data)]) {
      for (const s of [RTSP_PASS, encodeURIComponent(RTSP_PASS)]) assert.ok(!where.includes(s), `rtsp password found in ${where.slice(0, 200)}`);
    }
  });

  test('no secret, pin or admin_key in the Janus log, in any event, in handle_info or in the admin status', async () => {
    const text = fs.readFileSync(janus.logFile, 'utf8');
    const events = JSON.stringify(clients.map((c) => c.events.map((e) => [e.data, e.jsep])));
    const infos = [];
    for (const c of clients) {
      if (c.closed || !c.handleId) continue;
      infos.push(await admin.handleInfo(c.sessionId, c.handleId).catch(() => null));
    }
    const st = await admin.messagePlugin({ request: 'status', admin_key: ADMIN_KEY });
    assert.ok(events.includes('camS'), 'events were captured');
    for (const [where, s] of [['Janus log', text], ['events', events], ['handle_info', JSON.stringify(infos)], ['admin status', JSON.stringify(st)]]) {
      for (const secret of [SECRET, PIN, ADMIN_KEY]) assert.ok(!s.includes(secret), `"${secret}" appears in the ${where}`);
    }
  });

  test('Janus is still running', () => {
    assert.ok(!janus.child.exitInfo, `Janus exited: ${JSON.stringify(janus.child.exitInfo)}`);
  });
});

// ---------------------------------------------------------------------------

describe("Janus's token auth on: the plugin works for an allowed token; stream secrets stay separate", { skip, timeout: 90000 }, () => {
  const SECRET = 'strm-Z81kq';
  const TOKEN = 'janus-tok-Ab12', OTHER = 'janus-tok-Cd34';
  let janus, admin, cams = [], log;
  const clients = [], peers = [];

  before(async () => {
    janus = await startJanus({
      name: 'access-token-auth',
      janusGeneral: { token_auth: true },
      pluginConfig: {
        general: { source_linger: 1, events: false },
        streams: { open: 'rtp://127.0.0.1:5524', camS: { source: 'rtp://127.0.0.1:5526', secret: SECRET } },
      },
    });
    log = (line) => fs.appendFileSync(path.join(janus.outDir, 'client.log'), `${line}\n`);
    cams = await startCameras([{ name: 'open', port: 5524 }, { name: 'camS', port: 5526 }], { logDir: janus.outDir, staggerMs: 300 });
    admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
    // TOKEN may use this plugin; OTHER is a valid Janus token without it
    await admin.request({ janus: 'add_token', token: TOKEN, plugins: ['janus.plugin.multistream'] });
    await admin.request({ janus: 'add_token', token: OTHER });
    await admin.request({ janus: 'disallow_token', token: OTHER, plugins: ['janus.plugin.multistream'] });
  });
  after(() => teardown({ peers, clients, admin, cams, janus }));

  test('no token: Janus refuses the session (403); a token not allowed for the plugin: attach refused (405)', async () => {
    await assert.rejects(openHandle(janus, { log }), /janus error 403/);
    await assert.rejects(openHandle(janus, { log, token: 'not-a-token' }), /janus error 403/);
    await assert.rejects(openHandle(janus, { log, token: OTHER }), /janus error 405/);
  });

  test('the allowed token: init, offer, media on both slots; a protected stream still needs its own secret (the Janus token does not open it)', { timeout: 40000 }, async () => {
    const c = await openHandle(janus, { log, token: TOKEN });
    clients.push(c);
    for (const extra of [{}, { token: TOKEN }]) {
      const r = await c.request('multistream/init', { slots: [{ slot: 0, stream: 'camS' }], ...extra });
      expectError(r, 487, 'unauthorized', r.request_id);
    }
    const V = await connectWith(janus, [{ slot: 0, stream: 'open' }, { slot: 1, stream: 'camS' }], { token: SECRET }, log, TOKEN);
    clients.push(V.client); peers.push(V.peer);
    assert.deepEqual(V.answer.data.value.slots.map((s) => [s.stream, s.status]), [['open', 'active'], ['camS', 'active']]);
    await waitRes(V.peer, 0, res(0));
    await waitRes(V.peer, 1, res(1));
    const r = await V.client.request('multistream/switch', { slot: 0, stream: 'camS' });
    assert.equal(r.data.value?.status?.status, 'buffering', JSON.stringify(r.data));
    await V.client.waitStatus(0, 'active', { since: r.since });
    const st = await admin.messagePlugin({ request: 'status' });
    assert.equal(st.sessions, 1, JSON.stringify(st));
  });
});

after(() => {
  // werift leaves UDP sockets open after pc.close(); everything we started is stopped by PID.
  setTimeout(() => process.exit(), 2000).unref();
});
