// RTP-level assertions shared by the integration tests.
import assert from 'node:assert/strict';
import { nalTypes, isKeyframeMaterial, packetResolution, seqDiff, tsDiff } from './h264.mjs';
import { resolutionsIn } from './fixture.mjs';

/** Assert RTP continuity on a capture; returns a short report. */
export function assertContinuous(pk, label) {
  assert.ok(pk.length > 1, `${label}: packets captured`);
  const ssrcs = [...new Set(pk.map((p) => p.ssrc))];
  assert.equal(ssrcs.length, 1, `${label}: one SSRC for the life of the track (got ${ssrcs})`);
  for (let i = 1; i < pk.length; i++) {
    const d = seqDiff(pk[i - 1].seq, pk[i].seq);
    assert.equal(d, 1, `${label}: seq ${pk[i - 1].seq} -> ${pk[i].seq} at packet ${i} (gap or repeat)`);
    const td = tsDiff(pk[i - 1].ts, pk[i].ts);
    assert.ok(td >= 0, `${label}: timestamp went backwards ${pk[i - 1].ts} -> ${pk[i].ts} at packet ${i}`);
  }
}

/**
 * Find where a slot flipped to the camera with resolution `to` after time
 * `after`: the first packet carrying an SPS of that resolution.
 */
export function findFlip(pk, to, after) {
  for (let i = 0; i < pk.length; i++) {
    if (pk[i].at < after) continue;
    if (packetResolution(pk[i].payload) === to) return i;
  }
  return -1;
}

/** NAL types of the frame (access unit) starting at index i (up to the marker). */
export function frameNals(pk, i) {
  const types = [];
  for (let j = i; j < pk.length; j++) {
    types.push(...nalTypes(pk[j].payload));
    if (pk[j].marker) break;
  }
  return types;
}

export function checkSwitch(pk, { from, to, sentAt, label }) {
  const flip = findFlip(pk, to, sentAt);
  assert.ok(flip > 0, `${label}: an SPS of the new camera (${to}) arrived after the switch`);
  const prev = pk[flip - 1];
  assert.equal(prev.marker, true, `${label}: the old camera's last packet before the flip has the marker bit`);
  assert.ok(isKeyframeMaterial(pk[flip].payload), `${label}: first packet of the new camera is keyframe material`);
  const nals = frameNals(pk, flip);
  assert.ok(nals.includes(5), `${label}: the new camera's first frame contains an IDR slice (NALs ${nals})`);
  // Between the switch request and the flip only the old camera may appear;
  // after it only the new one.
  const before = resolutionsIn(pk.slice(0, flip).filter((p) => p.at >= sentAt));
  for (const r of before) assert.equal(r, from, `${label}: before the flip only ${from} (saw ${r})`);
  const afterFlip = resolutionsIn(pk.slice(flip));
  for (const r of afterFlip) assert.equal(r, to, `${label}: after the flip only ${to} (saw ${r})`);
  return { flip, latencyMs: pk[flip].at - sentAt };
}

