// demo-env.mjs: the camera-wall demo's back end: Janus with our plugin plus
// nine synthetic colour cameras, each in a grid quality and a high quality.
// Used three ways:
//   - by tests/e2e/*.test.mjs:   startDemoEnv({...}) -> {janus, manifest, stop()}
//   - by html/demo.sh (through tests/lib/demo-up.sh):
//       node tests/lib/demo-env.mjs up --state DIR [--ws-port 8188] [--host-network] [--linger 5]
//     stays in the foreground, writes DIR/demo.json (the manifest) and
//     DIR/children.pids, prints "READY <ws url>", and stops everything it
//     started (by PID) on SIGTERM/SIGINT/SIGHUP.
//
// Sources. Today (MS_DEMO_SOURCES=rtp, the default) every camera is ffmpeg
// pushing H264 RTP to the plugin's rtp:// sources:
//   cameraN        rtp, 320x240, colour N, label "cameraN"       (the native stream)
//   cameraN-240p   rtp, the same encoder as cameraN (ffmpeg tee), so the wall
//                  has a grid-quality variant to start tiles on
//   cameraN-720p   rtp, a second ffmpeg: same colour, 1280x720, label
//                  "cameraN 720p", and a black box in its bottom-right quarter
//                  (the "HD marker") so pixels can tell the two qualities apart.
//                  Encoded once (one GOP, cached in tests/output/clips/) and
//                  looped as it is: nine live 720p encoders took most of a
//                  2-core machine, starving the browser under test. A
//                  looped still picture costs the network little, though:
//                  fullRateHd: true (the benches) puts moving noise in the
//                  clip, so it streams at a real camera's 1.5 Mbit/s
// The wall (html/js/wall.js) starts each tile on the lowest variant (240p) and
// a click switches it to the highest (720p).
// Cameras 3, 6 and 9 (the right column) encode their native and grid
// streams in H265 (libx265), as many real cameras do: a browser that
// cannot decode H265 (Debian's Chromium) is served their H264 transcode by
// the plugin. Their 720p stays H264 (H265 main + H264 sub is the common
// real setup the other way round; both mixes are covered by the tests).
// Once the RTSP test server and ffmpeg: variants exist, the plan becomes
//   cameraN = rtsp://127.0.0.1:PORT/cameraN, cameraN-360p / cameraN-720p =
//   "ffmpeg:cameraN#video=h264#height=360|720"
// That is MS_DEMO_SOURCES=rtsp (rtspPlan below; needs the plugin's rtsp and
// ffmpeg drivers and tests/lib/rtsp.mjs). The manifest format, the tests and
// the check are the same for both.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startJanus, OUTPUT, sleep } from './janus.mjs';
import { spawnTracked, stopTracked } from './procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Nine well-separated colours (ffmpeg colour names) and their RGB. */
export const DEMO_COLOURS = [
	{ colour: 'red', rgb: [255, 0, 0] },
	{ colour: 'green', rgb: [0, 128, 0] },
	{ colour: 'blue', rgb: [0, 0, 255] },
	{ colour: 'yellow', rgb: [255, 255, 0] },
	{ colour: 'magenta', rgb: [255, 0, 255] },
	{ colour: 'cyan', rgb: [0, 255, 255] },
	{ colour: 'white', rgb: [255, 255, 255] },
	{ colour: 'orange', rgb: [255, 165, 0] },
	{ colour: 'gray', rgb: [128, 128, 128] },
];
/** The HD marker's colour (and the colour of a black/empty video). */
export const MARKER = { colour: 'black', rgb: [0, 0, 0] };

/** The colours a manifest's cameras show, plus the marker's black. */
export function paletteOf(manifest) {
	const seen = new Map();
	for (const c of manifest.cameras) if (!seen.has(c.colour)) seen.set(c.colour, { colour: c.colour, rgb: c.rgb });
	return [...seen.values(), MARKER];
}

