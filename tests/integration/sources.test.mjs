// Real cameras: rtsp:// sources pulled through ffmpeg from GStreamer's RTSP
// server, ffmpeg: variants transcoded from them, on demand, supervised.
// Run inside the private namespace:
//   MS_BUILD_DIR=build-src bash tests/lib/netns.sh node --test tests/integration/sources.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../lib/wait.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { startJanus, pluginSkipReason, sleep } from '../lib/janus.mjs';
import { connectMultistream, AdminClient } from '../lib/client.mjs';
import { packetResolution } from '../lib/h264.mjs';
import { startRtspServer, rtspSkipReason } from '../lib/rtsp.mjs';
import { stopAll, procStat, ffmpegChildren } from '../lib/procs.mjs';

const skip = pluginSkipReason() || rtspSkipReason() || false;
const USER = 'admin';
const PASSWORD = 's3cr:t!';		// ':' and '!' are percent-encoded in the URL
const LINGER = 1;			// source_linger (s) of the test configs
const WIDTH = 640, HEIGHT = 480;	// the RTSP cameras' picture

function timings(name, value) {
  // One line per measure, for the final report.
  console.log(`# timing ${name}: ${value}`);
}



/** Still running (same process, not a zombie)? */
function running(p) {
  const now = procStat(p.pid);
  return !!now && now.start === p.start && now.state !== 'Z';
}


function resolutions(peer, k, since = 0) {
  return [...new Set(peer.packets(k, since).map((p) => packetResolution(p.payload)).filter(Boolean))];
}

async function sourceStatus(admin, name) {
  const st = await admin.status();
  return (st.sources || []).find((s) => s.name === name);
}

function pluginConfig(srv, extra = {}) {
  return {
    general: { source_linger: LINGER, source_timeout: 2, events: false },
    streams: {
      camera1: srv.url('camera1', { user: USER, password: PASSWORD }),
      'camera1-240p': 'ffmpeg:camera1#video=h264#height=240#gop=1',
      'camera1-120p': 'ffmpeg:camera1#video=h264#height=120#fps=10#bitrate=150#gop=1',
      camera2: `${srv.url('camera2', { user: USER, password: PASSWORD })}#transport=udp`,
      ...extra,
    },
  };
}

