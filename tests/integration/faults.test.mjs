// Faults (issue 6, point 4), each seen from the client (statuses, RTP,
// multistream/disconnected) and from the server (admin status, handle_info,
// ffmpeg children of Janus):
//  - a camera dies in the middle of a switch to it, and comes back;
//  - a transcode (ffmpeg: variant) dies while three slots watch it;
//  - a client's network pauses (inside rtcp_timeout + disconnect_grace: no
//    cleanup, playback resumes) versus vanishes (cleanup, `disconnected`);
//  - the PeerConnection is closed (cleanup at once);
//  - Janus is restarted (SIGTERM) with three clients connected.
// The client's network is cut by dropping every UDP datagram of its werift
// ICE transports in both directions (nothing leaves the namespace).
// Run alone: MS_SKIP_SETUP=1 MS_SKIP_UNIT=1 MS_BUILD_DIR=build-faults bash tests/run.sh integration/faults.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/wait.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { startFixture, skipPlugin, waitResolution, resolutionsIn, sleep } from '../lib/fixture.mjs';
import { startJanus } from '../lib/janus.mjs';
import { startCamera, startCameras, stopCameras, CAMERA_PRESETS } from '../lib/cameras.mjs';
import { connectMultistream, AdminClient } from '../lib/client.mjs';
import { createRequire } from 'node:module';
import { stopAll, stopTracked, procStat, cmdline, ffmpegChildren } from '../lib/procs.mjs';

// The defaults (not set in the jcfg below): a 5 s pause must be survived and
// a 15 s loss cleaned up with the settings an operator gets out of the box.
const RTCP_TIMEOUT = 3;		// s without RTCP before the grace starts (default)
const GRACE = 10;		// disconnect_grace (s) (default)
const SOURCE_TIMEOUT = 2;	// s without packets before a source is offline

function timing(name, value) {
  console.log(`# timing ${name}: ${value}`);
}





/** Still running (same process, not a zombie)? */
function running(p) {
  const now = procStat(p.pid);
  return !!now && now.start === p.start && now.state !== 'Z';
}

/**
 * Cut (or restore) a werift peer's network: every datagram its ICE
 * transports send is dropped, and every datagram they receive is ignored.
 * To Janus the client is silent (no RTCP, no STUN), and nothing reaches it.
 */
function setNetworkDown(peer, down) {
  peer.netDown = down;
  let n = 0;
  for (const t of peer.pc.iceTransports) {
    for (const p of t.connection?.protocols || []) {
      const tr = p.transport;
      if (!tr || !tr.socket) continue;
      if (!tr.__msNet) {
        const state = { down: false, dropped: 0 };
        tr.__msNet = state;
        const send = tr.send.bind(tr);
        tr.send = (...a) => {
          if (state.down) { state.dropped++; return Promise.resolve(); }
          return send(...a);
        };
        const sock = tr.socket;
        const emit = sock.emit.bind(sock);
        sock.emit = (ev, ...a) => {
          if (ev === 'message' && state.down) { state.dropped++; return false; }
          return emit(ev, ...a);
        };
      }
      tr.__msNet.down = down;
      n++;
    }
  }
  assert.ok(n > 0, 'found the werift ICE transports to cut');
}

// What a browser does on pc.close() and werift does not ("todo impl send
// alert" in werift's RTCDtlsTransport.stop): a DTLS close_notify alert.
const require = createRequire(import.meta.url);
// (by file path: werift's package.json does not export its DTLS internals)
const WERIFT_ROOT = path.join(path.dirname(require.resolve('werift')).split(`${path.sep}lib${path.sep}`)[0]);
const { createPlaintext } = require(path.join(WERIFT_ROOT, 'lib', 'dtls', 'src', 'record', 'builder.js'));
async function sendCloseNotify(peer) {
  let n = 0;
  for (const d of peer.pc.dtlsTransports) {
    const sock = d.dtls;
    if (!sock) continue;
    const pkt = createPlaintext(sock.dtls)([{ type: 21 /* alert */, fragment: Buffer.from([1, 0]) /* warning, close_notify */ }],
      ++sock.dtls.recordSequenceNumber)[0];
    await sock.transport.send(sock.cipher.encryptPacket(pkt).serialize());
    n++;
  }
  assert.ok(n > 0, 'sent a close_notify');
}