/** Nearest named colour to an [r,g,b] sample: {colour, dist}. */
export function classify(rgb, palette = [...DEMO_COLOURS, MARKER]) {
	if (!rgb) return { colour: 'none', dist: Infinity };
	let best = { colour: 'none', dist: Infinity };
	for (const p of palette) {
		const d = Math.hypot(rgb[0] - p.rgb[0], rgb[1] - p.rgb[1], rgb[2] - p.rgb[2]);
		if (d < best.dist) best = { colour: p.colour, dist: Math.round(d) };
	}
	return best;
}

const FONT = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf']
	.find((f) => fs.existsSync(f));

/**
 * The rtp:// plan: one entry per camera with its streams.
 * Ports: camera k (1-based) uses basePort + 10*k (+0 native, +2 grid, +4 hd).
 */
export const DEMO_H265_CAMERAS = [3, 6, 9];
/* Audio: camera k sends a sine of demoTone(k) Hz with its native stream
 * (Opus; PCMA for cameras 2 and 5, heard as it is), camera 9 none, so the
 * wall shows every case; a test tells whom it hears by the frequency. */
export const DEMO_PCMA_CAMERAS = [2, 5];
export const DEMO_SILENT_CAMERAS = [9];
export const demoTone = (k) => 200 + 100 * k;

export function camerasPlan({ count = 9, basePort = 5000, grid = { width: 320, height: 240, quality: '240p' },
	hd = { width: 1280, height: 720, quality: '720p' }, h265 = DEMO_H265_CAMERAS, host = '127.0.0.1', extra = [] } = {}) {
	const plan = [];
	for (let k = 1; k <= count; k++) {
		const { colour, rgb } = DEMO_COLOURS[(k - 1) % DEMO_COLOURS.length];
		const name = `camera${k}`;
		const p = basePort + 10 * k;
		const codec = h265.includes(k) ? 'h265' : 'h264';
		const tag = codec === 'h265' ? '#video=h265' : '';
		const audio = DEMO_SILENT_CAMERAS.includes(k) ? null
			: { codec: DEMO_PCMA_CAMERAS.includes(k) ? 'pcma' : 'opus', port: p + 6, freq: demoTone(k) };
		const atag = audio ? `#audio=${audio.codec}:${audio.port}` : '';
		plan.push({
			name, colour, rgb, codec, audio,
			streams: [
				{ stream: name, source: `rtp://${host}:${p}${tag}${atag}`, port: p, width: grid.width, height: grid.height, role: 'native', hdMarker: false, codec },
				{ stream: `${name}-${grid.quality}`, source: `rtp://${host}:${p + 2}${tag}`, port: p + 2, width: grid.width, height: grid.height, role: 'grid', quality: grid.quality, hdMarker: false, codec },
				{ stream: `${name}-${hd.quality}`, source: `rtp://${host}:${p + 4}`, port: p + 4, width: hd.width, height: hd.height, role: 'hd', quality: hd.quality, hdMarker: true, codec: 'h264' },
				// More qualities, each its own camera-side encoder (e.g. 120p for a
				// bandwidth bench: nothing of it crosses Janus's loopback)
				...extra.map((q, j) => ({ stream: `${name}-${q.quality}`, source: `rtp://${host}:${p + 8 + 2 * j}`, port: p + 8 + 2 * j,
					width: Math.round((grid.width * q.height) / grid.height / 2) * 2, height: q.height, role: 'extra', quality: q.quality,
					hdMarker: false, codec: 'h264', bitrate: q.bitrate })),
			],
		});
	}
	return plan;
}

/** Plugin `streams:` block from a plan. */
export function streamsConfig(plan) {
	const streams = {};
	for (const cam of plan)
		for (const s of cam.streams) streams[s.stream] = s.source;
	return streams;
}

