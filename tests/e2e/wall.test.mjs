// End-to-end: the demo camera wall (html/, served by html/serve.mjs) in
// headless Debian Chromium, against a real Janus with our plugin and nine
// real ffmpeg colour cameras (tests/lib/demo-env.mjs: cameraN, cameraN-240p,
// cameraN-720p), inside the private network namespace.
//
//   bash tests/lib/netns.sh node --test tests/e2e/wall.test.mjs   (after bash tests/setup.sh)
//
// What a tile shows is read from its pixels (tests/e2e/wallpage.mjs): the
// colour at the centre of every decoded frame, the bottom-right "HD marker"
// (black on the 720p cameras only) and the decoded frame size.
// Output: tests/output/e2e-wall.png (the wall), tests/output/e2e-wall-hq.png
// (one tile at 720p), the Janus log and browser console in tests/output/e2e-wall-*/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pluginSkipReason, freeTcpPort, REPO, OUTPUT } from '../lib/janus.mjs';
import { startDemoEnv } from '../lib/demo-env.mjs';
import { spawnTracked, stopTracked, stopAll } from '../lib/procs.mjs';
import { AdminClient } from '../lib/client.mjs';
import { launchChromium, openWall, waitAllPlaying, tiles, mismatch, describeTiles, waitFor, sleep } from './wallpage.mjs';

const skip = pluginSkipReason() || false;
const LINGER_S = 1;

