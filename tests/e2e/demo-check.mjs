// demo-check.mjs: look at a running demo wall with headless Chromium and say
// whether it works (html/demo.sh --check runs it inside a private namespace).
//
//   node tests/e2e/demo-check.mjs --url URL --manifest DIR/demo.json [--screenshot PNG] [--timeout 30000]
//
// Waits until the 9 tiles are active and each shows its camera's colour at
// grid size, saves a screenshot, prints what every tile shows, then clicks
// one tile (it must switch to its high-quality stream: badge, size and
// pixels) and double-clicks it back. Exit 0 when all of that held, else 1.
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, openWall, waitAllPlaying, tiles, mismatch, describeTiles, waitFor } from './wallpage.mjs';

const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(n); return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : d; };
const url = arg('--url');
const manifestFile = arg('--manifest');
const shot = arg('--screenshot');
const timeoutMs = Number(arg('--timeout', '30000'));
if (!url || !manifestFile) {
	console.error('usage: demo-check.mjs --url URL --manifest demo.json [--screenshot PNG]');
	process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
const say = (s) => console.log(`demo-check: ${s}`);

let browser = null;
let ok = false;
const hardStop = setTimeout(() => { say(`FAIL: gave up after ${timeoutMs + 30000} ms`); process.exit(1); }, timeoutMs + 30000);
try {
	browser = await launchChromium();
	const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
	const { page, t0 } = await openWall(context, url, { log: (l) => { if (/error|warn/i.test(l)) say(l); } });
	say(`opened ${url}`);
	let playingMs;
	try {
		await waitAllPlaying(page, manifest, { count: 9, timeoutMs });
		playingMs = Date.now() - t0;
		// Let the stats overlay fill in (it polls getStats once a second).
		await waitFor(async () => (await tiles(page, manifest)).every((t) => t.fps > 0), { timeoutMs: 5000, what: 'fps on every tile' })
			.catch((e) => say(`note: ${e.message}`));
	} finally {
		if (shot) {
			fs.mkdirSync(path.dirname(shot), { recursive: true });
			await page.screenshot({ path: shot }).catch((e) => say(`screenshot failed: ${e.message}`));
			say(`screenshot: ${shot}`);
		}
	}
	say(`9 tiles playing ${playingMs} ms after page load started:`);
	console.log(describeTiles(await tiles(page, manifest)));

	// One click: tile 0 to its highest quality, then back.
	const before = (await tiles(page, manifest))[0];
	const cam = manifest.cameras.find((c) => c.name === before.camera);
	const hq = cam.streams.find((s) => manifest.streams[s].role === 'hd');
	const grid = before.stream;
	const c0 = Date.now();
	await page.click('#tile-0');
	const afterClick = await waitFor(async () => {
		const t = (await tiles(page, manifest))[0];
		return t.status === 'active' && !mismatch(t, manifest, { stream: hq, minFrames: 1 }) ? t : null;
	}, { timeoutMs: 10000, what: `tile 0 on ${hq}`, describe: async () => describeTiles([(await tiles(page, manifest))[0]]) });
	say(`click tile 0: ${grid} -> ${afterClick.stream} ${afterClick.frameW}x${afterClick.frameH} colour=${afterClick.seen.colour} ` +
		`HD marker=${afterClick.markerSeen.colour} in ${Date.now() - c0} ms (page's own switch time ${afterClick.switchMs} ms)`);
	const d0 = Date.now();
	await page.dblclick('#tile-0');
	const back = await waitFor(async () => {
		const t = (await tiles(page, manifest))[0];
		return t.status === 'active' && !mismatch(t, manifest, { stream: grid, minFrames: 1 }) ? t : null;
	}, { timeoutMs: 10000, what: `tile 0 back on ${grid}`, describe: async () => describeTiles([(await tiles(page, manifest))[0]]) });
	say(`double-click tile 0: back to ${back.stream} ${back.frameW}x${back.frameH} colour=${back.seen.colour} in ${Date.now() - d0} ms`);
	ok = true;
} catch (e) {
	say(`FAIL: ${e.message}`);
} finally {
	if (browser) await browser.close().catch(() => undefined);
	clearTimeout(hardStop);
}
say(ok ? 'PASS' : 'FAIL');
process.exit(ok ? 0 : 1);