/** Manifest: what each stream must look like (used by the tests and the check). */
export function manifestOf(plan, extra = {}) {
	const streams = {};
	for (const cam of plan)
		for (const s of cam.streams)
			streams[s.stream] = { camera: cam.name, colour: cam.colour, rgb: cam.rgb, width: s.width, height: s.height, role: s.role, quality: s.quality || null, hdMarker: s.hdMarker, kind: s.source.split(':')[0], codec: s.codec || 'h264' };
	return { cameras: plan.map((c) => ({ name: c.name, colour: c.colour, rgb: c.rgb, audio: c.audio || null, streams: c.streams.map((s) => s.stream) })), streams, ...extra };
}

function x264Args(bitrate, gop) {
	return ['-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline',
		'-pix_fmt', 'yuv420p', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0',
		'-x264-params', 'repeat-headers=1', '-b:v', bitrate];
}

/* libx265: no B-frames, VPS/SPS/PPS before every keyframe. */
function x265Args(bitrate, gop) {
	return ['-an', '-c:v', 'libx265', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
		'-x265-params', `keyint=${gop}:min-keyint=${gop}:bframes=0:scenecut=0:repeat-headers=1:log-level=warning`, '-b:v', bitrate];
}

/* The camera's label and frame number, centred in the upper third (the page
 * puts its own label top-left; the pixel sampler reads the lower middle). */
function drawText(text, size, { frameNumber = true } = {}) {
	return FONT ? [`drawtext=fontfile=${FONT}:text='${text}${frameNumber ? ' %{n}' : ''}':x=(w-text_w)/2:y=h*0.22:fontsize=${size}:fontcolor=black:box=1:boxcolor=white@0.7:boxborderw=4`] : [];
}

/* One GOP of a camera's high quality, encoded once and cached (MPEG-TS keeps
 * the in-band SPS/PPS of every keyframe): looped with -c copy it costs no
 * encoder. Returns the file. */
function hdClip(cam, hd, { fps, gop, noise = false }) {
	const vf = [...(noise ? ['noise=alls=12:allf=t'] : []), 'drawbox=x=iw*3/4:y=ih*3/4:w=iw/4:h=ih/4:color=black:t=fill',
		...drawText(`${cam.name} ${hd.quality}`, Math.round(hd.height / 10), { frameNumber: false })].join(',');
	const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
		'-f', 'lavfi', '-i', `color=c=${cam.colour}:s=${hd.width}x${hd.height}:r=${fps}`, '-frames:v', String(gop),
		'-vf', vf, '-map', '0:v', ...x264Args('1500k', gop)];
	const key = createHash('sha1').update(args.join('\n')).digest('hex').slice(0, 12);
	const dir = path.join(OUTPUT, 'clips');
	const file = path.join(dir, `${cam.name}-${hd.quality}-${key}.ts`);
	if (!fs.existsSync(file)) {
		fs.mkdirSync(dir, { recursive: true });
		const tmp = `${file}.${process.pid}.tmp`;
		const r = spawnSync('ffmpeg', [...args, '-f', 'mpegts', tmp], { encoding: 'utf8', timeout: 60000 });
		if (r.status !== 0) throw new Error(`encoding ${file} failed: ${r.stderr}`);
		fs.renameSync(tmp, file);
	}
	return file;
}

