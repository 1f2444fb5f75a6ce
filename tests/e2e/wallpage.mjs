// wallpage.mjs: drive the demo wall (html/) in headless Debian Chromium and
// read what each tile shows. Shared by wall.test.mjs and demo-check.mjs.
//
// Pixels: every <video> in #grid gets a requestVideoFrameCallback loop that
// draws two small regions of each decoded frame into a 2x1 canvas: the
// centre (the camera's colour) and the bottom-right quarter (black on the
// high-quality rtp cameras: the "HD marker"). Frame counts and sizes come
// from the same callback.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { classify, paletteOf, startDemoEnv } from '../lib/demo-env.mjs';
import { REPO, freeTcpPort } from '../lib/janus.mjs';
import { spawnTracked, stopTracked } from '../lib/procs.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
	'--autoplay-policy=no-user-gesture-required',
];

export function launchChromium() {
	return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30000 });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn() until it returns a truthy value; throw with describe() after timeoutMs. */
export async function waitFor(fn, { timeoutMs = 10000, intervalMs = 50, what = 'condition', describe = null } = {}) {
	const t0 = Date.now();
	let last;
	while (Date.now() - t0 < timeoutMs) {
		last = await fn();
		if (last) return last;
		await sleep(intervalMs);
	}
	const extra = describe ? `\n${await describe()}` : '';
	throw new Error(`timeout after ${timeoutMs} ms waiting for ${what}${extra}`);
}

/* Runs in the page. */
function installSampler() {
	if (window.__msSampler) return;
	const states = new WeakMap();
	const attach = (video) => {
		const st = { frames: 0, rgb: null, marker: null, w: 0, h: 0, at: 0, changedAt: 0, freezes: 0, frozenMs: 0 };
		states.set(video, st);
		const canvas = document.createElement('canvas');
		canvas.width = 2;
		canvas.height = 1;
		const ctx = canvas.getContext('2d', { willReadFrequently: true });
		const onFrame = (now, meta) => {
			st.frames++;
			const t = performance.now();
			// A freeze: more than a second without a new frame
			if (st.at && t - st.at > 1000) {
				st.freezes++;
				st.frozenMs += t - st.at;
			}
			st.at = t;
			const w = meta.width || video.videoWidth;
			const h = meta.height || video.videoHeight;
			st.w = w;
			st.h = h;
			if (w && h) {
				ctx.drawImage(video, w * 0.45, h * 0.55, w * 0.1, h * 0.1, 0, 0, 1, 1);
				ctx.drawImage(video, w * 0.85, h * 0.85, w * 0.06, h * 0.06, 1, 0, 1, 1);
				const d = ctx.getImageData(0, 0, 2, 1).data;
				const prev = st.rgb;
				st.rgb = [d[0], d[1], d[2]];
				// When the centre colour last changed (another camera), on the
				// page's clock: the frame's presentation time
				if (prev && Math.hypot(prev[0] - d[0], prev[1] - d[1], prev[2] - d[2]) > 60)
					st.changedAt = meta.presentationTime || now;
				st.marker = [d[4], d[5], d[6]];
			}
			video.requestVideoFrameCallback(onFrame);
		};
		video.requestVideoFrameCallback(onFrame);
	};
	const scan = () => document.querySelectorAll('#grid video').forEach((v) => { if (!states.has(v)) attach(v); });
	scan();
	setInterval(scan, 100);
	window.__msSampler = {
		tiles() {
			return [...document.querySelectorAll('#grid .tile')].map((tile) => {
				const v = tile.querySelector('video');
				const st = (v && states.get(v)) || { frames: 0 };
				const badge = tile.querySelector('.badge');
				const stats = tile.querySelector('.stats');
				return {
					slot: Number(tile.dataset.slot), camera: tile.dataset.camera, stream: tile.dataset.stream || null,
					status: badge?.dataset.status || null, badge: badge?.textContent || null, hq: tile.dataset.hq === 'true',
					label: tile.querySelector('.label')?.textContent || null,
					frames: st.frames, rgb: st.rgb, marker: st.marker, frameW: st.w || 0, frameH: st.h || 0,
					videoW: v?.videoWidth || 0, videoH: v?.videoHeight || 0,
					sinceFrameMs: st.at ? Math.round(performance.now() - st.at) : null,
					changedAt: st.changedAt, freezes: st.freezes, frozenMs: Math.round(st.frozenMs),
					fps: Number(stats?.dataset.fps || 0), kbps: Number(stats?.dataset.kbps || 0),
					switchMs: stats?.dataset.switchMs ? Number(stats.dataset.switchMs) : null,
				};
			});
		},
	};
}

/** Tiles as the page sees them, with colours classified (against the manifest's cameras when given). */
export async function tiles(page, manifest = null) {
	const palette = manifest ? paletteOf(manifest) : undefined;
	const list = await page.evaluate(() => (window.__msSampler ? window.__msSampler.tiles() : []));
	return list.map((t) => ({ ...t, seen: classify(t.rgb, palette), markerSeen: classify(t.marker, palette) }));
}