describe('camera wall in headless Chromium', { skip, timeout: 240000 }, () => {
	let env = null;
	let server = null;
	let browser = null;
	let context = null;
	let page = null;
	let admin = null;
	let manifest = null;
	let pageT0 = 0;
	let url = null;
	let logFile = null;
	const log = (line) => { if (logFile) fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`); };
	const tile = async (k) => (await tiles(page, manifest))[k];
	/** A camera's stream with a role ('native', 'grid', 'hd') from the manifest. */
	const streamOf = (camera, role) => manifest.cameras.find((c) => c.name === camera).streams.find((s) => manifest.streams[s].role === role);
	const evalClient = (fn, arg) => page.evaluate(fn, arg);

	before(async () => {
		// The page loads the browser bundle of js-client (not in git: built by
		// html/demo.sh). Build it here if its dependencies are installed (offline).
		const bundle = path.join(REPO, 'js-client', 'dist', 'browser', 'multistream-client.js');
		if (!fs.existsSync(bundle)) {
			assert.ok(fs.existsSync(path.join(REPO, 'js-client', 'node_modules')),
				'js-client is not built and its node_modules are missing: run (cd js-client && npm ci && npm run build), or bash html/demo.sh --check');
			const r = spawnSync('npm', ['run', 'build'], { cwd: path.join(REPO, 'js-client'), timeout: 120000, encoding: 'utf8' });
			assert.equal(r.status, 0, `npm run build in js-client failed:\n${r.stdout}\n${r.stderr}`);
		}
		env = await startDemoEnv({ name: 'e2e-wall', sourceLinger: LINGER_S, sessionTimeout: 10 });
		manifest = env.manifest;
		logFile = path.join(env.janus.outDir, 'browser.log');
		const port = await freeTcpPort();
		server = spawnTracked('serve.mjs', 'node', [path.join(REPO, 'html', 'serve.mjs'), '--port', String(port), '--host', '127.0.0.1'],
			{ logFile: path.join(env.janus.outDir, 'serve.log') });
		await waitFor(async () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false), { timeoutMs: 5000, what: 'serve.mjs' });
		const served = await fetch(`http://127.0.0.1:${port}/client/multistream-client.js`);
		assert.equal(served.status, 200, 'js-client browser bundle served');
		admin = await new AdminClient(env.janus.adminUrl, env.janus.adminSecret).connect();
		browser = await launchChromium();
		context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
		url = `http://127.0.0.1:${port}/?janus=${encodeURIComponent(env.janus.wsUrl)}&layout=3x3`;
		log(`opening ${url}`);
		({ page, t0: pageT0 } = await openWall(context, url, { log }));
	});

	after(async () => {
		if (browser) await browser.close().catch(() => undefined);
		admin?.close();
		if (server) await stopTracked(server, 3000);
		if (env) await env.stop();
		await stopAll();
	});

	it('shows 9 tiles, each playing its own camera in its colour', { timeout: 40000 }, async (t) => {
		await waitAllPlaying(page, manifest, { count: 9, timeoutMs: 25000 });
		const ms = Date.now() - pageT0;
		const list = await tiles(page, manifest);
		assert.equal(list.length, 9);
		assert.equal(new Set(list.map((x) => x.camera)).size, 9, 'nine different cameras');
		const colours = new Set(manifest.cameras.map((c) => c.colour)).size;
		assert.equal(new Set(list.map((x) => x.seen.colour)).size, colours, `${colours} different colours on screen`);
		for (const x of list) {
			const grid = streamOf(x.camera, 'grid');
			assert.equal(x.stream, grid, `tile ${x.slot} starts on its grid quality`);
			assert.equal(x.videoW, manifest.streams[grid].width, `tile ${x.slot}: <video> reports the grid width`);
			assert.equal(x.videoH, manifest.streams[grid].height);
		}
		const st = await admin.status();
		assert.equal(st.sessions, 1, 'one multistream session on the server');
		assert.equal(st.slots_bound, 9, 'nine bound slots');
		// A mixed wall: the H265 cameras' tiles (Chromium here decodes no
		// H265) play through their H264 transcodes, one each
		const h265 = list.filter((x) => manifest.streams[x.stream].codec === 'h265');
		assert.ok(h265.length >= 3, `H265 cameras on the wall (${h265.length})`);
		for (const x of h265) {
			const tr = st.sources.find((s) => s.name === `${x.stream}@h264`);
			assert.ok(tr?.running && tr.consumers === 1, `${x.stream} through its transcode: ${JSON.stringify(tr)}`);
		}
		t.diagnostic(`H265 tiles through their H264 transcode: ${h265.map((x) => `${x.stream} ${x.seen.colour}`).join(', ')}`);
		// What Chromium's RTCP tells the plugin (quality auto's estimate)
		await sleep(2500);
		const sessions = await admin.listSessions();
		let rtcp = null;
		for (const sid of sessions) {
			for (const hid of await admin.listHandles(sid)) {
				const info = await admin.handleInfo(sid, hid);
				if (info?.plugin_specific?.rtcp) rtcp = { ...info.plugin_specific.rtcp, bwe: info.plugin_specific.bwe };
			}
		}
		assert.ok(rtcp && rtcp.report_blocks > 0, `Chromium sends receiver reports: ${JSON.stringify(rtcp)}`);
		t.diagnostic(`Chromium's RTCP to the plugin so far: ${JSON.stringify(rtcp)}`);
		t.diagnostic(`9 tiles playing ${ms} ms after page load started`);
		t.diagnostic(`\n${describeTiles(list)}`);
		// Frames keep coming (not one stuck picture). An H265 camera's tile
		// (cameras 3, 6, 9: served through their H264 transcode, started by
		// this page) first plays the transcoder's catch-up burst: let it settle.
		await sleep(1000);
		const f0 = (await tiles(page, manifest)).map((x) => x.frames);
		await sleep(1000);
		const f1 = (await tiles(page, manifest)).map((x) => x.frames);
		f1.forEach((f, k) => assert.ok(f - f0[k] >= 8, `tile ${k}: ${f - f0[k]} frames in 1 s`));
		// Let the stats overlay fill in, then save the wall.
		await waitFor(async () => (await tiles(page, manifest)).every((x) => x.fps > 0), { timeoutMs: 5000, what: 'fps in every stats overlay' });
		fs.mkdirSync(OUTPUT, { recursive: true });
		const shot = path.join(OUTPUT, 'e2e-wall.png');
		await page.screenshot({ path: shot });
		assert.ok(fs.statSync(shot).size > 10000, 'screenshot written');
		t.diagnostic(`screenshot: ${shot}`);
	});

	it('a click switches a tile to its highest quality, a double-click back to grid quality', { timeout: 30000 }, async (t) => {
		const k = 4;
		const before = await tile(k);
		const others = (await tiles(page, manifest)).filter((x) => x.slot !== k).map((x) => [x.slot, x.stream]);
		const hq = streamOf(before.camera, 'hd');
		const c0 = Date.now();
		await page.click(`#tile-${k}`);
		const up = await waitFor(async () => {
			const x = await tile(k);
			return x.status === 'active' && !mismatch(x, manifest, { stream: hq }) ? x : null;
		}, { timeoutMs: 8000, what: `tile ${k} on ${hq}`, describe: async () => describeTiles([await tile(k)]) });
		const clickMs = Date.now() - c0;
		assert.equal(up.hq, true);
		assert.equal(up.videoW, manifest.streams[hq].width, '<video> reports the high-quality size');
		assert.equal(up.videoH, manifest.streams[hq].height);
		if (manifest.streams[hq].hdMarker) assert.equal(up.markerSeen.colour, 'black', 'the HD camera\'s marker is on screen');
		assert.equal(up.seen.colour, before.seen.colour, 'same camera, same colour');
		assert.match(up.label, new RegExp(manifest.streams[hq].quality));
		// Only that tile moved.
		const now = await tiles(page, manifest);
		for (const [slot, stream] of others) assert.equal(now[slot].stream, stream, `tile ${slot} untouched`);
		const f0 = up.frames;
		await sleep(700);
		assert.ok((await tile(k)).frames - f0 >= 5, 'the 720p tile keeps playing');
		await page.screenshot({ path: path.join(OUTPUT, 'e2e-wall-hq.png') });

		const d0 = Date.now();
		await page.dblclick(`#tile-${k}`);
		const down = await waitFor(async () => {
			const x = await tile(k);
			return x.status === 'active' && !mismatch(x, manifest, { stream: before.stream }) ? x : null;
		}, { timeoutMs: 8000, what: `tile ${k} back on ${before.stream}`, describe: async () => describeTiles([await tile(k)]) });
		assert.equal(down.hq, false);
		assert.equal(down.videoW, manifest.streams[before.stream].width);
		if (manifest.streams[hq].hdMarker) assert.notEqual(down.markerSeen.colour, 'black', 'no HD marker any more');
		t.diagnostic(`click -> ${hq} on screen in ${clickMs} ms (page: switch ${up.switchMs} ms); double-click -> ${before.stream} in ${Date.now() - d0} ms`);
	});

	it('switching a tile to another camera shows that camera; a bad name changes nothing', { timeout: 30000 }, async (t) => {
		const k = 0;
		const before = await tile(k);
		const target = 'camera9';
		const targetStream = streamOf(target, 'grid');
		const targetQ = manifest.streams[targetStream].quality;
		assert.notEqual(before.camera, target);
		const s0 = Date.now();
		const st = await evalClient(([slot, stream, q]) => window.msWall.client.switchStream(slot, stream, q), [k, target, targetQ]);
		assert.equal(st.status, 'active');
		assert.equal(st.stream, targetStream);
		const shown = await waitFor(async () => {
			const x = await tile(k);
			return !mismatch(x, manifest, { stream: targetStream }) ? x : null;
		}, { timeoutMs: 5000, what: `tile ${k} showing ${target}`, describe: async () => describeTiles([await tile(k)]) });
		assert.equal(shown.seen.colour, manifest.streams[targetStream].colour);
		if (manifest.streams[before.stream].colour !== manifest.streams[targetStream].colour) assert.notEqual(shown.seen.colour, before.seen.colour);
		t.diagnostic(`switchStream(${k}, ${target}) -> ${shown.seen.colour} on screen in ${Date.now() - s0} ms`);

		// An unknown stream is refused with 485 stream not found; the tile keeps playing.
		const err = await evalClient((slot) => window.msWall.client.switchStream(slot, 'no-such-camera').then(
			() => null, (e) => ({ code: e.code, error: e.error })), k);
		assert.deepEqual(err, { code: 485, error: 'stream not found' });
		const f0 = (await tile(k)).frames;
		await sleep(600);
		const still = await tile(k);
		assert.equal(mismatch(still, manifest, { stream: targetStream }), null, 'still showing the previous camera');
		assert.ok(still.frames - f0 >= 4, 'and still playing');

		// And back to its own camera.
		await evalClient(([slot, stream, q]) => window.msWall.client.switchStream(slot, stream, q), [k, before.camera, manifest.streams[before.stream].quality]);
		await waitFor(async () => !mismatch(await tile(k), manifest, { stream: before.stream }), { timeoutMs: 5000, what: `tile 0 back on ${before.stream}` });
	});

	it('pause stops a tile\'s frames (badge paused), resume brings them back (badge active)', { timeout: 30000 }, async (t) => {
		const k = 1;
		const ctl = 2;
		const st = await evalClient((slot) => window.msWall.client.pause(slot), k);
		assert.equal(st.status, 'paused');
		await waitFor(async () => (await tile(k)).status === 'paused', { timeoutMs: 3000, what: 'badge paused' });
		assert.match((await tile(k)).badge, /paused/i);
		await sleep(500); // frames already in flight
		const a = await tiles(page, manifest);
		await sleep(1500);
		const b = await tiles(page, manifest);
		assert.equal(b[k].frames - a[k].frames, 0, `paused tile decoded ${b[k].frames - a[k].frames} frames in 1.5 s`);
		assert.ok(b[ctl].frames - a[ctl].frames >= 12, 'the neighbour keeps playing');
		const st2 = (await admin.status()).slots_bound;

		const r0 = Date.now();
		const res = await evalClient((slot) => window.msWall.client.resume(slot), k);
		assert.equal(res.status, 'active');
		await waitFor(async () => (await tile(k)).status === 'active', { timeoutMs: 3000, what: 'badge active' });
		const c = await tile(k);
		await waitFor(async () => {
			const x = await tile(k);
			return x.frames - c.frames >= 5 && !mismatch(x, manifest) ? x : null;
		}, { timeoutMs: 5000, what: 'frames again after resume', describe: async () => describeTiles([await tile(k)]) });
		t.diagnostic(`paused: 0 frames in 1.5 s (slots_bound while paused: ${st2}); resumed: frames again ${Date.now() - r0} ms after resume()`);
	});

	it('closing the tab makes the server clean up (sessions, slots, consumers; on-demand sources after the linger)', { timeout: 30000 }, async (t) => {
		const before = await admin.status();
		assert.equal(before.sessions, 1);
		assert.equal(before.slots_bound, 9);
		assert.ok(before.sources.filter((s) => s.consumers > 0).length >= 9, 'the wall consumes nine sources');
		const c0 = Date.now();
		await page.close();
		page = null;
		await waitFor(async () => {
			const s = await admin.status();
			return s.sessions === 0 && s.slots_bound === 0 && s.sources.every((x) => x.consumers === 0) ? s : null;
		}, { timeoutMs: 8000, intervalMs: 50, what: 'server cleanup', describe: async () => JSON.stringify(await admin.status()) });
		const cleanMs = Date.now() - c0;
		// The Janus session (and with it our plugin handle) goes when the WebSocket does.
		const after = await waitFor(async () => {
			const s = await admin.status();
			return s.handles === 0 ? s : null;
		}, { timeoutMs: 8000, intervalMs: 50, what: 'no plugin handle left', describe: async () => JSON.stringify(await admin.status()) });
		const handlesMs = Date.now() - c0;
		assert.deepEqual(await admin.listSessions(), [], 'no Janus session left');
		const onDemand = after.sources.filter((s) => s.kind !== 'rtp');
		if (onDemand.length) {
			// A variant lingers, stops, and only then its parent starts lingering.
			await waitFor(async () => (await admin.status()).sources.every((x) => x.kind === 'rtp' || !x.running), {
				timeoutMs: LINGER_S * 2000 + 6000, intervalMs: 100, what: 'on-demand sources stopped after the linger',
				describe: async () => JSON.stringify((await admin.status()).sources.filter((x) => x.running && x.kind !== 'rtp')),
			});
			const stoppedMs = Date.now() - c0;
			assert.ok(stoppedMs >= LINGER_S * 1000, `on-demand sources stopped after ${stoppedMs} ms: not before the ${LINGER_S} s linger`);
			t.diagnostic(`${onDemand.length} on-demand sources (${[...new Set(onDemand.map((x) => x.kind))]}) stopped ${stoppedMs} ms after the tab closed (linger ${LINGER_S} s)`);
		} else {
			t.diagnostic('all sources are rtp:// (always on, they only lose their consumers): the linger stop is not exercised by this configuration');
		}
		t.diagnostic(`tab closed -> 0 sessions, 0 bound slots, 0 consumers in ${cleanMs} ms; 0 plugin handles, 0 Janus sessions in ${handlesMs} ms`);
		assert.ok(!env.janus.child.exitInfo, 'Janus still running');
	});

	it('a tab that dies without saying goodbye (renderer crash) is cleaned up too', { timeout: 40000 }, async (t) => {
		const { page: p2, t0 } = await openWall(context, url, { log });
		page = p2;
		await waitAllPlaying(page, manifest, { count: 9, timeoutMs: 20000 });
		const again = Date.now() - t0;
		const before = await admin.status();
		assert.equal(before.sessions, 1);
		assert.equal(before.slots_bound, 9);
		const cdp = await context.newCDPSession(page);
		const c0 = Date.now();
		cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
		const after = await waitFor(async () => {
			const s = await admin.status();
			return s.sessions === 0 && s.slots_bound === 0 && s.handles === 0 && s.sources.every((x) => x.consumers === 0) ? s : null;
		}, { timeoutMs: 15000, intervalMs: 50, what: 'server cleanup after a renderer crash', describe: async () => JSON.stringify(await admin.status()) });
		const cleanMs = Date.now() - c0;
		assert.deepEqual(await admin.listSessions(), [], 'no Janus session left');
		await page.close().catch(() => undefined);
		page = null;
		t.diagnostic(`second tab: 9 tiles playing ${again} ms after load; after its renderer crashed: 0 sessions/slots/handles in ${cleanMs} ms ` +
			`(${after.sources.length} sources, all without consumers)`);
		assert.ok(!env.janus.child.exitInfo, 'Janus still running');
	});
});