/** One colour's ffmpeg processes for the rtp plan: native+grid via tee, hd apart. */
function startRtpCamera(cam, { fps = 15, gop = 30, logDir, host = '127.0.0.1', wrap = (c, a) => [c, a], fullRateHd = false }) {
	const [nat, grid, hd] = cam.streams;
	const rtp = (s) => `[f=rtp:payload_type=96:ssrc=${0x2000 + s.port}]rtp://${host}:${s.port}?pkt_size=1200`;
	const a = cam.audio;
	/* With sound, only the audio input is read at its rate (-re) and the
	 * video follows it: -re on both makes ffmpeg hand out the audio in
	 * bunches a video frame apart (packets up to ~50 ms late on loopback,
	 * which the browser's jitter buffer then holds back), -re on the audio
	 * alone keeps its packets within ~10 ms and the video within ~25 ms. */
	const small = [
		'-hide_banner', '-nostdin', '-loglevel', 'warning', ...(a ? [] : ['-re']),
		'-f', 'lavfi', '-i', `color=c=${cam.colour}:s=${nat.width}x${nat.height}:r=${fps}`,
		...(a ? ['-re', '-f', 'lavfi', '-i', `sine=frequency=${a.freq}:sample_rate=${a.codec === 'pcma' ? 8000 : 48000}:samples_per_frame=${a.codec === 'pcma' ? 160 : 960}`] : []),
		'-vf', drawText(cam.name, 24).join(',') || 'null', '-map', '0:v',
		...(cam.codec === 'h265' ? x265Args('300k', gop) : x264Args('300k', gop)), '-f', 'tee', `${rtp(nat)}|${rtp(grid)}`,
		// The camera's sound: a second output of the same process (one clock)
		...(a ? ['-map', '1:a', '-vn', ...(a.codec === 'pcma' ? ['-c:a', 'pcm_alaw', '-ar', '8000', '-ac', '1']
			: ['-c:a', 'libopus', '-b:a', '32k', '-ar', '48000', '-ac', '2', '-frame_duration', '20']),
			'-payload_type', a.codec === 'pcma' ? '8' : '111', '-ssrc', String(0x3000 + a.port), '-f', 'rtp', `rtp://${host}:${a.port}?pkt_size=1200`] : []),
	];
	const big = [
		'-hide_banner', '-nostdin', '-loglevel', 'warning', '-re', '-stream_loop', '-1',
		'-i', hdClip(cam, hd, { fps, gop, noise: fullRateHd }), '-map', '0:v', '-c:v', 'copy', '-f', 'tee', rtp(hd),
	];
	const extras = cam.streams.filter((s) => s.role === 'extra').map((s) => spawnTracked(`camera:${s.stream}`, ...wrap('ffmpeg', [
		'-hide_banner', '-nostdin', '-loglevel', 'warning', '-re',
		'-f', 'lavfi', '-i', `color=c=${cam.colour}:s=${s.width}x${s.height}:r=${fps}`,
		'-map', '0:v', ...x264Args(`${s.bitrate || 100}k`, gop), '-f', 'tee', rtp(s),
	]), { logFile: path.join(logDir, `camera-${s.stream}.log`) }));
	return [
		...extras,
		spawnTracked(`camera:${nat.stream}`, ...wrap('ffmpeg', small), { logFile: path.join(logDir, `camera-${nat.stream}.log`) }),
		spawnTracked(`camera:${hd.stream}`, ...wrap('ffmpeg', big), { logFile: path.join(logDir, `camera-${hd.stream}.log`) }),
	];
}

/* Colours of tests/lib/rtsp-camera.py's mounts, in mount order (ARGB there). */
const RTSP_COLOURS = [
	{ colour: 'red', rgb: [255, 0, 0] }, { colour: 'green', rgb: [0, 192, 0] }, { colour: 'blue', rgb: [0, 0, 255] },
	{ colour: 'yellow', rgb: [255, 255, 0] }, { colour: 'magenta', rgb: [255, 0, 255] }, { colour: 'cyan', rgb: [0, 255, 255] },
];

/**
 * The RTSP plan (MS_DEMO_SOURCES=rtsp): cameraN = rtsp://.../cameraN (the
 * GStreamer test server, on demand), cameraN-360p and cameraN-720p = ffmpeg:
 * variants of it (on demand too). The test server has six colours (they repeat
 * from camera7) and no HD marker.
 */
