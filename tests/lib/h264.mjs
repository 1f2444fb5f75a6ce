// Minimal H264-over-RTP inspection (RFC 6184): NAL unit types carried by a
// packet, frame-start detection, and SPS parsing for the picture size.

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
function stapAUnits(payload) {
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

class BitReader {
  constructor(buf) { this.buf = buf; this.pos = 0; }
  bit() {
    const byte = this.buf[this.pos >> 3];
    if (byte === undefined) throw new Error('SPS truncated');
    const b = (byte >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }
  bits(n) { let v = 0; for (let i = 0; i < n; i++) v = v * 2 + this.bit(); return v; }
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
