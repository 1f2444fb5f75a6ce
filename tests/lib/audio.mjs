// Audio from RTP, for tests that must tell whom they hear: every test camera
// sends a sine of its own frequency (lib/cameras.mjs audio option,
// lib/rtsp-camera.py NAME:KIND:AUDIO mounts, 300 + 150 * index Hz there).
//
//   decodePcma(buf), decodePcmu(buf)   G.711 bytes -> Int16Array (ITU-T G.711
//                                      / the classic Sun g711.c tables)
//   makeOpusDecoder()                  async; { decode(payload) -> Float32Array
//                                      (channels mixed), free() } at 48 kHz,
//                                      npm opus-decoder (WASM, works offline)
//   dominantFrequency(samples, rate)   Hz of the strongest tone in 50..4000 Hz
//                                      (null for silence)
//   tonePeak(samples, rate)            { freq, snr, rms } of that tone
//   toneOf(packets, codec)             async; Hz of a list of RTP payloads
//                                      (Buffers or { payload }) of one codec:
//                                      'opus' (48 kHz), 'pcma'/'pcmu' (8 kHz)
//   parseRtp(msg)                      an RTP packet's header fields + payload
//
// dominantFrequency averages power spectra of short Hann-windowed segments
// (Welch), so the phase jumps of a few lost packets (payloads simply
// concatenated) only widen the peak a little, and refines the peak bin by
// parabolic interpolation: accurate to about 1 Hz for a clean tone.

/** G.711 A-law byte -> 16-bit linear sample. */
function alaw2linear(a) {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return (a & 0x80) ? t : -t;
}

/** G.711 mu-law byte -> 16-bit linear sample. */
function ulaw2linear(u) {
  u = ~u & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return (u & 0x80) ? 0x84 - t : t - 0x84;
}

export const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => alaw2linear(i));
export const ULAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => ulaw2linear(i));

/** PCMA (G.711 A-law) payload -> Int16Array, one sample per byte. */
export function decodePcma(buf) {
  const out = new Int16Array(buf.length);
  for (let i = 0; i < buf.length; i++) out[i] = ALAW_TABLE[buf[i]];
  return out;
}

/** PCMU (G.711 mu-law) payload -> Int16Array, one sample per byte. */
export function decodePcmu(buf) {
  const out = new Int16Array(buf.length);
  for (let i = 0; i < buf.length; i++) out[i] = ULAW_TABLE[buf[i]];
  return out;
}

/** Int16 samples -> Float32 in [-1, 1). */
export function toFloat(int16) {
  const out = new Float32Array(int16.length);
  for (let i = 0; i < int16.length; i++) out[i] = int16[i] / 32768;
  return out;
}

/**
 * An Opus decoder (npm opus-decoder, WASM inside the package: no network).
 * Resolves { sampleRate, channels, decode(payload) -> Float32Array (all
 * channels averaged; empty on a decode error), errors, free() }.
 */
export async function makeOpusDecoder({ channels = 2, sampleRate = 48000 } = {}) {
  let OpusDecoder;
  try {
    ({ OpusDecoder } = await import('opus-decoder'));
  } catch (e) {
    throw new Error(`makeOpusDecoder: npm package opus-decoder missing (cd tests && npm ci): ${e.message}`);
  }
  const dec = new OpusDecoder({ channels, sampleRate });
  await dec.ready;
  const handle = {
    sampleRate,
    channels,
    errors: 0,
    decoder: dec,
    decode(payload) {
      const r = dec.decodeFrame(payload instanceof Uint8Array ? payload : new Uint8Array(payload));
      if (r.errors?.length) handle.errors += r.errors.length;
      const n = r.samplesDecoded;
      const ch = r.channelData;
      if (!n || !ch.length) return new Float32Array(0);
      if (ch.length === 1) return Float32Array.from(ch[0].subarray(0, n));
      const out = new Float32Array(n);
      for (const c of ch) for (let i = 0; i < n; i++) out[i] += c[i] / ch.length;
      return out;
    },
    free() { dec.free(); },
  };
  return handle;
}

/** In-place iterative radix-2 FFT of re/im (length a power of 2). */
function fft(re, im) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/**
 * The strongest tone of samples (any numeric array) in [minHz, maxHz]:
 * { freq (Hz, null when silent or too short), snr (peak power over the mean
 * power of the band, dB), rms (of the samples, in their own unit) }.
 * Welch: Hann segments of ~170 ms (a power of 2 samples), 50% overlap, at
 * most maxSeconds of audio from the middle of the samples.
 */