export function rtspPlan({ count = 9, url, width = 640, height = 480 }) {
	const plan = [];
	const scaled = (h) => ({ width: Math.round((width * h) / height / 2) * 2, height: h });
	for (let k = 1; k <= count; k++) {
		const { colour, rgb } = RTSP_COLOURS[(k - 1) % RTSP_COLOURS.length];
		const name = `camera${k}`;
		plan.push({
			name, colour, rgb,
			streams: [
				{ stream: name, source: url(name), width, height, role: 'native', hdMarker: false },
				{ stream: `${name}-360p`, source: `ffmpeg:${name}#video=h264#height=360`, ...scaled(360), role: 'grid', quality: '360p', hdMarker: false },
				{ stream: `${name}-720p`, source: `ffmpeg:${name}#video=h264#height=720`, ...scaled(720), role: 'hd', quality: '720p', hdMarker: false },
			],
		});
	}
	return plan;
}

/** Start the plan's sources; returns the child processes. Staggered so GOPs do not align. */
async function startSources(plan, kind, { logDir, staggerMs, camNetns, fullRateHd }) {
	if (kind !== 'rtp') return []; // rtsp: started before the plan (it needs the server's port)
	const children = [];
	for (let i = 0; i < plan.length; i++) {
		children.push(...startRtpCamera(plan[i], { logDir, fullRateHd, ...(camNetns ? { host: camNetns.hostIp, wrap: camNetns.wrap } : {}) }));
		if (i < plan.length - 1) await sleep(staggerMs);
	}
	return children;
}

/**
 * Start Janus + cameras.
 * opts: name, hostNetwork (see startJanus), wsPort, sourceLinger (s),
 *       count (cameras, 9), sources ('rtp'; env MS_DEMO_SOURCES), staggerMs,
 *       h265 (rtp: the camera numbers that send H265; DEMO_H265_CAMERAS),
 *       camNetns (tests/lib/camns.mjs: the cameras in a namespace of their
 *       own, sending over a veth), extraQualities ([{quality, height,
 *       bitrate}]: more variants of each camera, as ffmpeg: transcodes),
 *       fullRateHd (rtp: each 720p's looped GOP carries moving noise, so it
 *       streams at a real camera's bitrate; else a still picture, light),
 *       sessionTimeout, onChild(child) called for every process started.
 * Returns { janus, plan, manifest, children, stop() }.
 */
export async function startDemoEnv(opts = {}) {
	const kind = opts.sources || process.env.MS_DEMO_SOURCES || 'rtp';
	let rtsp = null;
	let plan;
	if (kind === 'rtsp') {
		const { startRtspServer } = await import('./rtsp.mjs');
		const count = opts.count || 9;
		fs.mkdirSync(OUTPUT, { recursive: true });
		rtsp = await startRtspServer({ mounts: Array.from({ length: count }, (_, i) => `camera${i + 1}`), width: 640, height: 480,
			logFile: path.join(OUTPUT, `rtsp-camera-${process.pid}.log`) });
		plan = rtspPlan({ count, url: (m) => rtsp.url(m) });
	} else if (kind === 'rtp') {
		plan = camerasPlan({ count: opts.count || 9, ...(opts.h265 ? { h265: opts.h265 } : {}),
			...(opts.camNetns ? { host: opts.camNetns.hostIp } : {}), extra: opts.extraQualities || [] });
	} else {
		throw new Error(`MS_DEMO_SOURCES=${kind}: rtp or rtsp`);
	}
	if (rtsp) opts.onChild?.(rtsp.child);
	const janus = await startJanus({
		name: opts.name || 'demo',
		hostNetwork: !!opts.hostNetwork,
		wsPort: opts.wsPort,
		sessionTimeout: opts.sessionTimeout ?? 30,
		debugLevel: opts.debugLevel ?? 4,
		pluginConfig: {
			general: { max_slots: 9, source_linger: opts.sourceLinger ?? 5, disconnect_grace: 10, events: false },
			streams: streamsConfig(plan),
		},
	}).catch(async (e) => { await rtsp?.stop(); throw e; });
	opts.onChild?.(janus.child);
	let children = [];
	try {
		children = await startSources(plan, kind, { logDir: janus.outDir, staggerMs: opts.staggerMs ?? 220, camNetns: opts.camNetns, fullRateHd: !!opts.fullRateHd });
	} catch (e) {
		await janus.stop();
		await rtsp?.stop();
		throw e;
	}
	for (const c of children) opts.onChild?.(c);
	const manifest = manifestOf(plan, { wsUrl: janus.wsUrl, sources: kind, logDir: janus.outDir });
	return {
		janus, plan, manifest, children,
		async stop() {
			await Promise.all(children.map((c) => stopTracked(c, 3000)));
			const res = await janus.stop();
			await rtsp?.stop();
			return res;
		},
	};
}

