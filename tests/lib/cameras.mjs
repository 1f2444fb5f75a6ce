// ffmpeg colour cameras pushing H264 (default) or H265 (codec: 'h265') over
// RTP (payload type 96) to 127.0.0.1:PORT. Each camera has a distinct colour
// AND a distinct resolution, so an RTP-level test can tell cameras apart from
// the SPS of a keyframe. On request (audio option) the same ffmpeg also sends
// a sine tone of the camera's own frequency over RTP (Opus, PCMA or PCMU), so
// a test can tell whom it hears (lib/audio.mjs toneOf). Stopped by PID.
import fs from 'node:fs';
import path from 'node:path';
import { spawnTracked, stopTracked } from './procs.mjs';
import { OUTPUT, sleep } from './janus.mjs';

// Distinct resolutions (some not multiples of 16, to exercise SPS cropping).
export const CAMERA_PRESETS = [
  { colour: 'red', width: 320, height: 240 },
  { colour: 'green', width: 352, height: 288 },
  { colour: 'blue', width: 384, height: 216 },
  { colour: 'yellow', width: 416, height: 240 },
  { colour: 'magenta', width: 448, height: 256 },
  { colour: 'cyan', width: 480, height: 272 },
  { colour: 'white', width: 256, height: 192 },
  { colour: 'orange', width: 288, height: 160 },
];

const FONT = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf']
  .find((f) => fs.existsSync(f));

// Audio codecs of the ffmpeg cameras: encoder options, sample rate, RTP
// payload type (static 8/0 for G.711, the usual dynamic 111 for Opus).
export const CAMERA_AUDIO = {
  opus: { rate: 48000, pt: 111, args: ['-c:a', 'libopus', '-b:a', '32k', '-ar', '48000', '-ac', '2', '-frame_duration', '20', '-application', 'audio'] },
  pcma: { rate: 8000, pt: 8, args: ['-c:a', 'pcm_alaw', '-ar', '8000', '-ac', '1'] },
  pcmu: { rate: 8000, pt: 0, args: ['-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1'] },
};

/**
 * Start one camera.
 * opts: { name, port, colour, width, height, fps=15, gop=30, label=true, logDir,
 *         localRtpPort, codec='h264' } (localRtpPort: send from this UDP
 *         source port, ffmpeg's `localrtpport`; default: an ephemeral port;
 *         codec 'h265': libx265, no B-frames, VPS/SPS/PPS before every
 *         keyframe, keyframe every gop frames)
 * opts.audio: { codec: 'opus'|'pcma'|'pcmu', port, freq, ssrc } also sends
 *         a sine of freq Hz (amplitude 1/8) as RTP to 127.0.0.1:port from the
 *         same ffmpeg process, a second output fed by a second -re lavfi input,
 *         so audio and video start together and run on one clock: Opus 48 kHz
 *         stereo 20 ms frames PT 111; PCMA (PT 8) / PCMU (PT 0) 8 kHz mono,
 *         160 samples (20 ms) per packet. ssrc default 0x20000 + port.
 *         Without it (the default) the camera has no audio, as before.
 * Returns { name, port, codec, ..., audio: { codec, port, freq, pt, rate,
 *         ssrc } or null, child, logFile, stop }.
 */
export function startCamera(opts) {
  const { name, port } = opts;
  const fps = opts.fps || 15;
  const gop = opts.gop || 30;
  const { colour, width, height } = opts;
  const codec = opts.codec || 'h264';
  if (codec !== 'h264' && codec !== 'h265') throw new Error(`startCamera: unknown codec ${codec}`);
  let audio = null;
  if (opts.audio) {
    const a = CAMERA_AUDIO[opts.audio.codec];
    if (!a) throw new Error(`startCamera: unknown audio codec ${opts.audio.codec}`);
    if (!opts.audio.port || !opts.audio.freq) throw new Error('startCamera: audio needs a port and a freq');
    audio = { codec: opts.audio.codec, port: opts.audio.port, freq: opts.audio.freq, pt: a.pt, rate: a.rate,
      ssrc: opts.audio.ssrc ?? (0x20000 + opts.audio.port) };
  }
  let vf = [];
  if (opts.label !== false && FONT) {
    vf.push(`drawtext=fontfile=${FONT}:text='${name} %{n}':x=8:y=8:fontsize=20:fontcolor=black:box=1:boxcolor=white@0.7`);
  }
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'warning',
    '-re', '-f', 'lavfi', '-i', `color=c=${colour}:s=${width}x${height}:r=${fps}`,
    // 20 ms frames: G.711 packets of 160 samples, as a real camera sends
    ...(audio ? ['-re', '-f', 'lavfi', '-i', `sine=frequency=${audio.freq}:sample_rate=${audio.rate}:samples_per_frame=${audio.rate / 50}`] : []),
    ...(audio ? ['-map', '0:v'] : []),
    ...(vf.length ? ['-vf', vf.join(',')] : []),
    '-an',
    ...(codec === 'h265' ? [
      '-c:v', 'libx265', '-preset', 'ultrafast', '-tune', 'zerolatency',
      '-pix_fmt', 'yuv420p',
      '-x265-params', `keyint=${gop}:min-keyint=${gop}:bframes=0:repeat-headers=1:scenecut=0:log-level=warning`,
    ] : [
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline',
      '-pix_fmt', 'yuv420p',
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0',
      '-x264-params', 'repeat-headers=1',
    ]),
    '-b:v', opts.bitrate || '300k',
    '-payload_type', '96', '-ssrc', String(opts.ssrc ?? (0x1000 + port)),
    '-f', 'rtp', `rtp://127.0.0.1:${port}?pkt_size=1200${opts.localRtpPort ? `&localrtpport=${opts.localRtpPort}` : ''}`,
    ...(audio ? [
      '-map', '1:a', '-vn', ...CAMERA_AUDIO[audio.codec].args,
      '-payload_type', String(audio.pt), '-ssrc', String(audio.ssrc),
      '-f', 'rtp', `rtp://127.0.0.1:${audio.port}?pkt_size=1200`,
    ] : []),
  ];
  const logDir = opts.logDir || OUTPUT;
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `camera-${name}-${port}.log`);
  const child = spawnTracked(`camera:${name}`, 'ffmpeg', args, { logFile });
  return { name, port, codec, colour, width, height, fps, gop, audio, child, logFile, stop: () => stopTracked(child, 3000) };
}

/**
 * Start several cameras, staggered so their keyframes do not align.
 * specs: [{name, port, ...preset overrides}] ; presets are assigned in order.
 */
export async function startCameras(specs, { staggerMs = 350, logDir } = {}) {
  const cams = [];
  for (let i = 0; i < specs.length; i++) {
    const preset = CAMERA_PRESETS[i % CAMERA_PRESETS.length];
    cams.push(startCamera({ ...preset, ...specs[i], logDir }));
    if (i < specs.length - 1) await sleep(staggerMs);
  }
  return cams;
}

export async function stopCameras(cams) {
  await Promise.all((cams || []).map((c) => c.stop()));
}