/** Record when the peer sends RTCP that can reach Janus (peer.rtcpSent: ms timestamps). */
function trackRtcp(peer) {
  peer.rtcpSent = [];
  for (const d of peer.pc.dtlsTransports) {
    const orig = d.sendRtcp.bind(d);
    d.sendRtcp = (pkts) => {
      if (!peer.netDown) peer.rtcpSent.push(Date.now());
      return orig(pkts);
    };
  }
}

function droppedBy(peer) {
  let n = 0;
  for (const t of peer.pc.iceTransports) for (const p of t.connection?.protocols || []) n += p.transport?.__msNet?.dropped || 0;
  return n;
}

function logText(janus) {
  try { return fs.readFileSync(janus.logFile, 'utf8'); } catch { return ''; }
}

function statusEvents(client, slot, since = 0) {
  return client.events.slice(since)
    .filter((e) => e.data?.type === 'multistream/status' && e.data.value?.slot === slot)
    .map((e) => ({ status: e.data.value.status?.status, stream: e.data.value.status?.stream, at: e.at, rid: e.data.value.request_id }));
}

async function closeConn(c) {
  if (!c) return;
  await c.peer.close().catch(() => {});
  await c.client.close().catch(() => {});
}

describe('faults: Janus restarted under load', { skip: skipPlugin(), timeout: 120000 }, () => {
  let janus, janus2, cams = [], admin;
  const conns = [];
  const PORT = 5414;
  const config = {
    general: { max_slots: 9, source_linger: 1, source_timeout: SOURCE_TIMEOUT, events: false },
    streams: {
      camA: `rtp://127.0.0.1:${PORT}`,
      'camA-120p': 'ffmpeg:camA#video=h264#height=120#gop=1',
    },
  };

  after(async () => {
    for (const c of conns) await closeConn(c);
    admin?.close();
    await stopCameras(cams);
    await janus?.stop();
    await janus2?.stop();
    await stopAll();
  });

  test('SIGTERM with 3 clients: WebSockets close, no ffmpeg outlives it; a new Janus on the same ports serves a new client', { timeout: 90000 }, async () => {
    janus = await startJanus({ name: 'faults-restart', pluginConfig: config });
    const log = (line) => fs.appendFileSync(path.join(janus.outDir, 'client.log'), `${line}\n`);
    cams = await startCameras([{ name: 'camA', port: PORT }], { logDir: janus.outDir });
    for (const slots of [
      [{ slot: 0, stream: 'camA' }, { slot: 1, stream: 'camA-120p' }],
      [{ slot: 0, stream: 'camA-120p' }],
      [{ slot: 0, stream: 'camA' }, { slot: 1, stream: 'camA' }, { slot: 2, stream: 'camA-120p' }],
    ]) conns.push(await connectMultistream(janus, slots, { log }));
    await waitResolution(conns[0].peer, 1, '160x120', { timeoutMs: 15000 });
    for (const c of conns) await c.peer.waitPackets(0, 10, { timeoutMs: 8000 });
    const kids = ffmpegChildren(janus.child.pid);
    assert.ok(kids.length >= 1, 'the transcoder runs');

    const pid = janus.child.pid;
    const tTerm = Date.now();
    process.kill(pid, 'SIGTERM');
    const exited = await Promise.race([janus.child.exited, sleep(10000).then(() => null)]);
    assert.ok(exited, 'Janus stopped within 10 s of SIGTERM');
    timing('SIGTERM -> Janus exited (ms)', Date.now() - tTerm);
    assert.deepEqual(exited, { code: 0, signal: null }, `a clean exit: ${JSON.stringify(exited)}`);
    await waitFor(() => conns.every((c) => c.client.closed), 5000, 'every client WebSocket closed');
    await waitFor(() => kids.every((k) => !running(k)), 3000,
      `no ffmpeg of the old Janus left (running: ${kids.filter(running).map((k) => `${k.pid} ${k.cmd}`)})`);
    timing('SIGTERM -> clients closed, ffmpeg gone (ms)', Date.now() - tTerm);

    // Again, on the same ports.
    const wsPort = Number(new URL(janus.wsUrl).port);
    const adminPort = Number(new URL(janus.adminUrl).port);
    const tStart = Date.now();
    janus2 = await startJanus({ name: 'faults-restart2', pluginConfig: config, wsPort, adminPort });
    assert.equal(janus2.wsUrl, janus.wsUrl);
    const c = await connectMultistream(janus2, [{ slot: 0, stream: 'camA-120p' }, { slot: 1, stream: 'camA' }], { log });
    conns.push(c);
    await waitResolution(c.peer, 0, '160x120', { timeoutMs: 15000 });
    await waitResolution(c.peer, 1, `${CAMERA_PRESETS[0].width}x${CAMERA_PRESETS[0].height}`, { timeoutMs: 8000 });
    timing('restart -> new client plays both slots (ms)', Date.now() - tStart);
    admin = await new AdminClient(janus2.adminUrl, janus2.adminSecret).connect();
    const st = await admin.status();
    assert.equal(st.sessions, 1, JSON.stringify(st));
    assert.equal(st.slots_bound, 2);
    // None of the old Janus's ffmpeg survived; the new Janus runs one transcoder.
    // (By PID: other test runs on this machine may run ffmpeg too.)
    for (const k of kids) assert.ok(!running(k), `old ffmpeg ${k.pid} still running`);
    const now = ffmpegChildren(janus2.child.pid);
    assert.equal(now.length, 1, `one transcoder under the new Janus: ${now.map((k) => k.cmd).join('\n')}`);
  });
});

