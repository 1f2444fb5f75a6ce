// bench/lib/bitstream.mjs: what was actually sent to a viewer, checked frame
// by frame.
//
// Every RTP payload a viewer receives is matched (sha1) against the relay's
// log of what each camera sent, so every output packet is attributed to a
// camera and to one of its source frames. Then, per slot, in arrival order:
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
import fs from 'node:fs';
import crypto from 'node:crypto';

const hash = (b) => crypto.createHash('sha1').update(b).digest('hex').slice(0, 12);

/** Parse the relay log. */
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

class Bits {
  constructor(b) { this.b = b; this.p = 0; }
  bit() { const v = this.b[this.p >> 3]; if (v === undefined) throw new Error('eof'); const r = (v >> (7 - (this.p & 7))) & 1; this.p++; return r; }
  bits(n) { let v = 0; for (let i = 0; i < n; i++) v = v * 2 + this.bit(); return v; }
  ue() { let z = 0; while (this.bit() === 0) { if (++z > 31) throw new Error('ue'); } return 2 ** z - 1 + this.bits(z); }
}

function rbsp(b, max = 64) {
  const out = [];
  for (let i = 0; i < b.length && out.length < max; i++) {
    if (i >= 2 && b[i] === 3 && b[i - 1] === 0 && b[i - 2] === 0) continue;
    out.push(b[i]);
  }
  return Buffer.from(out);
}

/** log2_max_frame_num from an SPS NAL body (after the NAL header byte). */
export function spsLog2MaxFrameNum(body) {
  const r = new Bits(rbsp(body, 128));
  const profile = r.bits(8); r.bits(8); r.bits(8); r.ue();
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
    const cf = r.ue(); if (cf === 3) r.bit(); r.ue(); r.ue(); r.bit();
    if (r.bit()) throw new Error('scaling lists not handled');
  }
  return r.ue() + 4;
}

/** NAL units starting in this RTP payload: [{type, refIdc, body}] (body after the header). */
function nalStarts(p) {
  const t = p[0] & 0x1f;
  if (t >= 1 && t <= 23) return [{ type: t, refIdc: (p[0] >> 5) & 3, body: p.subarray(1) }];
  if (t === 24) {
    const out = [];
    let i = 1;
    while (i + 2 <= p.length) {
      const len = p.readUInt16BE(i); i += 2;
      if (!len || i + len > p.length) break;
      out.push({ type: p[i] & 0x1f, refIdc: (p[i] >> 5) & 3, body: p.subarray(i + 1, i + len) });
      i += len;
    }
    return out;
  }
  if (t === 28 && p.length > 2 && (p[1] & 0x80)) return [{ type: p[1] & 0x1f, refIdc: (p[0] >> 5) & 3, body: p.subarray(2) }];
  return [];
}

const seqDiff = (a, b) => { let d = (b - a) & 0xffff; if (d > 0x8000) d -= 0x10000; return d; };

/**
 * Check one recorded slot. pkts: [{seq, ts, marker, payload, at}] in arrival
 * order; switches: [{at, from, to}] (camera names) in time order.
 * Returns { frames, corrupt, violations: {kind: n}, perSwitch: [...] }.
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
    const ents = idx.byHash.get(hash(p.payload)) || [];
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
    for (const n of nalStarts(p.payload)) {
      try {
        if (n.type === 7) cur.sps = spsLog2MaxFrameNum(n.body);
        if ((n.type === 1 || n.type === 5) && !cur.fnBits) {
          // first slice of the frame: first_mb_in_slice, slice_type, pps_id, then frame_num
          const r = new Bits(rbsp(n.body));
          r.ue(); r.ue(); r.ue();
          cur.fnBits = r;
          cur.refIdc = n.refIdc;
        }
        if (n.type === 5) cur.idr = true;
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
    if (f.fnBits && log2 !== null) { try { f.fn = f.fnBits.bits(log2); } catch { f.parseError = true; } }
    delete f.fnBits;
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