// ---------------------------------------------------------------------------
// CLI: `node demo-env.mjs up --state DIR ...` (the supervisor demo-up.sh starts)

function argOf(args, name, def) {
	const i = args.indexOf(name);
	return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
}

async function cliUp(args) {
	const state = path.resolve(argOf(args, '--state', '/tmp/janus-multistream-demo'));
	fs.mkdirSync(state, { recursive: true });
	const pidsFile = path.join(state, 'children.pids');
	fs.writeFileSync(path.join(state, 'supervisor.pid'), `${process.pid}\n`);
	fs.writeFileSync(pidsFile, '');
	const pids = new Set();
	const writePids = () => fs.writeFileSync(pidsFile, [...pids].map((p) => `${p}\n`).join(''));
	let env = null;
	let stopping = false;
	const stop = async (code) => {
		if (stopping) return;
		stopping = true;
		console.log(`demo-env: stopping (${code ? `exit ${code}` : 'signal'})`);
		if (env) await env.stop().catch((e) => console.log(`demo-env: stop: ${e.message}`));
		fs.rmSync(pidsFile, { force: true });
		fs.rmSync(path.join(state, 'supervisor.pid'), { force: true });
		process.exit(code);
	};
	for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => { void stop(0); });
	const t0 = Date.now();
	env = await startDemoEnv({
		name: 'demo',
		hostNetwork: args.includes('--host-network'),
		wsPort: Number(argOf(args, '--ws-port', '8188')),
		sourceLinger: Number(argOf(args, '--linger', '5')),
		onChild: (c) => { pids.add(c.pid); writePids(); c.once('exit', () => { pids.delete(c.pid); if (!stopping) writePids(); }); },
	});
	const manifest = { ...env.manifest, adminUrl: env.janus.adminUrl, adminSecret: env.janus.adminSecret, supervisor: process.pid };
	fs.writeFileSync(path.join(state, 'demo.json'), JSON.stringify(manifest, null, 2), { mode: 0o600 });
	const cams = manifest.sources === 'rtsp' ? 'an RTSP server' : `${env.children.length} camera processes`;
	console.log(`demo-env: Janus ${env.janus.info?.version_string || ''} up in ${env.janus.startMs} ms, ${cams} ` +
		`(${Object.keys(manifest.streams).length} streams, sources ${manifest.sources}), logs in ${env.janus.outDir}, ready after ${Date.now() - t0} ms`);
	console.log(`READY ${env.janus.wsUrl}`);
	// If Janus dies, there is no demo: stop the cameras and say so.
	env.janus.child.exited.then((info) => {
		if (stopping) return;
		console.log(`demo-env: Janus exited unexpectedly (${JSON.stringify(info)}); last log lines:\n${env.janus.logTail(30)}`);
		void stop(1);
	});
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const [cmd, ...args] = process.argv.slice(2);
	if (cmd === 'up') {
		cliUp(args).catch((e) => { console.error(`demo-env: ${e.stack || e.message}`); process.exit(1); });
	} else if (cmd === 'plan') {
		console.log(JSON.stringify(manifestOf(camerasPlan()), null, 2));
	} else {
		console.error('usage: node tests/lib/demo-env.mjs up --state DIR [--ws-port 8188] [--host-network] [--linger 5] | plan');
		process.exit(2);
	}
}

export { OUTPUT, here as LIB_DIR };
