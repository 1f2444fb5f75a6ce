// Lip sync from sender reports: how far apart a browser would play the
// audio and the video of one camera.
//
// A UDP tap between the cameras and Janus forwards every RTP packet
// unchanged and keeps (timestamp, payload hash, arrival) per stream; it also
// listens where the cameras send their RTCP (RTP port + 1) and keeps their
// sender reports: (NTP, RTP) pairs on the camera's clock, i.e. when each
// packet was captured. A viewer (MsPeer) keeps Janus's sender reports of
// each m-line. A browser plays a packet at the NTP time Janus's report
// maps its (rewritten) timestamp to, and lines up audio and video by it.
// So per packet: lag = Janus-NTP(viewer ts) - camera-NTP(camera ts), the
// camera packet found by its payload (the plugin never changes payloads);
// and the A/V offset of a camera is median(audio lag) - median(video lag):
// > 0, its sound plays after its picture. Both NTP clocks are this
// machine's wall clock.
import dgram from 'node:dgram';
import crypto from 'node:crypto';

const NTP_UNIX = 2208988800;
const hash = (b) => crypto.createHash('sha1').update(b).digest('hex').slice(0, 16);

/** NTP (msw, lsw) -> Unix ms. */
export function ntpMs(msw, lsw) {
  return (msw - NTP_UNIX) * 1000 + (lsw / 2 ** 32) * 1000;
}

/** NTP ms of timestamp ts, by the last report before at (or the first). */
function mapTs(srs, ts, clock, at) {
  if (!srs.length) return null;
  let sr = srs[0];
  for (const r of srs) if (r.at <= at) sr = r;
  return sr.ntpMs + ((ts - sr.rtp) | 0) / clock * 1000;
}

function payloadOf(msg) {
  if (msg.length < 12) return null;
  let off = 12 + (msg[0] & 0x0f) * 4;
  if (msg[0] & 0x10) off += 4 + msg.readUInt16BE(off + 2) * 4;
  let end = msg.length;
  if (msg[0] & 0x20) end -= msg[msg.length - 1];
  return off < end ? msg.subarray(off, end) : null;
}

/**
 * The tap. streams: [{ key, inPort, outPort }] (key e.g. 'cam1/video'); RTP
 * on inPort goes to 127.0.0.1:outPort; RTCP arriving on inPort + 1 is kept
 * (sender reports) and dropped.
 */
export class CameraTap {
  constructor(streams) {
    this.streams = streams;
    this.sockets = [];
    this.rtp = new Map();	// key -> Map(hash -> [{ ts, at }])
    this.srs = new Map();	// key -> [{ ntpMs, rtp, at }]
  }

  async start() {
    for (const s of this.streams) {
      this.rtp.set(s.key, new Map());
      this.srs.set(s.key, []);
      const out = dgram.createSocket('udp4');
      out.on('error', () => {});
      out.on('message', (msg) => {
        out.send(msg, s.outPort, '127.0.0.1', () => {});
        const p = payloadOf(msg);
        if (!p) return;
        const h = hash(p);
        const m = this.rtp.get(s.key);
        if (!m.has(h)) m.set(h, []);
        m.get(h).push({ ts: msg.readUInt32BE(4), at: Date.now() });
      });
      const rtcp = dgram.createSocket('udp4');
      rtcp.on('error', () => {});
      rtcp.on('message', (msg) => {
        // a compound packet: look at each part for an SR (PT 200)
        for (let off = 0; off + 8 <= msg.length;) {
          const pt = msg[off + 1], words = msg.readUInt16BE(off + 2);
          if (pt === 200 && off + 20 <= msg.length) {
            this.srs.get(s.key).push({ ntpMs: ntpMs(msg.readUInt32BE(off + 8), msg.readUInt32BE(off + 12)), rtp: msg.readUInt32BE(off + 16), at: Date.now() });
          }
          off += (words + 1) * 4;
        }
      });
      await new Promise((r) => out.bind(s.inPort, '127.0.0.1', r));
      await new Promise((r) => rtcp.bind(s.inPort + 1, '127.0.0.1', r));
      this.sockets.push(out, rtcp);
    }
    return this;
  }

  /** The camera packet a viewer packet came from (same payload, the last to arrive before it). */
  source(key, payload, at) {
    const list = this.rtp.get(key)?.get(hash(payload));
    if (!list) return null;
    let best = null;
    for (const c of list) if (c.at <= at + 5 && (!best || c.at > best.at)) best = c;
    return best;
  }

  stop() {
    for (const s of this.sockets) { try { s.close(); } catch { /* closed */ } }
  }
}

const median = (a) => { if (!a.length) return null; const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

/**
 * Lags of one stream: for the viewer packets (with .payload .ts .at) of a
 * camera stream: Janus-NTP - camera-NTP, in ms, where both have reports.
 */
export function lags(tap, key, packets, viewerSrs, clock) {
  const camSrs = tap.srs.get(key) || [];
  const out = [];
  for (const p of packets) {
    const c = tap.source(key, p.payload, p.at);
    if (!c) continue;
    const cam = mapTs(camSrs, c.ts, clock, c.at);
    const sent = mapTs(viewerSrs.filter((r) => r.ssrc === p.ssrc), p.ts, clock, p.at);
    if (cam !== null && sent !== null) out.push(sent - cam);
  }
  return out;
}

/** The A/V offset of a camera from its audio and video lags (ms): > 0, the sound after the picture. */
export function avOffset(audioLags, videoLags) {
  const a = median(audioLags), v = median(videoLags);
  return a === null || v === null ? null : a - v;
}