/**
 * Does a tile show what the manifest says its stream looks like?
 * Returns null when it does, else a short reason.
 */
export function mismatch(t, manifest, { stream = t.stream, minFrames = 1 } = {}) {
	const exp = manifest.streams[stream];
	if (!exp) return `unknown stream ${stream}`;
	if (t.stream !== stream) return `tile streams ${t.stream}, expected ${stream}`;
	if (t.frames < minFrames) return `${t.frames} frames`;
	if (t.seen.colour !== exp.colour || t.seen.dist > 60) return `colour ${t.seen.colour} (${t.rgb}), expected ${exp.colour}`;
	if (t.frameW !== exp.width || t.frameH !== exp.height) return `frame ${t.frameW}x${t.frameH}, expected ${exp.width}x${exp.height}`;
	const marker = t.markerSeen.colour === 'black' && t.markerSeen.dist < 60;
	if (exp.hdMarker !== marker) return `HD marker ${marker ? 'present' : 'absent'} (${t.marker}), expected ${exp.hdMarker ? 'present' : 'absent'}`;
	return null;
}

export function describeTiles(list) {
	return list.map((t) => `  tile ${t.slot}: ${t.stream || t.camera} badge=${t.status} ${t.frameW}x${t.frameH} ` +
		`colour=${t.seen.colour}(${t.rgb ? t.rgb.join(',') : '-'}) corner=${t.markerSeen.colour} frames=${t.frames} ` +
		`fps=${t.fps} kbps=${t.kbps}${t.switchMs !== null ? ` switch=${t.switchMs}ms` : ''}`).join('\n');
}

/** Open the wall at url; install the sampler; return {page, t0}. */
export async function openWall(context, url, { log = null } = {}) {
	const page = await context.newPage();
	if (log) {
		page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));
		page.on('pageerror', (e) => log(`pageerror: ${e.message}`));
	}
	await page.addInitScript(installSampler);
	const t0 = Date.now();
	await page.goto(url, { waitUntil: 'load', timeout: 15000 });
	await page.evaluate(installSampler);
	return { page, t0 };
}

/** Wait until every tile is active and shows its stream's colour/size; returns ms waited. */
export async function waitAllPlaying(page, manifest, { count = 9, timeoutMs = 20000 } = {}) {
	const t0 = Date.now();
	await waitFor(async () => {
		const list = await tiles(page, manifest);
		return list.length === count && list.every((t) => t.status === 'active' && !mismatch(t, manifest, { minFrames: 3 }));
	}, {
		timeoutMs, intervalMs: 50, what: `${count} tiles active with their cameras' colours`,
		describe: async () => describeTiles(await tiles(page, manifest)),
	});
	return Date.now() - t0;
}

/**
 * The demo wall for a test file: the js-client browser bundle (built when
 * missing), the demo back end (startDemoEnv(envOpts)), html/ served on a
 * free port, headless Chromium on `?janus=…&layout=3x3` plus query (the
 * browser console in the Janus output folder). Returns { env, manifest,
 * page, stop() }.
 */
export async function startWall({ envOpts, query = '', viewport = { width: 1280, height: 860 } }) {
	const bundle = path.join(REPO, 'js-client', 'dist', 'browser', 'multistream-client.js');
	if (!fs.existsSync(bundle)) {
		const r = spawnSync('npm', ['run', 'build'], { cwd: path.join(REPO, 'js-client'), timeout: 120000, encoding: 'utf8' });
		if (r.status !== 0) throw new Error(`npm run build in js-client failed:\n${r.stdout}\n${r.stderr}`);
	}
	const env = await startDemoEnv(envOpts);
	let server = null, browser = null;
	const stop = async () => {
		if (browser) await browser.close().catch(() => undefined);
		if (server) await stopTracked(server, 3000);
		await env.stop();
	};
	try {
		const port = await freeTcpPort();
		server = spawnTracked('serve.mjs', 'node', [path.join(REPO, 'html', 'serve.mjs'), '--port', String(port), '--host', '127.0.0.1'],
			{ logFile: path.join(env.janus.outDir, 'serve.log') });
		await waitFor(async () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false), { timeoutMs: 5000, what: 'serve.mjs' });
		browser = await launchChromium();
		const context = await browser.newContext({ viewport });
		const log = path.join(env.janus.outDir, 'browser.log');
		const { page } = await openWall(context, `http://127.0.0.1:${port}/?janus=${encodeURIComponent(env.janus.wsUrl)}&layout=3x3${query}`,
			{ log: (l) => fs.appendFileSync(log, `${l}\n`) });
		return { env, manifest: env.manifest, page, stop };
	} catch (e) {
		await stop();
		throw e;
	}
}
