// H264-over-RTP inspection (RFC 6184), the one copy for tests/ and bench/:
// NAL unit types carried by a packet, STAP-A/FU-A walks, frame-start
// detection, exp-Golomb and SPS/slice-header parsing, the frame_num check of
// a capture, and (at the end) the bench's frame-by-frame check of what a
// viewer received against the relay's log of what the cameras sent.
import fs from 'node:fs';
import crypto from 'node:crypto';

/** NAL unit types in one RTP payload: single NAL, STAP-A, FU-A (start only for type). */
export function nalTypes(payload) {
  if (!payload || payload.length < 1) return [];
  const t = payload[0] & 0x1f;
  if (t >= 1 && t <= 23) return [t];
  if (t === 24) return stapAUnits(payload).map((nal) => nal[0] & 0x1f);
  if (t === 28 && payload.length >= 2) return [payload[1] & 0x1f]; // FU-A: the fragmented NAL's type
  return [t];
}

/** The NAL units of a STAP-A payload (stops at the first bad length). */
export function stapAUnits(payload) {
  const out = [];
  let i = 1;
  while (i + 2 <= payload.length) {
    const len = payload.readUInt16BE(i);
    i += 2;
    if (len === 0 || i + len > payload.length) break;
    out.push(payload.subarray(i, i + len));
    i += len;
  }
  return out;
}

/** FU-A start bit, or true for non-fragmented packets. */
export function isNalStart(payload) {
  const t = payload[0] & 0x1f;
  if (t === 28) return (payload[1] & 0x80) !== 0;
  return true;
}

/** Is this packet keyframe material (SPS, PPS or IDR slice)? */
export function isKeyframeMaterial(payload) {
  return nalTypes(payload).some((t) => t === 5 || t === 7 || t === 8);
}

/** Whole SPS NAL units (with header byte) found in a packet (single or STAP-A). */
export function spsNals(payload) {
  // Whole NALs only: an FU-A fragment of an SPS cannot be parsed on its own
  if ((payload[0] & 0x1f) === 28) return [];
  return nalUnits(payload).filter((nal) => (nal[0] & 0x1f) === 7);
}

/** A bit reader over an RBSP (H264 and H265 parameter sets). */
export class BitReader {
  constructor(buf, codec = 'H264') { this.buf = buf; this.pos = 0; this.codec = codec; }
  bit() {
    const byte = this.buf[this.pos >> 3];
    if (byte === undefined) throw new Error(`${this.codec} bitstream truncated`);
    const b = (byte >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }
  bits(n) { let v = 0; for (let i = 0; i < n; i++) v = v * 2 + this.bit(); return v; }
  skip(n) {
    if (this.pos + n > this.buf.length * 8) throw new Error(`${this.codec} bitstream truncated`);
    this.pos += n;
  }
  ue() {
    let zeros = 0;
    while (this.bit() === 0) { zeros++; if (zeros > 31) throw new Error('bad exp-golomb'); }
    return (2 ** zeros) - 1 + this.bits(zeros);
  }
  se() { const k = this.ue(); return k & 1 ? (k + 1) / 2 : -(k / 2); }
}

function unescapeRbsp(nal) {
  const out = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]);
  }
  return Buffer.from(out);
}

