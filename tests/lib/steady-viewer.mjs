// A multistream viewer (JanusClient + werift MsPeer) running in a worker
// thread, so that the arrival times it records for its RTP packets do not
// depend on how busy the test's main thread is (a test that loads its own
// event loop with dozens of clients would otherwise see gaps that are its
// own). The main thread drives it with a few commands: stats over a time
// window, one multistream request, close.
//
//   const v = new SteadyViewer({ wsUrl, slots, token, logFile });
//   const { sessionId, handleId, answer } = await v.start();
//   const st = await v.stats(from, to);   // per slot: count, maxGap, seq faults, ssrcs, resolutions
//   const r = await v.request('multistream/streams', {});
//   await v.stop();
import fs from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { JanusClient, MsPeer } from './client.mjs';
import { packetResolution, seqDiff, tsDiff } from './h264.mjs';

const WORKER_FLAG = 'msSteadyViewer';

export class SteadyViewer {
  /** opts: { wsUrl, slots: [{slot, stream, quality?}], token?, logFile?, keepaliveMs? } */
  constructor(opts) {
    this.opts = opts;
    this.worker = null;
    this.calls = new Map();
    this.seq = 0;
    this.exited = false;
  }

  start(timeoutMs = 30000) {
    this.worker = new Worker(fileURLToPath(import.meta.url), { workerData: { [WORKER_FLAG]: true, ...this.opts } });
    this.worker.on('message', (m) => {
      const c = this.calls.get(m.id);
      if (!c) return;
      this.calls.delete(m.id);
      if (m.error) c.reject(new Error(m.error)); else c.resolve(m.result);
    });
    const fail = (e) => {
      this.exited = true;
      for (const c of this.calls.values()) c.reject(e);
      this.calls.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`steady viewer worker exited (${code})`)));
    return this.call('start', {}, timeoutMs);
  }

  call(cmd, args = {}, timeoutMs = 15000) {
    if (this.exited || !this.worker) return Promise.reject(new Error('steady viewer worker not running'));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.calls.delete(id); reject(new Error(`steady viewer: ${cmd} timed out after ${timeoutMs} ms`)); }, timeoutMs);
      this.calls.set(id, {
        resolve: (v) => { clearTimeout(t); resolve(v); },
        reject: (e) => { clearTimeout(t); reject(e); },
      });
      this.worker.postMessage({ id, cmd, args });
    });
  }

  /**
   * Per slot, over the packets that arrived in [from, to] (ms, Date.now()):
   * { count, maxGap, maxGapAt, edgeStart, edgeEnd, seqFaults, seqFaultSamples,
   *   seqLost, tsBackwards, ssrcs, resolutions } plus { events, janusEvents } (every
   * plugin / Janus event the viewer got, with `at`).
   */
  stats(from, to) {
    return this.call('stats', { from, to });
  }

  /** One multistream request: resolves with the reply's { data }. */
  request(type, value = {}) {
    return this.call('request', { type, value });
  }

  async stop() {
    if (!this.worker) return;
    if (!this.exited) await this.call('close', {}, 8000).catch(() => {});
    await this.worker.terminate().catch(() => {});
    this.exited = true;
  }
}

// ---------------------------------------------------------------------------
// Worker side

async function workerMain(opts) {
  const log = opts.logFile ? (line) => fs.appendFileSync(opts.logFile, `${line}\n`) : null;
  let client = null;
  let peer = null;
  let connectedAt = null;

  async function start() {
    client = new JanusClient(opts.wsUrl, { keepaliveMs: opts.keepaliveMs ?? 3000, log });
    await client.connect();
    await client.createSession();
    await client.attach();
    const ready = await client.request('multistream/init', { slots: opts.slots, ...(opts.token ? { token: opts.token } : {}) });
    if (ready.data.type !== 'multistream/ready') throw new Error(`init failed: ${JSON.stringify(ready.data)}`);
    peer = new MsPeer(opts.slots.length);
    const offer = await peer.createOffer();
    const answer = await client.request('multistream/offer', {}, { jsep: offer, timeoutMs: 10000 });
    if (answer.data.type !== 'multistream/answer' || !answer.jsep) throw new Error(`offer failed: ${JSON.stringify(answer.data)}`);
    await peer.setAnswer(answer.jsep);
    for (const c of peer.localCandidates) await client.trickle(c);
    await client.trickle(null);
    await peer.waitConnected(10000);
    connectedAt = Date.now();
    return { sessionId: client.sessionId, handleId: client.handleId, ready: ready.data, answer: answer.data, connectedAt };
  }

  function stats({ from, to }) {
    const slots = peer.rtp.map((all, k) => {
      const win = all.filter((p) => p.at >= from && p.at <= to);
      let maxGap = 0, maxGapAt = null;
      for (let i = 1; i < win.length; i++) {
        const g = win[i].at - win[i - 1].at;
        if (g > maxGap) { maxGap = g; maxGapAt = win[i - 1].at; }
      }
      // Seq/timestamp continuity over the whole capture (the track's life).
      // A forward step of 2 or 3 is one or two packets that never arrived
      // (a datagram lost on the way: this worker's socket can overflow while
      // dozens of clients load the machine), counted apart as seqLost;
      // anything else (a jump, a step back, a repeat) is a seqFault.
      let seqFaults = 0, seqLost = 0, tsBackwards = 0;
      const seqFaultSamples = [];
      for (let i = 1; i < all.length; i++) {
        const d = seqDiff(all[i - 1].seq, all[i].seq);
        if (d === 2 || d === 3) {
          seqLost += d - 1;
        } else if (d !== 1) {
          seqFaults++;
          if (seqFaultSamples.length < 5) seqFaultSamples.push({ from: all[i - 1].seq, to: all[i].seq, at: all[i].at });
        }
        if (tsDiff(all[i - 1].ts, all[i].ts) < 0) tsBackwards++;
      }
      const resolutions = {};
      for (const p of win) {
        const r = packetResolution(p.payload);
        if (r) resolutions[r] = (resolutions[r] || 0) + 1;
      }
      return {
        slot: k,
        count: win.length,
        total: all.length,
        maxGap,
        maxGapAt,
        edgeStart: win.length ? win[0].at - from : to - from,
        edgeEnd: win.length ? to - win[win.length - 1].at : to - from,
        seqFaults,
        seqFaultSamples,
        seqLost,
        tsBackwards,
        ssrcs: [...new Set(all.map((p) => p.ssrc))],
        resolutions,
      };
    });
    return {
      connectedAt,
      slots,
      events: client.events.map((e) => ({ data: e.data, at: e.at })),
      janusEvents: client.janusEvents.map((e) => ({ janus: e.janus, at: e.at, reason: e.reason })),
      pcState: peer.pc.connectionState,
      wsClosed: client.closed,
    };
  }

  async function request({ type, value }) {
    const r = await client.request(type, value, { timeoutMs: 8000 });
    return { data: r.data };
  }

  async function close() {
    if (peer) await peer.close().catch(() => {});
    if (client) await client.close().catch(() => {});
    return true;
  }

  const cmds = { start, stats, request, close };
  parentPort.on('message', async (m) => {
    try {
      const result = await cmds[m.cmd](m.args || {});
      parentPort.postMessage({ id: m.id, result });
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: e?.stack || String(e) });
    }
  });
}

if (!isMainThread && workerData && workerData[WORKER_FLAG]) {
  workerMain(workerData);
}
