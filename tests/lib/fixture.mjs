// One Janus with our plugin + a set of ffmpeg RTP cameras, for a test file.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { startJanus, pluginSkipReason, sleep } from './janus.mjs';
import { startCameras, stopCameras } from './cameras.mjs';
import { AdminClient, connectMultistream, openHandle } from './client.mjs';
import { stopAll } from './procs.mjs';
import { packetResolution as resolution264 } from './h264.mjs';
import { packetResolution as resolution265 } from './h265.mjs';

// The resolution an SPS in the payload announces, H264 or H265 (the two
// cannot be mistaken: see tests/lib/h265.mjs sniffCodec).
const packetResolution = (payload) => resolution264(payload) || resolution265(payload);

export const skipPlugin = () => pluginSkipReason() || false;

/**
 * cameras: [{ stream: 'camera1', port: 5004, codec?, declare? }, ...] (presets
 * give colour and resolution in order; codec 'h265' sends H265, declared in
 * the source URL as #video=h265 unless declare is false). general: extra
 * general settings.
 */
export async function startFixture({ name, cameras, general = {}, extraStreams = {}, sessionTimeout = 10 }) {
  const streams = {};
  for (const c of cameras) {
    streams[c.stream] = `rtp://127.0.0.1:${c.port}${c.codec === 'h265' && c.declare !== false ? '#video=h265' : ''}`
      + (c.audio ? `#audio=${c.audio.codec}:${c.audio.port}` : '');
  }
  Object.assign(streams, extraStreams);
  const janus = await startJanus({
    name,
    sessionTimeout,
    pluginConfig: {
      general: { max_slots: 9, source_linger: 1, disconnect_grace: 10, events: false, ...general },
      streams,
    },
  });
  const logFile = path.join(janus.outDir, 'client.log');
  const log = (line) => fs.appendFileSync(logFile, `${line}\n`);
  let cams = [];
  try {
    cams = await startCameras(cameras.map((c) => ({ name: c.stream, port: c.port, codec: c.codec, audio: c.audio })), { logDir: janus.outDir, staggerMs: 300 });
  } catch (e) {
    await janus.stop();
    throw e;
  }
  const byStream = Object.fromEntries(cams.map((c) => [c.name, c]));
  const admin = await new AdminClient(janus.adminUrl, janus.adminSecret).connect();
  const clients = [];
  const peers = [];
  const fx = {
    janus, cams, byStream, admin, log, clients, peers,
    /** Expected "WxH" of a stream's camera. */
    res(stream) { const c = byStream[stream]; return c ? `${c.width}x${c.height}` : null; },
    async connect(slots, { codecs = null, audio = false } = {}) {
      const r = await connectMultistream(janus, slots, { log, codecs, audio });
      clients.push(r.client);
      peers.push(r.peer);
      return r;
    },
    async handle() {
      const c = await openHandle(janus, { log });
      clients.push(c);
      return c;
    },
    janusAlive() { return !janus.child.exitInfo; },
    async stop() {
      for (const p of peers) await p.close().catch(() => {});
      for (const c of clients) c.drop();
      admin.close();
      await stopCameras(cams);
      const wasAlive = !janus.child.exitInfo;
      await janus.stop();
      await stopAll();
      // werift can leave UDP sockets and timers behind after pc.close(),
      // which keeps this test file's process alive until the file's time
      // bound. Every child process is already stopped by PID: once the
      // event loop had a moment, exit.
      setTimeout(() => process.exit(), 2000).unref();
      if (process.env.MS_DEBUG_HANDLES) {
        setTimeout(() => console.log('ACTIVE', process.getActiveResourcesInfo(), process._getActiveHandles().map((h) => h.constructor.name + (h.address ? JSON.stringify(h.address()) : ''))), 1000).unref();
      }
      return wasAlive;
    },
  };
  return fx;
}

/** Resolutions ("WxH") announced by SPS in a list of packets. */
export function resolutionsIn(packets) {
  const out = [];
  for (const p of packets) {
    const r = packetResolution(p.payload);
    if (r) out.push(r);
  }
  return out;
}

/** The last SPS resolution seen on a slot's capture (what the slot shows). */
export function currentResolution(packets) {
  const r = resolutionsIn(packets);
  return r.length ? r[r.length - 1] : null;
}

/** Wait until a slot has shown an SPS of the given resolution after time `since`. */
export async function waitResolution(peer, k, res, { since = 0, timeoutMs = 6000 } = {}) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (resolutionsIn(peer.packets(k, since)).includes(res)) return;
    await sleep(50);
  }
  throw new Error(`slot ${k}: no SPS with ${res} within ${timeoutMs} ms (saw ${[...new Set(resolutionsIn(peer.packets(k, since)))].join(',') || 'none'})`);
}

export function expectError(ev, code, error, requestId) {
  const d = ev.data;
  assert.equal(d.type, 'multistream/error', `expected an error event, got ${JSON.stringify(d)}`);
  assert.equal(d.value?.code, code, `code: ${JSON.stringify(d)}`);
  assert.equal(d.value?.error, error, `error string: ${JSON.stringify(d)}`);
  if (requestId !== undefined) assert.equal(d.value?.request_id, requestId, `request_id echoed: ${JSON.stringify(d)}`);
}

export { sleep };