describe('sources: rtsp:// and ffmpeg: variants against a real RTSP server', { skip, timeout: 240000 }, () => {
  let srv, janus, admin, rtspPort, logDir;
  const conns = [];
  let A, B, C; // viewers

  before(async () => {
    srv = await startRtspServer({ mounts: ['camera1', 'camera2'], user: USER, password: PASSWORD, width: WIDTH, height: HEIGHT });
    rtspPort = srv.port;
    janus = await startJanus({
      name: 'sources',
      pluginConfig: pluginConfig(srv, {
        camera1bad: srv.url('camera1', { user: USER, password: 'wrongpass' }),
      }),
    });
    logDir = janus.outDir;
    admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
  });

  after(async () => {
    for (const c of conns) {
      await c.peer.close().catch(() => {});
      c.client.drop();
    }
    admin?.close();
    await janus?.stop();
    await srv?.stop();
    await stopAll();
  });

  async function connect(slots) {
    const log = (line) => fs.appendFileSync(path.join(logDir, 'client.log'), `${line}\n`);
    const c = await connectMultistream(janus, slots, { log });
    conns.push(c);
    return c;
  }

  test('nothing runs before anyone watches', () => {
    assert.deepEqual(ffmpegChildren(janus.child.pid, { zombies: true }), []);
    assert.equal(srv.clients(), 0);
  });

  test('three viewers and two variants of one camera: exactly one RTSP session; each variant\'s SPS has its height', { timeout: 60000 }, async () => {
    const t0 = Date.now();
    A = await connect([{ slot: 0, stream: 'camera1' }, { slot: 1, stream: 'camera1-240p' }]);
    B = await connect([{ slot: 0, stream: 'camera1-120p' }]);
    C = await connect([{ slot: 0, stream: 'camera1-240p' }, { slot: 1, stream: 'camera1-120p' }]);
    await Promise.all([
      A.peer.waitPackets(0, 20, { timeoutMs: 15000 }),
      A.peer.waitPackets(1, 20, { timeoutMs: 15000 }),
      B.peer.waitPackets(0, 20, { timeoutMs: 15000 }),
      C.peer.waitPackets(0, 20, { timeoutMs: 15000 }),
      C.peer.waitPackets(1, 20, { timeoutMs: 15000 }),
    ]);
    timings('three viewers: all five slots receiving (ms from first init)', Date.now() - t0);
    await sleep(1500); // more keyframes (GOP 1 s)
    assert.equal(srv.sessions('camera1'), 1, `RTSP sessions on /camera1: ${srv.sessions('camera1')}`);
    assert.equal(srv.clients(), 1, 'one RTSP connection in all');
    assert.equal(srv.plays('camera1'), 1, 'the camera was pulled once, never reconnected');

    assert.deepEqual(resolutions(A.peer, 0), [`${WIDTH}x${HEIGHT}`], 'camera1 itself is stream-copied');
    for (const [peer, k] of [[A.peer, 1], [C.peer, 0]]) assert.deepEqual(resolutions(peer, k), ['320x240'], '240p variant SPS');
    for (const [peer, k] of [[B.peer, 0], [C.peer, 1]]) assert.deepEqual(resolutions(peer, k), ['160x120'], '120p variant SPS');

    const kids = ffmpegChildren(janus.child.pid, { zombies: true });
    assert.equal(kids.length, 3, `one ingest + two transcoders: ${kids.map((k) => k.cmd).join('\n')}`);
    for (const k of kids) assert.equal(k.pgrp, k.pid, `ffmpeg ${k.pid} leads its own process group`);
    assert.equal(kids.filter((k) => k.cmd.includes('rtsp://')).length, 1);
    assert.ok(kids.some((k) => k.cmd.includes('rtsp_transport tcp')), 'TCP interleaved by default');
    const st = await admin.status();
    for (const n of ['camera1', 'camera1-240p', 'camera1-120p']) {
      const s = st.sources.find((x) => x.name === n);
      assert.equal(s.state, 'active', `${n}: ${JSON.stringify(s)}`);
    }
  });

  test('rtsp #transport=udp delivers', { timeout: 30000 }, async () => {
    const D = await connect([{ slot: 0, stream: 'camera2' }]);
    await D.peer.waitPackets(0, 20, { timeoutMs: 15000 });
    assert.deepEqual(resolutions(D.peer, 0), [`${WIDTH}x${HEIGHT}`]);
    assert.ok(ffmpegChildren(janus.child.pid, { zombies: true }).some((k) => k.cmd.includes('rtsp_transport udp') && k.cmd.includes('/camera2')));
    await D.peer.close();
    await D.client.close();
  });

  test('credentials never reach the Janus log, even in ffmpeg\'s own errors', { timeout: 30000 }, async () => {
    const E = await connect([{ slot: 0, stream: 'camera1bad' }]);
    await waitFor(() => /camera1bad: ffmpeg\[\d+\]: .*401/.test(fs.readFileSync(janus.logFile, 'utf8')), 15000,
      'ffmpeg\'s 401 error in the Janus log');
    await waitFor(() => /Stream camera1bad failed \(process exited\): restart in 1s/.test(fs.readFileSync(janus.logFile, 'utf8')), 5000,
      'the failed source scheduled for a restart (backoff 1 s first)');
    await E.peer.close();
    await E.client.close();
    const log = fs.readFileSync(janus.logFile, 'utf8');
    for (const secret of ['wrongpass', PASSWORD, encodeURIComponent(PASSWORD)]) {
      assert.ok(!log.includes(secret), `"${secret}" appears in ${janus.logFile}`);
    }
    assert.match(log, /rtsp:\/\/admin:\*\*\*@127\.0\.0\.1/, 'URLs are logged redacted');
    assert.ok(!/camera1bad: ffmpeg\[\d+\]: .*wrongpass/.test(log));
  });

  test('pause on a variant: kept while another viewer watches, stopped after the linger on the last', { timeout: 40000 }, async () => {
    const transcoder = () => ffmpegChildren(janus.child.pid, { zombies: true }).find((k) => k.cmd.includes('scale=-2:120'));
    const before120 = transcoder();
    assert.ok(before120, '120p transcoder running');
    // B pauses; C still watches 120p
    const r1 = await B.client.request('multistream/pause', { slot: 0 });
    assert.notEqual(r1.data.type, 'multistream/error', JSON.stringify(r1.data));
    await sleep((LINGER + 2) * 1000);
    assert.ok(running(before120), 'transcode kept while another viewer watches');
    assert.equal((await sourceStatus(admin, 'camera1-120p')).running, true);
    const since = Date.now();
    await C.peer.waitPackets(1, 5, { since, timeoutMs: 3000 });
    // C pauses too: the last viewer of the variant
    const tPause = Date.now();
    const r2 = await C.client.request('multistream/pause', { slot: 1 });
    assert.notEqual(r2.data.type, 'multistream/error', JSON.stringify(r2.data));
    const took = await waitFor(() => !running(before120), (LINGER + 2) * 1000, 'the 120p transcoder to stop');
    timings('pause on last viewer -> 120p transcoder gone (ms)', Date.now() - tPause);
    assert.ok(took >= LINGER * 1000 - 200, `stopped only after the linger (${took} ms)`);
    assert.equal((await sourceStatus(admin, 'camera1-120p')).running, false);
    assert.equal((await sourceStatus(admin, 'camera1')).running, true, 'the camera still has viewers');
    assert.equal(srv.plays('camera1'), 1, 'camera not re-pulled');
  });

  test('RTSP server killed: bound slots offline within 5 s; restarted: active within 10 s, no client message', { timeout: 60000 }, async () => {
    const watched = [[A, 0], [A, 1], [C, 0]]; // camera1, camera1-240p, camera1-240p
    const sinces = watched.map(([v]) => v.client.mark());
    const clientLog = path.join(logDir, 'client.log');
    const requests = () => fs.readFileSync(clientLog, 'utf8').split('\n').filter((l) => l.includes(' >> ') && l.includes('"janus":"message"')).length;
    const sent = requests();
    const tKill = Date.now();
    await srv.kill9();
    const offline = await Promise.all(watched.map(([v, k], i) => v.client.waitStatus(k, 'offline', { since: sinces[i], timeoutMs: 5000 })
      .then((ev) => ev.at - tKill)));
    timings('server killed -> slots offline (ms: camera1, 240p, 240p)', offline.join(', '));
    for (const ms of offline) assert.ok(ms <= 5000, `offline after ${ms} ms`);

    const marks = watched.map(([v]) => v.client.mark());
    srv = await startRtspServer({ port: rtspPort, mounts: ['camera1', 'camera2'], user: USER, password: PASSWORD, width: WIDTH, height: HEIGHT });
    const tBack = Date.now();
    const back = await Promise.all(watched.map(([v, k], i) => v.client.waitStatus(k, 'active', { since: marks[i], timeoutMs: 10000 })
      .then((ev) => ev.at - tBack)));
    timings('server restarted -> slots active (ms: camera1, 240p, 240p)', back.join(', '));
    for (const ms of back) assert.ok(ms <= 10000, `active after ${ms} ms`);
    const t = Date.now();
    for (const [v, k] of watched) await v.peer.waitPackets(k, 10, { since: t, timeoutMs: 5000 });
    await sleep(1500); // a keyframe (GOP 1 s) with its SPS
    assert.deepEqual(resolutions(A.peer, 1, t), ['320x240']);
    assert.equal(srv.sessions('camera1'), 1, 'one RTSP session again');
    assert.equal(requests(), sent, 'no plugin message sent by any client meanwhile');
  });

  test('a transcoder that dies is restarted with backoff; its slots go offline and come back by themselves', { timeout: 30000 }, async () => {
    const victim = ffmpegChildren(janus.child.pid, { zombies: true }).find((k) => k.cmd.includes('scale=-2:240'));
    assert.ok(victim, '240p transcoder running');
    const before = await sourceStatus(admin, 'camera1-240p');
    const playsBefore = srv.plays('camera1');
    const marks = [A.client.mark(), C.client.mark()];
    const tKill = Date.now();
    process.kill(victim.pid, 'SIGKILL'); // a child of Janus that this test's Janus started
    const off = await Promise.all([A.client.waitStatus(1, 'offline', { since: marks[0], timeoutMs: 5000 }),
      C.client.waitStatus(0, 'offline', { since: marks[1], timeoutMs: 5000 })]);
    const on = await Promise.all([A.client.waitStatus(1, 'active', { since: marks[0], timeoutMs: 10000 }),
      C.client.waitStatus(0, 'active', { since: marks[1], timeoutMs: 10000 })]);
    timings('transcoder killed -> 240p slots offline / active again (ms)',
      `${off.map((e) => e.at - tKill).join(', ')} / ${on.map((e) => e.at - tKill).join(', ')}`);
    const after = await sourceStatus(admin, 'camera1-240p');
    assert.equal(after.restarts, before.restarts + 1, JSON.stringify(after));
    assert.equal(after.state, 'active');
    const t = Date.now();
    await A.peer.waitPackets(1, 10, { since: t, timeoutMs: 5000 });
    await sleep(1200);
    assert.deepEqual(resolutions(A.peer, 1, t), ['320x240']);
    const now240 = ffmpegChildren(janus.child.pid, { zombies: true }).filter((k) => k.cmd.includes('scale=-2:240'));
    assert.equal(now240.length, 1, 'exactly one 240p transcoder again');
    assert.notEqual(now240[0].pid, victim.pid);
    assert.equal(srv.plays('camera1'), playsBefore, 'the camera was not re-pulled');
  });

  test('an ingest that stops delivering (SIGSTOP) is reported offline, then killed and restarted', { timeout: 40000 }, async () => {
    const ingest = ffmpegChildren(janus.child.pid, { zombies: true }).find((k) => k.cmd.includes('rtsp://'));
    assert.ok(ingest, 'ingest running');
    const before = await sourceStatus(admin, 'camera1');
    const mark = A.client.mark();
    const tStop = Date.now();
    process.kill(ingest.pid, 'SIGSTOP'); // alive but silent, like a hung camera connection
    const off = await A.client.waitStatus(0, 'offline', { since: mark, timeoutMs: 5000 });
    const on = await A.client.waitStatus(0, 'active', { since: mark, timeoutMs: 25000 });
    timings('ingest stopped -> camera1 slot offline / active again after the stall restart (ms)',
      `${off.at - tStop} / ${on.at - tStop}`);
    assert.ok(!running(ingest), 'the stalled process was killed and reaped');
    const after = await sourceStatus(admin, 'camera1');
    assert.equal(after.restarts, before.restarts + 1, JSON.stringify(after));
    await waitFor(() => srv.clients() === 1, 5000, 'one RTSP connection again');
    const t = Date.now();
    await C.peer.waitPackets(0, 10, { since: t, timeoutMs: 8000 }); // the 240p variant resumed with its parent
  });

  test('last viewer leaves: no ffmpeg of ours after source_linger + 2 s', { timeout: 30000 }, async () => {
    assert.ok(ffmpegChildren(janus.child.pid, { zombies: true }).length >= 2);
    const t0 = Date.now();
    for (const c of conns.splice(0)) {
      await c.peer.close(); // first: werift leaves its sockets open when Janus hangs up first
      await c.client.close();
    }
    const took = await waitFor(() => ffmpegChildren(janus.child.pid, { zombies: true }).length === 0, (LINGER + 2) * 1000,
      `no ffmpeg child of Janus (left: ${ffmpegChildren(janus.child.pid, { zombies: true }).map((k) => k.pid)})`);
    timings('last viewer left -> no ffmpeg child (ms)', Date.now() - t0);
    assert.ok(took <= (LINGER + 2) * 1000);
    await waitFor(() => srv.clients() === 0, 2000, 'RTSP connection closed');
    const st = await admin.status();
    for (const s of st.sources) assert.equal(s.running, false, `${s.name} still running`);
    assert.ok(!janus.child.exitInfo, 'Janus alive');
  });
});

