// H265/HEVC-over-RTP inspection (RFC 7798) for the tests, the counterpart of
// h264.mjs: NAL unit types carried by a packet, AP/FU walks, keyframe-start
// detection, SPS parsing (resolution), and sniffCodec() telling H264 from
// H265 by a parameter set. No DONL fields (sprop-max-don-diff = 0, what
// ffmpeg, GStreamer and cameras send).
//
// NAL unit header (2 bytes): F(1) Type(6) LayerId(6) TID+1(3).

import { stapAUnits, BitReader } from './h264.mjs';

/** NAL unit types used here. */
export const NAL = {
  TRAIL_N: 0, TRAIL_R: 1,
  BLA_W_LP: 16, BLA_W_RADL: 17, BLA_N_LP: 18,
  IDR_W_RADL: 19, IDR_N_LP: 20, CRA: 21,
  VPS: 32, SPS: 33, PPS: 34, AUD: 35, EOS: 36, EOB: 37, FD: 38,
  PREFIX_SEI: 39, SUFFIX_SEI: 40,
  AP: 48, FU: 49, PACI: 50,
};

const NAMES = {
  0: 'TRAIL_N', 1: 'TRAIL_R', 16: 'BLA_W_LP', 17: 'BLA_W_RADL', 18: 'BLA_N_LP',
  19: 'IDR_W_RADL', 20: 'IDR_N_LP', 21: 'CRA', 32: 'VPS', 33: 'SPS', 34: 'PPS',
  35: 'AUD', 39: 'SEI', 40: 'SUFFIX_SEI', 48: 'AP', 49: 'FU',
};

/** The NAL unit type of a NAL unit header (or payload) starting at buf[0]. */
export const nalType = (buf) => (buf[0] >> 1) & 0x3f;

/** Short name of a NAL unit type ('VPS', 'CRA', ... or the number). */
export const nalName = (t) => NAMES[t] ?? String(t);

const typeOrTypes = (x) => (typeof x === 'number' ? [x] : nalTypes(x));

/** IRAP picture (BLA/IDR/CRA, types 16..23): a NAL type, or any in a payload. */
export function isIrap(x) {
  return typeOrTypes(x).some((t) => t >= 16 && t <= 23);
}

/** VPS, SPS or PPS (32..34): a NAL type, or any in a payload. */
export function isParamSet(x) {
  return typeOrTypes(x).some((t) => t >= 32 && t <= 34);
}

/** The NAL units of an AP payload (stops at the first bad length). */
function apUnits(payload) {
  const out = [];
  let i = 2;
  while (i + 2 <= payload.length) {
    const len = payload.readUInt16BE(i);
    i += 2;
    if (len < 2 || i + len > payload.length) break;
    out.push(payload.subarray(i, i + len));
    i += len;
  }
  return out;
}

/**
 * NAL unit types in one RTP payload: a single NAL unit's type, the types of
 * an AP's units, or a FU's fragmented type (on every fragment, as h264.mjs
 * does for FU-A; isNalStart()/fuHeader() tell the start fragment).
 */
export function nalTypes(payload) {
  if (!payload || payload.length < 2) return [];
  const t = nalType(payload);
  if (t === NAL.AP) return apUnits(payload).map(nalType);
  if (t === NAL.FU) return payload.length >= 3 ? [payload[2] & 0x3f] : [];
  return [t];
}

/** A FU's header: { type, start, end }, or null for other payloads. */
export function fuHeader(payload) {
  if (!payload || payload.length < 3 || nalType(payload) !== NAL.FU) return null;
  return { type: payload[2] & 0x3f, start: (payload[2] & 0x80) !== 0, end: (payload[2] & 0x40) !== 0 };
}

/** FU start bit, or true for non-fragmented packets. */
export function isNalStart(payload) {
  const fu = fuHeader(payload);
  return fu ? fu.start : true;
}

/**
 * Does this packet start keyframe material: a VPS/SPS/PPS (single or in an
 * AP), or an IRAP slice (single, in an AP, or the start fragment of a FU)?
 */
export function keyframeStart(payload) {
  if (!payload || payload.length < 3) return false;
  if (!isNalStart(payload)) return false;
  return nalTypes(payload).some((t) => (t >= 32 && t <= 34) || (t >= 16 && t <= 23));
}

/** Every NAL unit (2-byte header included; FU: only the starting
 * fragment, rebuilt) carried by one RTP payload. */
export function nalUnits(payload) {
  if (!payload || payload.length < 2) return [];
  const t = nalType(payload);
  if (t === NAL.AP) return apUnits(payload);
  if (t === NAL.FU) {
    const fu = fuHeader(payload);
    if (!fu || !fu.start) return [];
    const hdr = Buffer.from([(payload[0] & 0x81) | (fu.type << 1), payload[1]]);
    return [Buffer.concat([hdr, payload.subarray(3)])];
  }
  return [payload];
}

/** Whole SPS NAL units (header included) in a packet (single or AP). */
export function spsNals(payload) {
  // Whole NALs only: a FU fragment of an SPS cannot be parsed on its own
  if (!payload || payload.length < 2 || nalType(payload) === NAL.FU) return [];
  return nalUnits(payload).filter((nal) => nalType(nal) === NAL.SPS);
}

/** A compact description of one payload, e.g. 'AP[VPS,SPS,PPS]',
 * 'FU(SEI,S)', 'FU(CRA,E)', 'TRAIL_R'. */
export function describePayload(payload) {
  if (!payload || payload.length < 2) return '?';
  const t = nalType(payload);
  if (t === NAL.AP) return `AP[${apUnits(payload).map((n) => nalName(nalType(n))).join(',')}]`;
  const fu = fuHeader(payload);
  if (fu) return `FU(${nalName(fu.type)}${fu.start ? ',S' : ''}${fu.end ? ',E' : ''})`;
  return nalName(t);
}