function skipScalingList(r, size) {
  let last = 8, next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Parse an SPS NAL (header byte included) -> { profile, level, width, height }. */
export function parseSps(nal) {
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profile = r.bits(8);
  r.bits(8); // constraint flags
  const level = r.bits(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) r.bit();
    r.ue(); r.ue(); r.bit();
    if (r.bit()) {
      for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  const log2MaxFrameNum = r.ue() + 4;
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.bit(); r.se(); r.se();
    const n = r.ue();
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.bit(); // gaps
  const wMbs = r.ue() + 1;
  const hMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (!frameMbsOnly) r.bit();
  r.bit(); // direct_8x8
  let cl = 0, cr = 0, ct = 0, cb = 0;
  if (r.bit()) { cl = r.ue(); cr = r.ue(); ct = r.ue(); cb = r.ue(); }
  const subW = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
  const subH = chromaFormat === 1 ? 2 : 1;
  const cropUnitX = chromaFormat === 0 ? 1 : subW;
  const cropUnitY = (chromaFormat === 0 ? 1 : subH) * (2 - frameMbsOnly);
  const width = wMbs * 16 - (cl + cr) * cropUnitX;
  const height = hMapUnits * 16 * (2 - frameMbsOnly) - (ct + cb) * cropUnitY;
  return { profile, level, width, height, log2MaxFrameNum };
}

/** Resolution from the first SPS in a packet, or null. */
export function packetResolution(payload) {
  const s = spsNals(payload);
  if (!s.length) return null;
  try {
    const { width, height } = parseSps(s[0]);
    return `${width}x${height}`;
  } catch {
    return null;
  }
}

/** 16-bit sequence difference b - a in (-32768, 32768]. */
export function seqDiff(a, b) {
  let d = (b - a) & 0xffff;
  if (d > 0x8000) d -= 0x10000;
  return d;
}

/** 32-bit timestamp difference b - a, signed. */
export function tsDiff(a, b) {
  let d = (b - a) >>> 0;
  if (d > 0x80000000) d -= 0x100000000;
  return d;
}

/** Every NAL unit (header byte included; FU-A: only the starting fragment,
 * rebuilt) carried by one RTP payload. */
export function nalUnits(payload) {
  const t = payload[0] & 0x1f;
  if (t >= 1 && t <= 23) return [payload];
  if (t === 24) return stapAUnits(payload);
  if (t === 28 && payload.length > 2 && (payload[1] & 0x80)) {
    const hdr = (payload[0] & 0xe0) | (payload[1] & 0x1f);
    return [Buffer.concat([Buffer.from([hdr]), payload.subarray(2)])];
  }
  return [];
}

/** Slice header start: { firstMb, sliceType, ppsId, frameNum }. */
export function parseSliceHeader(nal, log2MaxFrameNum) {
  const r = new BitReader(unescapeRbsp(nal.subarray(1, Math.min(nal.length, 24))));
  const firstMb = r.ue();
  const sliceType = r.ue();
  const ppsId = r.ue();
  const frameNum = r.bits(log2MaxFrameNum);
  return { firstMb, sliceType, ppsId, frameNum };
}

/**
 * Decodability check of an H264 RTP capture: walking the frames in order,
 * frame_num must be 0 on an IDR and +1 (mod MaxFrameNum) on every other
 * frame (x264 baseline without B-frames: every frame is a reference). A
 * splice that lets P-frames follow a foreign reference breaks this. Returns
 * a list of violations (strings); frames before the first IDR are skipped.
 */
export function frameNumViolations(packets) {
  const out = [];
  let log2 = null;
  let prev = null; // frame_num of the previous frame, null before the first IDR
  packets.forEach((p, i) => {
    for (const nal of nalUnits(p.payload)) {
      const t = nal[0] & 0x1f;
      if (t === 7) {
        try { log2 = parseSps(nal).log2MaxFrameNum; } catch { /* ignore */ }
        continue;
      }
      if ((t !== 1 && t !== 5) || log2 === null) continue;
      let sh;
      try { sh = parseSliceHeader(nal, log2); } catch { continue; }
      if (sh.firstMb !== 0) continue; // not the first slice of a frame
      if (t === 5) {
        if (sh.frameNum !== 0) out.push(`packet ${i}: IDR with frame_num ${sh.frameNum}`);
        prev = 0;
      } else if (prev !== null) {
        const want = (prev + 1) % (2 ** log2);
        if (sh.frameNum !== want) out.push(`packet ${i} (seq ${p.seq}): frame_num ${sh.frameNum}, expected ${want}`);
        prev = sh.frameNum;
      }
    }
  });
  return out;
}

// ---------------------------------------------------------------------------
// What was actually sent to a viewer, checked frame by frame (bench/bench.mjs).
//
// Every RTP payload a viewer receives is matched (sha1) against the relay's
// log of what each camera sent (bench/lib/relay.mjs writes it), so every
// output packet is attributed to a camera and to one of its source frames.
// Then, per slot, in arrival order:
//  - H264 slice headers are parsed: frame_num must be 0 on an IDR and
//    (previous + 1) mod MaxFrameNum otherwise (MaxFrameNum = 2^log2_max_frame_num
//    from the last SPS; gaps_in_frame_num are not allowed by these encoders);
//  - a change of camera must start on that camera's keyframe (SPS/PPS/IDR);
//  - within one camera, source frames must follow each other with none
//    missing, every packet of every frame present, the frame ending with the
//    marker bit, and RTP sequence numbers +1;
//  - once any rule breaks, every frame until the next clean IDR is counted as
//    corrupt (the decoder references the wrong or missing pictures: no colour
//    check sees it, a screenshot might).
// Packets the plugin numbered but the viewer never got (a gap in the output
// sequence numbers: lost in the viewer's socket, not recovered by NACK) are
// counted apart: they say nothing about what the plugin sent.

const payloadHash = (b) => crypto.createHash('sha1').update(b).digest('hex').slice(0, 12);

/** Parse the relay log (one line per camera packet: cam seq ts marker nal start len hash t). */
export function loadRelayLog(file) {
  const byHash = new Map();
  const cams = new Map();
  const text = fs.readFileSync(file, 'utf8');
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [cam, seq, ts, marker, nal, start, len, h, t] = line.split(' ');
    const e = { cam, seq: +seq, ts: +ts, marker: marker === '1', nal: +nal, start: start === '1', len: +len, h, t: +t };
    let a = byHash.get(h);
    if (!a) byHash.set(h, (a = []));
    a.push(e);
    let c = cams.get(cam);
    if (!c) cams.set(cam, (c = { frames: [], frameIdx: new Map(), keyTimes: [] }));
    let f = c.frames[c.frames.length - 1];
    if (!f || f.ts !== e.ts) {
      f = { ts: e.ts, t: e.t, idr: false, n: 0, bytes: 0 };
      c.frameIdx.set(e.ts, c.frames.length);
      c.frames.push(f);
    }
    f.n++;
    f.bytes += e.len;
    if (e.nal === 5 && !f.idr) { f.idr = true; c.keyTimes.push(f.t); }
  }
  return { byHash, cams };
}

/** Time (epoch ms) of the camera's last keyframe at or before t. */
export function lastKeyBefore(idx, cam, t) {
  const c = idx.cams.get(cam);
  if (!c) return null;
  let lo = 0, hi = c.keyTimes.length - 1, best = null;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (c.keyTimes[m] <= t) { best = c.keyTimes[m]; lo = m + 1; } else hi = m - 1;
  }
  return best;
}

