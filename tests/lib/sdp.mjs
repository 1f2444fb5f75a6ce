// Tiny SDP reader for assertions.
export function mediaSections(sdp) {
  const lines = sdp.split(/\r?\n/);
  const out = [];
  let cur = null;
  for (const l of lines) {
    if (l.startsWith('m=')) {
      cur = { mline: l, kind: l.slice(2).split(' ')[0], port: Number(l.split(' ')[1]), lines: [] };
      out.push(cur);
    } else if (cur) cur.lines.push(l);
  }
  for (const m of out) {
    const get = (re) => m.lines.map((l) => l.match(re)).filter(Boolean);
    m.mid = get(/^a=mid:(.+)$/)[0]?.[1] ?? null;
    m.direction = get(/^a=(sendonly|recvonly|sendrecv|inactive)$/)[0]?.[1] ?? null;
    m.ssrcs = [...new Set(get(/^a=ssrc:(\d+)/).map((x) => Number(x[1])))];
    m.rtpmaps = get(/^a=rtpmap:(\d+) ([^/]+)\/(\d+)/).map((x) => ({ pt: Number(x[1]), codec: x[2], clock: Number(x[3]) }));
    m.fmtps = Object.fromEntries(get(/^a=fmtp:(\d+) (.+)$/).map((x) => [Number(x[1]), x[2]]));
    m.payloads = m.mline.split(' ').slice(3).map(Number);
  }
  return out;
}

/** The H264 and H265 payload types of each slot (video m-line with a port)
 * of an answer: [{ h264, h265, mline }] (-1 where a codec is absent). */
export function slotPayloadTypes(sdp) {
  return mediaSections(sdp).filter((m) => m.kind === 'video' && m.port !== 0).map((m) => {
    const pt = (name) => m.rtpmaps.find((r) => r.codec.toUpperCase() === name)?.pt ?? -1;
    return { h264: pt('H264'), h265: pt('H265'), mline: m.mline };
  });
}