export function tonePeak(samples, sampleRate, { minHz = 50, maxHz = 4000, maxSeconds = 2 } = {}) {
  let n = 1;
  while (n < sampleRate * 0.17) n <<= 1;
  let x = samples;
  const maxN = Math.floor(maxSeconds * sampleRate);
  if (x.length > maxN) {
    const from = Math.floor((x.length - maxN) / 2);
    x = x.slice(from, from + maxN);
  }
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += x[i] * x[i];
  const rms = x.length ? Math.sqrt(sq / x.length) : 0;
  if (x.length < n) return { freq: null, snr: 0, rms };
  const hann = new Float64Array(n);
  for (let i = 0; i < n; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
  const psd = new Float64Array(n / 2);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let segs = 0;
  for (let start = 0; start + n <= x.length; start += n / 2) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[start + i];
    mean /= n;
    for (let i = 0; i < n; i++) { re[i] = (x[start + i] - mean) * hann[i]; im[i] = 0; }
    fft(re, im);
    for (let k = 0; k < n / 2; k++) psd[k] += re[k] * re[k] + im[k] * im[k];
    segs++;
  }
  const binHz = sampleRate / n;
  const lo = Math.max(1, Math.ceil(minHz / binHz));
  const hi = Math.min(n / 2 - 2, Math.floor(maxHz / binHz));
  let best = lo;
  let total = 0;
  for (let k = lo; k <= hi; k++) {
    total += psd[k];
    if (psd[k] > psd[best]) best = k;
  }
  const meanPow = total / (hi - lo + 1);
  if (!(psd[best] > 0) || rms === 0) return { freq: null, snr: 0, rms };
  // parabolic interpolation on log power around the peak bin
  const [a, b, c] = [psd[best - 1], psd[best], psd[best + 1]].map((v) => Math.log(v + 1e-30));
  const den = a - 2 * b + c;
  const delta = den !== 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
  return { freq: (best + delta) * binHz, snr: 10 * Math.log10(psd[best] / (meanPow || 1e-30)), rms, segments: segs };
}

/** Hz of the strongest tone in 50..4000 Hz, or null (silence / too short). */
export function dominantFrequency(samples, sampleRate, opts) {
  return tonePeak(samples, sampleRate, opts).freq;
}

/** Header fields and payload of one RTP packet (null if it is not RTP v2). */
export function parseRtp(m) {
  if (m.length < 12 || (m[0] >> 6) !== 2) return null;
  const cc = m[0] & 0x0f;
  let off = 12 + cc * 4;
  if (m[0] & 0x10) {
    if (m.length < off + 4) return null;
    off += 4 + m.readUInt16BE(off + 2) * 4;
  }
  let end = m.length;
  if (m[0] & 0x20) end -= m[m.length - 1];
  if (end < off) return null;
  return {
    pt: m[1] & 0x7f, marker: !!(m[1] & 0x80), seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), ssrc: m.readUInt32BE(8),
    payload: Buffer.from(m.subarray(off, end)),
  };
}

export const AUDIO_RATES = { opus: 48000, pcma: 8000, pcmu: 8000 };

/**
 * Decode RTP payloads of one codec to mono samples:
 * { samples: Float32Array, sampleRate, errors }.
 */
export async function decodePackets(packets, codec) {
  const payloads = packets.map((p) => (p && p.payload ? p.payload : p)).filter((p) => p && p.length);
  const parts = [];
  let errors = 0;
  if (codec === 'pcma' || codec === 'pcmu') {
    const dec = codec === 'pcma' ? decodePcma : decodePcmu;
    for (const p of payloads) parts.push(toFloat(dec(p)));
  } else if (codec === 'opus') {
    const dec = await makeOpusDecoder();
    try {
      for (const p of payloads) parts.push(dec.decode(p));
      errors = dec.errors;
    } finally {
      dec.free();
    }
  } else {
    throw new Error(`decodePackets: unknown codec ${codec}`);
  }
  const samples = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) { samples.set(p, off); off += p.length; }
  return { samples, sampleRate: AUDIO_RATES[codec], errors };
}

/** Hz of the tone carried by these RTP payloads (null: silence / too few). */
export async function toneOf(packets, codec) {
  const { samples, sampleRate } = await decodePackets(packets, codec);
  return dominantFrequency(samples, sampleRate);
}