/**
 * Check one recorded slot. pkts: [{seq, ts, marker, payload, at}] in arrival
 * order; switches: [{at, from, to}] (camera names) in time order.
 * Returns { frames, corrupt, corruptTransit, rtpGaps, reordered, dups,
 * violations: {kind: n}, perSwitch: [...], lines } (lines: one per frame).
 */
export function analyzeSlot(pktsIn, idx, switches) {
  // 0. what was sent, in sending order: a viewer may receive a packet late
  // (lost in its socket buffer, retransmitted after its NACK) or twice; put
  // them back in sequence-number order (as a jitter buffer does), once each.
  let ext = null, reordered = 0, dups = 0;
  const seen = new Map();
  let maxExt = -Infinity;
  for (const p of pktsIn) {
    ext = ext === null ? p.seq : ext + seqDiff(ext & 0xffff, p.seq);
    if (seen.has(ext)) { dups++; continue; }
    if (ext < maxExt) reordered++;
    maxExt = Math.max(maxExt, ext);
    seen.set(ext, { ...p, ext });
  }
  const pkts = [...seen.values()].sort((a, b) => a.ext - b.ext);
  // 1. attribute packets, group into output frames (one output timestamp each)
  const frames = [];
  let cur = null;
  let prevSeq = null;
  let rtpGaps = 0;
  for (const p of pkts) {
    if (prevSeq !== null && p.ext - prevSeq !== 1) rtpGaps += p.ext - prevSeq - 1;
    prevSeq = p.ext;
    const ents = idx.byHash.get(payloadHash(p.payload)) || [];
    const camSet = new Set(ents.map((e) => e.cam));
    // A repeated payload (SPS/PPS) may exist many times: take the latest
    // source packet sent before we received it.
    let src = null;
    if (camSet.size === 1) {
      for (const e of ents) if (e.t <= p.at + 5 && (!src || e.t > src.t)) src = e;
      if (!src) src = ents[0];
    }
    if (!cur || cur.ts !== p.ts) {
      cur = { ts: p.ts, at: p.at, pkts: [], cams: new Set(), srcTs: null, idr: false, sps: null, fn: null, refIdc: null, marker: false, bytes: 0, lastAt: p.at, unknown: 0 };
      frames.push(cur);
    }
    cur.pkts.push(p);
    cur.lastAt = Math.max(cur.lastAt, p.at);
    cur.bytes += p.payload.length + 12;
    if (ents.length === 0) cur.unknown++;
    if (src) {
      cur.cams.add(src.cam);
      if (src.nal === 1 || src.nal === 5) { cur.srcTs = src.ts; cur.srcT = cur.srcT ?? src.t; }
    }
    if (p.marker) cur.marker = true;
    for (const nal of nalUnits(p.payload)) {
      const type = nal[0] & 0x1f;
      try {
        if (type === 7) cur.sps = parseSps(nal).log2MaxFrameNum;
        // first slice of the frame: its frame_num is read in step 2, once
        // the SPS in force (log2_max_frame_num) is known
        if ((type === 1 || type === 5) && !cur.sliceNal) {
          cur.sliceNal = nal;
          cur.refIdc = (nal[0] >> 5) & 3;
        }
        if (type === 5) cur.idr = true;
      } catch { cur.parseError = true; }
    }
  }
  // 2. walk frames
  const viol = {};
  const add = (f, k) => { (f.viol ||= []).push(k); viol[k] = (viol[k] || 0) + 1; };
  let log2 = null, prevFn = null, decodable = false, curCam = null, lastIdx = null;
  let corrupt = 0, corruptTransit = 0, cause = 'transit';
  // packets numbered by the plugin but never received (lost between Janus
  // and the werift viewer, not recovered by NACK) next to or inside a frame:
  // not the plugin's fault. Frames before the first IDR the viewer saw are
  // not judged either (it may have missed the start).
  frames.forEach((f, i) => {
    const firstExt = f.pkts[0].ext, lastExt = f.pkts[f.pkts.length - 1].ext;
    const prev = frames[i - 1], next = frames[i + 1];
    f.transit = (prev && firstExt - prev.pkts[prev.pkts.length - 1].ext > 1) || lastExt - firstExt + 1 !== f.pkts.length
      || (!f.marker && next && next.pkts[0].ext - lastExt > 1);
  });
  for (const f of frames) {
    if (f.sps !== null) log2 = f.sps;
    if (f.sliceNal && log2 !== null) { try { f.fn = parseSliceHeader(f.sliceNal, log2).frameNum; } catch { f.parseError = true; } }
    delete f.sliceNal;
    const cam = f.cams.size === 1 ? [...f.cams][0] : null;
    f.cam = cam;
    if (f.cams.size > 1) add(f, 'frame mixes two cameras');
    if (f.unknown) add(f, 'payload not sent by any camera');
    if (f.parseError) add(f, 'slice header unparsable');
    // completeness: every source packet of this source frame, in order, marker on the last
    let seqOk = true;
    for (let i = 1; i < f.pkts.length; i++) if (seqDiff(f.pkts[i - 1].seq, f.pkts[i].seq) !== 1) seqOk = false;
    const c = cam ? idx.cams.get(cam) : null;
    const si = c && f.srcTs !== null ? c.frameIdx.get(f.srcTs) : undefined;
    const srcFrame = si !== undefined ? c.frames[si] : null;
    if (!f.marker || !seqOk || (srcFrame && srcFrame.n !== f.pkts.length)) add(f, 'incomplete frame');
    if (cam !== null && cam !== curCam) {
      f.camChange = true;
      if (!f.idr) add(f, 'camera change on a non-keyframe');
    } else if (cam !== null && si !== undefined && lastIdx !== null && si !== lastIdx + 1) {
      if (!f.idr) add(f, 'source frames missing');
    }
    if (f.fn !== null && log2 !== null) {
      const max = 2 ** log2;
      if (f.idr) { if (f.fn !== 0) add(f, 'frame_num != 0 on IDR'); }
      else if (prevFn !== null && f.fn !== (prevFn + 1) % max) add(f, 'frame_num gap');
      if (f.refIdc) prevFn = f.fn;
    } else if (f.transit) prevFn = null; // the viewer lost this frame's header: resync on the next one
    if (f.transit) {
      // what the viewer lost tells nothing about what was sent
      f.viol = ['lost in transit to the viewer'];
      decodable = false; cause = 'transit';
    } else if (f.viol) { decodable = false; cause = 'plugin'; }
    else if (f.idr) decodable = true;
    f.corrupt = !decodable && cause === 'plugin';
    f.corruptTransit = !decodable && cause === 'transit';
    if (f.corrupt) corrupt++;
    if (f.corruptTransit) corruptTransit++;
    if (cam !== null) { curCam = cam; if (si !== undefined) lastIdx = si; }
  }
  // 3. per switch
  const perSwitch = switches.map((sw, i) => {
    const end = i + 1 < switches.length ? switches[i + 1].at : Infinity;
    const fr = frames.filter((f) => f.at >= sw.at && f.at < end);
    const firstNew = fr.find((f) => f.cam === sw.to);
    const replayed = [];
    let lastOld = null;
    for (const f of fr) {
      if (f.cam === sw.from && (!firstNew || f.at <= firstNew.at)) lastOld = f;
      if (f.cam === sw.to && f.srcT !== undefined && f.srcT < sw.at) replayed.push(f);
    }
    const rp = replayed.flatMap((f) => f.pkts);
    return {
      to: sw.to, from: sw.from,
      frames: fr.length,
      corrupt: fr.filter((f) => f.corrupt).length,
      corruptTransit: fr.filter((f) => f.corruptTransit).length,
      violations: fr.flatMap((f) => (f.transit ? [] : f.viol || [])),
      firstNewAfter: firstNew ? firstNew.at - sw.at : null,
      firstNewIdr: firstNew ? firstNew.idr : null,
      lastOldAfter: lastOld ? lastOld.lastAt - sw.at : null,
      replayFrames: replayed.length,
      replayPackets: rp.length,
      replayBytes: rp.reduce((a, p) => a + p.payload.length + 12, 0),
      replaySpanMs: rp.length ? Math.max(...rp.map((p) => p.at)) - Math.min(...rp.map((p) => p.at)) : 0,
      gopPhase: (() => { const k = lastKeyBefore(idx, sw.to, sw.at); return k === null ? null : sw.at - k; })(),
      // what the camera sent since its last keyframe up to the request: the
      // GOP cache a replay would send (independent of what the viewer got)
      ...(() => {
        const k = lastKeyBefore(idx, sw.to, sw.at);
        const c = idx.cams.get(sw.to);
        if (k === null || !c) return { cacheBytes: null, cachePackets: null, cacheFrames: null };
        const fs = c.frames.filter((f) => f.t >= k && f.t <= sw.at);
        return { cacheBytes: fs.reduce((a, f) => a + f.bytes, 0), cachePackets: fs.reduce((a, f) => a + f.n, 0), cacheFrames: fs.length };
      })(),
    };
  });
  // one line per frame, for whoever wants to look (bench/output/<stamp>/frames-*.txt)
  const t0 = frames.length ? frames[0].at : 0;
  const swAt = switches.map((s) => s.at);
  let si = 0;
  const lines = [];
  for (const f of frames) {
    while (si < swAt.length && swAt[si] <= f.at) { lines.push(`-- switch ${switches[si].from} -> ${switches[si].to} at ${(swAt[si] - t0).toFixed(1)}`); si++; }
    const c = f.cam ? idx.cams.get(f.cam) : null;
    const srcI = c && f.srcTs !== null ? c.frameIdx.get(f.srcTs) : '-';
    lines.push(`${(f.at - t0).toFixed(1)} ts=${f.ts} seq=${f.pkts[0].seq}..${f.pkts[f.pkts.length - 1].seq} n=${f.pkts.length} cam=${f.cam ?? '?'}#${srcI} ${f.idr ? 'IDR ' : ''}fn=${f.fn ?? '-'} m=${f.marker ? 1 : 0}${f.viol ? ` !! ${f.viol.join(', ')}` : ''}${f.corrupt ? ' CORRUPT' : ''}${f.corruptTransit ? ' (undecodable: viewer lost packets)' : ''}`);
  }
  return { frames: frames.length, corrupt, corruptTransit, rtpGaps, reordered, dups, violations: viol, perSwitch, lines };
}