after(() => {
  // werift leaves UDP sockets open after pc.close() on multi-transceiver
  // peers, which would keep this file's process alive until its time bound
  // (tests/run.sh passes --test-force-exit; this covers a plain node --test).
  // Every child process is already stopped by PID by now.
  setTimeout(() => process.exit(), 2000).unref();
});

describe('sources: kill -9 of Janus leaves no ffmpeg behind', { skip, timeout: 60000 }, () => {
  let srv, janus;
  after(async () => {
    await janus?.stop();
    await srv?.stop();
    await stopAll();
  });

  test('parent-death signal takes the ingest and the transcoder down with Janus', { timeout: 45000 }, async () => {
    srv = await startRtspServer({ mounts: ['camera1', 'camera2'], user: USER, password: PASSWORD, width: WIDTH, height: HEIGHT });
    janus = await startJanus({ name: 'sources-kill9', pluginConfig: pluginConfig(srv) });
    const v = await connectMultistream(janus, [{ slot: 0, stream: 'camera1-240p' }]);
    try {
      await v.peer.waitPackets(0, 10, { timeoutMs: 15000 });
      const kids = ffmpegChildren(janus.child.pid, { zombies: true });
      assert.equal(kids.length, 2, `ingest + transcoder: ${kids.map((k) => k.cmd).join('\n')}`);
      const tKill = Date.now();
      process.kill(janus.child.pid, 'SIGKILL');
      await janus.child.exited;
      await waitFor(() => kids.every((k) => !running(k)), 3000,
        `ffmpeg children gone (left: ${kids.filter(running).map((k) => k.pid)})`);
      timings('kill -9 Janus -> its ffmpeg children gone (ms)', Date.now() - tKill);
      await waitFor(() => srv.clients() === 0, 5000, 'the RTSP server sees the session end');
    } finally {
      await v.peer.close();
      v.client.drop();
    }
  });
});
