// bench/lib/relay.mjs: UDP tap between the cameras and Janus.
//
//   node relay.mjs LOGFILE inPort:outPort[:cam] ...
//
// Every camera sends to inPort; each datagram is forwarded at once, unchanged,
// to 127.0.0.1:outPort (where Janus, ours or stock, listens) and logged as one
// line:  cam seq ts marker nal start len hash tMs  (nal: the NAL type, for
// FU-A the fragmented one, for STAP-A the slice type it carries)
// (hash = sha1 of the RTP payload, 12 hex: the payload crosses both plugins
// unchanged, so the bitstream check can tell which camera and which source
// packet every packet a viewer received came from; tMs = epoch ms with
// sub-ms precision). Runs in its own process so the bench's event loop never
// delays camera packets.
import dgram from 'node:dgram';
import fs from 'node:fs';
import crypto from 'node:crypto';

const [logFile, ...maps] = process.argv.slice(2);
const fd = fs.openSync(logFile, 'a');
let buf = [];
const flush = () => {
  if (buf.length) { fs.writeSync(fd, buf.join('')); buf = []; }
};
setInterval(flush, 100);
const t0 = performance.timeOrigin;

function payloadOffset(msg) {
  if (msg.length < 12) return -1;
  const cc = msg[0] & 0x0f;
  let off = 12 + cc * 4;
  if (msg[0] & 0x10) {
    if (msg.length < off + 4) return -1;
    off += 4 + msg.readUInt16BE(off + 2) * 4;
  }
  let end = msg.length;
  if (msg[0] & 0x20) end -= msg[msg.length - 1];
  return off < end ? off : -1;
}

for (const m of maps) {
  const [inPort, outPort, cam] = m.split(':');
  const out = Number(outPort);
  const sock = dgram.createSocket('udp4');
  sock.on('error', () => {});
  sock.on('message', (msg) => {
    sock.send(msg, out, '127.0.0.1', () => {});
    const t = t0 + performance.now();
    const off = payloadOffset(msg);
    if (off < 0) return;
    const p = msg.subarray(off);
    const nt = p[0] & 0x1f;
    let nal = nt === 28 ? (p[1] & 0x1f) : nt;
    if (nt === 24) { // STAP-A: report the slice type it carries (5 > 1 > first)
      const types = [];
      for (let i = 1; i + 2 < p.length;) { const l = p.readUInt16BE(i); i += 2; if (!l || i + l > p.length) break; types.push(p[i] & 0x1f); i += l; }
      nal = types.includes(5) ? 5 : types.includes(1) ? 1 : (types[0] ?? 24);
    }
    const start = nt === 28 ? ((p[1] & 0x80) ? 1 : 0) : 1;
    const h = crypto.createHash('sha1').update(p).digest('hex').slice(0, 12);
    buf.push(`${cam ?? inPort} ${msg.readUInt16BE(2)} ${msg.readUInt32BE(4)} ${(msg[1] & 0x80) ? 1 : 0} ${nal} ${start} ${msg.length} ${h} ${t.toFixed(3)}\n`);
  });
  sock.bind(Number(inPort), '127.0.0.1');
}
const stop = () => { flush(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