/** Emulation-prevention removal: 00 00 03 -> 00 00. */
export function unescapeRbsp(nal) {
  const out = [];
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) { zeros = 0; continue; }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/** profile_tier_level(1, maxSubLayersMinus1): general fields, sub-layers skipped. */
function profileTierLevel(r, maxSubLayersMinus1) {
  const profileSpace = r.bits(2);
  const tier = r.bit();
  const profile = r.bits(5);
  r.skip(32); // general_profile_compatibility_flag[32]
  r.skip(4); // progressive, interlaced, non_packed_constraint, frame_only_constraint
  r.skip(43); // constraint flags / reserved
  r.skip(1); // general_inbld_flag / reserved
  const level = r.bits(8);
  const profilePresent = [], levelPresent = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.bit());
    levelPresent.push(r.bit());
  }
  if (maxSubLayersMinus1 > 0) for (let i = maxSubLayersMinus1; i < 8; i++) r.skip(2); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skip(88); // sub_layer profile_space..inbld
    if (levelPresent[i]) r.skip(8); // sub_layer_level_idc
  }
  return { profileSpace, tier, profile, level };
}

/**
 * Parse an SPS NAL (2-byte header included) -> { profile, tier, level,
 * chromaFormat, codedWidth, codedHeight, width, height, bitDepth,
 * maxSubLayers } (width/height: the conformance window applied).
 */
export function parseSps(nal) {
  if (nal.length < 3 || nalType(nal) !== NAL.SPS) throw new Error('not an H265 SPS');
  const r = new BitReader(unescapeRbsp(nal.subarray(2)), 'H265');
  r.bits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.bits(3);
  r.bit(); // sps_temporal_id_nesting_flag
  const ptl = profileTierLevel(r, maxSubLayersMinus1);
  r.ue(); // sps_seq_parameter_set_id
  const chromaFormat = r.ue();
  let separateColourPlanes = 0;
  if (chromaFormat === 3) separateColourPlanes = r.bit();
  const codedWidth = r.ue();
  const codedHeight = r.ue();
  let cl = 0, cr = 0, ct = 0, cb = 0;
  if (r.bit()) { cl = r.ue(); cr = r.ue(); ct = r.ue(); cb = r.ue(); }
  const bitDepth = r.ue() + 8; // bit_depth_luma_minus8
  // ChromaArrayType 0 (monochrome or separate planes): crop unit 1x1
  const chromaArrayType = separateColourPlanes ? 0 : chromaFormat;
  const subW = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subH = chromaArrayType === 1 ? 2 : 1;
  return {
    profile: ptl.profile,
    tier: ptl.tier,
    level: ptl.level,
    chromaFormat,
    bitDepth,
    maxSubLayers: maxSubLayersMinus1 + 1,
    codedWidth,
    codedHeight,
    width: codedWidth - subW * (cl + cr),
    height: codedHeight - subH * (ct + cb),
  };
}

/** Resolution 'WxH' from the first SPS in a packet, or null. */
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

// ---------------------------------------------------------------------------
// Which codec is this payload, judged by a parameter set it carries?
//
// H265 VPS/SPS/PPS headers are 0x40/0x42/0x44 then 0x01 (layer 0, TID 1).
// H264 SPS/PPS: forbidden bit clear, nal_ref_idc != 0, type 7/8 in the low
// 5 bits. In H264 terms 0x40/0x42/0x44 are types 0/2/4 and an H265 AP
// (0x60) type 0, never a parameter set; an H265 header can look like an
// H264 PPS (IDR_N_LP: 0x28 0x01) but its second byte 0x01 can be neither an
// H264 profile_idc nor the start of a sane PPS, so it is rejected.

const isH265PsHeader = (b0, b1) => (b0 === 0x40 || b0 === 0x42 || b0 === 0x44) && b1 === 0x01;
const isH264PsHeader = (b0, b1) => (b0 & 0x80) === 0 && (b0 & 0x60) !== 0 && ((b0 & 0x1f) === 7 || (b0 & 0x1f) === 8) && b1 !== 0x01;


/** 'h265' | 'h264' | null: the codec of a payload carrying a parameter set
 * (alone, in an H265 AP or an H264 STAP-A, or a FU/FU-A start of one). */
export function sniffCodec(payload) {
  if (!payload || payload.length < 2) return null;
  const b0 = payload[0], b1 = payload[1];
  if (isH265PsHeader(b0, b1)) return 'h265';
  // H265 AP (0x60, TID 1) holding a parameter set
  if ((b0 & 0x81) === 0 && nalType(payload) === NAL.AP && (b1 & 0x07) !== 0
      && apUnits(payload).some((n) => n.length >= 2 && isH265PsHeader(n[0], n[1]))) return 'h265';
  // H265 FU starting a parameter set (a large one, rare)
  if ((b0 & 0x81) === 0 && nalType(payload) === NAL.FU && (b1 & 0x07) !== 0 && payload.length >= 3
      && (payload[2] & 0x80) && (payload[2] & 0x3f) >= 32 && (payload[2] & 0x3f) <= 34) return 'h265';
  if (payload.length >= 2 && isH264PsHeader(b0, b1)) return 'h264';
  const t = b0 & 0x1f;
  if ((b0 & 0x80) === 0 && t === 24
      && stapAUnits(payload).some((n) => n.length >= 2 && isH264PsHeader(n[0], n[1]))) return 'h264';
  if ((b0 & 0x80) === 0 && t === 28 && payload.length >= 2 && (b1 & 0x80) && ((b1 & 0x1f) === 7 || (b1 & 0x1f) === 8)) return 'h264';
  return null;
}