describe('faults: cameras, transcodes and client networks', { skip: skipPlugin(), timeout: 300000 }, () => {
  let fx;
  let camB; // camera B, restarted by the tests (GOP 10 s)
  const resA = `${CAMERA_PRESETS[0].width}x${CAMERA_PRESETS[0].height}`;
  const resB = `${CAMERA_PRESETS[1].width}x${CAMERA_PRESETS[1].height}`;
  const PORT_B = 5406;

  function startCamB() {
    camB = startCamera({ ...CAMERA_PRESETS[1], name: 'camB', port: PORT_B, gop: 150, logDir: fx.janus.outDir });
    return camB;
  }

  before(async () => {
    fx = await startFixture({
      name: 'faults',
      cameras: [{ stream: 'camA', port: 5404 }],
      general: {
        source_linger: 1,
        source_timeout: SOURCE_TIMEOUT,
        gop_cache_age: 1,	// a cached keyframe older than 1 s is not replayed
      },
      extraStreams: {
        camB: `rtp://127.0.0.1:${PORT_B}`,
        'camA-120p': 'ffmpeg:camA#video=h264#height=120#gop=1',
      },
    });
  });
  after(async () => {
    if (camB) await camB.stop();
    await fx?.stop();
  });

  test('camera dies mid-switch: the slot keeps A flowing, reports offline (never stuck buffering), recovers to B by itself', { timeout: 40000 }, async () => {
    const V = await fx.connect([{ slot: 0, stream: 'camA' }]);
    try {
      await waitResolution(V.peer, 0, resA, { timeoutMs: 8000 });
      // B starts now: its one keyframe ages past gop_cache_age (1 s) and the
      // next is 10 s away, so the switch has to wait for B...
      startCamB();
      await sleep(2500);
      const since = V.client.mark();
      const tSwitch = Date.now();
      const r = await V.client.request('multistream/switch', { slot: 0, stream: 'camB' });
      assert.equal(r.data.type, 'multistream/status', JSON.stringify(r.data));
      assert.equal(r.data.value.status.status, 'buffering', JSON.stringify(r.data));
      // ...and B dies right after the request.
      await sleep(100);
      const tKill = Date.now();
      await camB.stop();
      // The old camera keeps flowing into the slot while it waits.
      await sleep(900);
      const during = V.peer.packets(0, tSwitch);
      assert.ok(during.length >= 5, `slot 0 kept receiving while waiting for B (${during.length} packets)`);
      assert.ok(!resolutionsIn(during).includes(resB), 'B never had a keyframe to flip on');
      // B's silence is reported: offline within source_timeout + 3 s.
      const off = await V.client.waitStatus(0, 'offline', { since, timeoutMs: (SOURCE_TIMEOUT + 3) * 1000 });
      timing('camera killed mid-switch -> slot offline (ms)', off.at - tKill);
      assert.equal(off.data.value.request_id, undefined, 'unsolicited: no request_id');
      assert.equal(off.data.value.status.stream, 'camB', JSON.stringify(off.data));
      // Not stuck: nothing flips it back to buffering by itself.
      await sleep(1500);
      const evs = statusEvents(V.client, 0, since);
      assert.equal(evs[evs.length - 1].status, 'offline', `statuses since the switch: ${JSON.stringify(evs)}`);
      const info = await fx.admin.handleInfo(V.client.sessionId, V.client.handleId);
      const s0 = info.plugin_specific.slots.find((s) => s.slot === 0);
      assert.equal(s0.status, 'offline', JSON.stringify(s0));

      // B comes back: the slot flips to it without any client message.
      const sent = V.client.mark();
      const tBack = Date.now();
      startCamB();
      const on = await V.client.waitStatus(0, 'active', { since: sent, timeoutMs: 8000 });
      timing('camera restarted -> slot active (ms)', on.at - tBack);
      assert.equal(on.data.value.status.stream, 'camB');
      await waitResolution(V.peer, 0, resB, { since: tBack, timeoutMs: 5000 });
    } finally {
      await closeConn(V);
    }
  });

  test('a transcode dies while three slots watch it: all three offline, then active again after the restart', { timeout: 40000 }, async () => {
    const W1 = await fx.connect([{ slot: 0, stream: 'camA', quality: '120p' }, { slot: 1, stream: 'camA-120p' }]);
    const W2 = await fx.connect([{ slot: 0, stream: 'camA-120p' }]);
    const watched = [[W1, 0], [W1, 1], [W2, 0]];
    try {
      for (const [w, k] of watched) await waitResolution(w.peer, k, '160x120', { timeoutMs: 15000 });
      const kids = ffmpegChildren(fx.janus.child.pid);
      const victims = kids.filter((k) => k.cmd.includes('scale='));
      assert.equal(victims.length, 1, `one transcoder: ${kids.map((k) => k.cmd).join('\n')}`);
      const victim = victims[0];
      const before = (await fx.admin.status()).sources.find((s) => s.name === 'camA-120p');
      const marks = watched.map(([w]) => w.client.mark());
      const tKill = Date.now();
      process.kill(victim.pid, 'SIGKILL'); // the transcoder this test's Janus started
      const off = await Promise.all(watched.map(([w, k], i) => w.client.waitStatus(k, 'offline', { since: marks[i], timeoutMs: (SOURCE_TIMEOUT + 4) * 1000 })));
      const on = await Promise.all(watched.map(([w, k], i) => w.client.waitStatus(k, 'active', { since: marks[i], timeoutMs: 15000 })));
      timing('transcoder killed -> 3 slots offline / active (ms)',
        `${off.map((e) => e.at - tKill).join(', ')} / ${on.map((e) => e.at - tKill).join(', ')}`);
      for (let i = 0; i < 3; i++) assert.ok(on[i].at >= off[i].at, 'offline before active');
      const t = Date.now();
      for (const [w, k] of watched) await waitResolution(w.peer, k, '160x120', { since: t, timeoutMs: 5000 });
      const now = ffmpegChildren(fx.janus.child.pid).filter((k) => k.cmd.includes('scale='));
      assert.equal(now.length, 1, 'exactly one transcoder again');
      assert.notEqual(now[0].pid, victim.pid);
      assert.ok(!running(victim), 'the killed transcoder was reaped');
      const after = (await fx.admin.status()).sources.find((s) => s.name === 'camA-120p');
      assert.equal(after.restarts, before.restarts + 1, JSON.stringify(after));
      assert.equal(after.state, 'active');
    } finally {
      await closeConn(W1);
      await closeConn(W2);
    }
  });

  test('a healthy client is kept, and a 5 s network pause (inside rtcp_timeout + disconnect_grace) is no cleanup: playback resumes', { timeout: 60000 }, async () => {
    const P = await fx.connect([{ slot: 0, stream: 'camA' }]);
    try {
      await P.peer.waitPackets(0, 10, { timeoutMs: 8000 });
      const since = P.client.mark();
      // Healthy for longer than rtcp_timeout + grace: werift's RTCP keeps it.
      await sleep((RTCP_TIMEOUT + GRACE + 1) * 1000);
      assert.ok(!P.client.events.slice(since).some((e) => e.data?.type === 'multistream/disconnected'), 'a healthy client is not disconnected');
      // Pause 5 s: past rtcp_timeout (the grace starts) but inside the grace.
      const logBefore = logText(fx.janus).length;
      const tDown = Date.now();
      setNetworkDown(P.peer, true);
      await sleep(5000);
      const recvDuringTail = P.peer.packets(0, tDown + 500).length;
      setNetworkDown(P.peer, false);
      const tUp = Date.now();
      assert.equal(recvDuringTail, 0, 'the cut really stopped the media');
      assert.ok(droppedBy(P.peer) > 0, 'datagrams were dropped');
      // Playback resumes, nothing was cleaned up.
      await P.peer.waitPackets(0, 10, { since: tUp, timeoutMs: 5000 });
      timing('network back -> first RTP (ms)', P.peer.packets(0, tUp)[0].at - tUp);
      await sleep((GRACE + 1) * 1000); // past the point where an unrecovered grace would have expired
      assert.ok(!P.client.events.slice(since).some((e) => e.data?.type === 'multistream/disconnected'),
        `no disconnected: ${JSON.stringify(P.client.events.slice(since).map((e) => e.data))}`);
      const log = logText(fx.janus).slice(logBefore);
      assert.match(log, /No RTCP for \d+ ms: grace period/, 'the pause did start the grace period');
      assert.match(log, /PeerConnection recovered/, 'and RTCP again cancelled it');
      assert.doesNotMatch(log, /PeerConnection lost/);
      const info = await fx.admin.handleInfo(P.client.sessionId, P.client.handleId);
      assert.equal(info.plugin_specific.state, 'negotiated', JSON.stringify(info.plugin_specific));
      assert.equal(info.plugin_specific.slots[0].status, 'active');
      const t = Date.now();
      await P.peer.waitPackets(0, 10, { since: t, timeoutMs: 3000 });
      const r = await P.client.request('multistream/keyframe', { slot: 0 });
      assert.equal(r.data.type, 'multistream/keyframe', 'the session still answers');
    } finally {
      await closeConn(P);
    }
  });

  test('a network gone for 15 s: multistream/disconnected connection_lost after rtcp_timeout + grace, every slot freed', { timeout: 40000 }, async () => {
    await waitFor(async () => (await fx.admin.status()).slots_bound === 0, 5000, 'no slot bound before the test');
    const Q = await fx.connect([{ slot: 0, stream: 'camA' }, { slot: 1, stream: 'camA-120p' }]);
    try {
      await Q.peer.waitPackets(0, 10, { timeoutMs: 8000 });
      await Q.peer.waitPackets(1, 10, { timeoutMs: 15000 });
      let st = await fx.admin.status();
      assert.equal(st.slots_bound, 2, JSON.stringify(st));
      // Cut only while RTCP flows (werift may stay silent for a while after
      // connecting, and that silence would already count).
      trackRtcp(Q.peer);
      await waitFor(() => Q.peer.rtcpSent.some((t) => Date.now() - t < 1000), 8000, 'werift sending RTCP');
      await sleep(100);
      const since = Q.client.mark();
      const tDown = Date.now();
      setNetworkDown(Q.peer, true);
      const lastRtcp = Math.max(...Q.peer.rtcpSent.filter((t) => t <= tDown - 50));
      const ev = await Q.client.waitEvent((d) => d?.type === 'multistream/disconnected',
        { since, timeoutMs: (RTCP_TIMEOUT + GRACE + 4) * 1000, what: 'multistream/disconnected' });
      const took = ev.at - tDown;
      const silent = ev.at - lastRtcp;
      timing('network gone -> disconnected (ms; since the last RTCP sent)', `${took}; ${silent}`);
      assert.deepEqual(ev.data, { type: 'multistream/disconnected', value: { reason: 'connection_lost' } });
      // rtcp_timeout + grace after the last RTCP (housekeeping ticks every 100 ms).
      assert.ok(silent >= (RTCP_TIMEOUT + GRACE) * 1000 - 200, `disconnected too early: ${silent} ms after the last RTCP`);
      assert.ok(silent <= (RTCP_TIMEOUT + GRACE) * 1000 + 2000, `disconnected too late: ${silent} ms after the last RTCP`);
      st = await fx.admin.status();
      assert.equal(st.sessions, 0, JSON.stringify(st));
      assert.equal(st.slots_bound, 0, JSON.stringify(st));
      // The variant stops after source_linger (1 s) and then releases camA.
      await waitFor(async () => (await fx.admin.status()).sources.every((s) => s.consumers === 0), 4000,
        `every source without consumers (${JSON.stringify((await fx.admin.status()).sources)})`);
      const info = await fx.admin.handleInfo(Q.client.sessionId, Q.client.handleId);
      assert.equal(info.plugin_specific.state, 'closed', JSON.stringify(info.plugin_specific));
      // The network comes back after 15 s: the session stays closed, no media.
      await sleep(Math.max(0, 15000 - (Date.now() - tDown)));
      setNetworkDown(Q.peer, false);
      const tUp = Date.now();
      await sleep(2000);
      assert.equal(Q.peer.packets(0, tUp).length + Q.peer.packets(1, tUp).length, 0, 'no RTP after the cleanup');
      const r = await Q.client.request('multistream/switch', { slot: 0, stream: 'camA' });
      assert.equal(r.data.value?.code, 482, `requests after cleanup are 482: ${JSON.stringify(r.data)}`);
      // The transcoder nobody watches any more is gone after the linger.
      await waitFor(() => ffmpegChildren(fx.janus.child.pid).length === 0, 5000, 'no ffmpeg child left');
    } finally {
      await closeConn(Q);
    }
  });

  test('PeerConnection closed the way a browser closes it (DTLS close_notify): disconnected `closed` and cleanup at once', { timeout: 30000 }, async () => {
    await waitFor(async () => (await fx.admin.status()).slots_bound === 0, 5000, 'no slot bound before the test');
    const R = await fx.connect([{ slot: 0, stream: 'camA' }, { slot: 1, stream: 'camA' }]);
    try {
      await R.peer.waitPackets(0, 10, { timeoutMs: 8000 });
      // RTCP flowing: the client hangs up, it is not lost
      trackRtcp(R.peer);
      await waitFor(() => R.peer.rtcpSent.some((t) => Date.now() - t < 1000), 8000, 'werift sending RTCP');
      await sleep(100);
      const since = R.client.mark();
      const t0 = Date.now();
      await sendCloseNotify(R.peer);
      await R.peer.close();
      const ev = await R.client.waitEvent((d) => d?.type === 'multistream/disconnected',
        { since, timeoutMs: 3000, what: 'multistream/disconnected after close_notify + pc.close()' });
      timing('close_notify + pc.close() -> disconnected (ms)', ev.at - t0);
      assert.ok(['closed', 'connection_lost'].includes(ev.data.value?.reason), JSON.stringify(ev.data));
      assert.equal(ev.data.value.reason, 'closed', 'RTCP until the hang-up: reason closed (docs/protocol.md §11)');
      assert.equal(ev.data.value.request_id, undefined);
      await waitFor(async () => (await fx.admin.status()).slots_bound === 0, 2000, 'slots freed');
      timing('close_notify + pc.close() -> 0 bound slots (ms)', Date.now() - t0);
      const info = await fx.admin.handleInfo(R.client.sessionId, R.client.handleId);
      assert.equal(info.plugin_specific.state, 'closed');
      assert.ok(!R.client.closed, 'the WebSocket stays open');
    } finally {
      await closeConn(R);
    }
  });

  test('PeerConnection dropped without a word (werift pc.close(), no alert): disconnected within rtcp_timeout + grace, slots freed', { timeout: 30000 }, async () => {
    await waitFor(async () => (await fx.admin.status()).slots_bound === 0, 5000, 'no slot bound before the test');
    const R = await fx.connect([{ slot: 0, stream: 'camA' }]);
    try {
      await R.peer.waitPackets(0, 10, { timeoutMs: 8000 });
      const since = R.client.mark();
      const t0 = Date.now();
      await R.peer.close();
      const ev = await R.client.waitEvent((d) => d?.type === 'multistream/disconnected',
        { since, timeoutMs: (RTCP_TIMEOUT + GRACE + 3) * 1000, what: 'multistream/disconnected after pc.close()' });
      timing('bare pc.close() -> disconnected (ms)', ev.at - t0);
      assert.ok(['closed', 'connection_lost'].includes(ev.data.value?.reason), JSON.stringify(ev.data));
      await waitFor(async () => (await fx.admin.status()).slots_bound === 0, 2000, 'slots freed');
      const info = await fx.admin.handleInfo(R.client.sessionId, R.client.handleId);
      assert.equal(info.plugin_specific.state, 'closed');
    } finally {
      await closeConn(R);
    }
  });

  test('Janus is still running', () => {
    assert.ok(fx.janusAlive(), `Janus exited: ${JSON.stringify(fx.janus.child.exitInfo)}\n${fx.janus.logTail(30)}`);
  });
});

after(() => {
  // werift leaves UDP sockets open after pc.close(); everything we started is stopped by PID.
  setTimeout(() => process.exit(), 2000).unref();
});
