// End-to-end: quality auto in the demo wall, headless Chromium. The page
// observes its tiles (js-client observe(): ResizeObserver, IntersectionObserver,
// page visibility) and sends hints by itself; the plugin picks each tile's
// variant: a 3x3 wall starts on the small variants, the big tile of the 1+5
// layout goes to 720p (its decoded frames say so), a hidden tab sends nothing
// (every tile inactive) and shows every camera again at once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pluginSkipReason } from '../lib/janus.mjs';
import { stopAll } from '../lib/procs.mjs';
import { startWall, waitAllPlaying, waitFor, sleep, tiles, describeTiles } from './wallpage.mjs';

const skip = pluginSkipReason() || false;

describe('quality auto in the demo wall', { skip, timeout: 180000 }, () => {
	let wall, page, manifest;
	before(async () => {
		wall = await startWall({ envOpts: { name: 'e2e-auto', sourceLinger: 5, sessionTimeout: 60 }, query: '&quality=auto' });
		({ page, manifest } = wall);
	});
	after(async () => {
		await wall?.stop();
		await stopAll();
	});

	it('a 3x3 auto wall plays every camera on a small variant, each tile telling its actualQuality', { timeout: 40000 }, async (t) => {
		await waitAllPlaying(page, manifest, { count: 9, timeoutMs: 30000 });
		const list = await tiles(page, manifest);
		const q = await page.evaluate(() => [...Array(9).keys()].map((k) => window.msWall.tileQuality(k)));
		t.diagnostic(`actualQuality: ${q.join(', ')}\n${describeTiles(list)}`);
		for (const [k, x] of list.entries()) {
			assert.ok(q[k], `tile ${k} reports its actualQuality`);
			assert.ok(x.frameH <= 480, `tile ${k}: a small tile gets a small variant (${x.frameW}x${x.frameH})`);
		}
		assert.ok(await page.evaluate(() => window.msWall.hintsSent) >= 1, 'the page sent hints by itself');
	});

	it('1+5: the big tile goes to 720p at once', { timeout: 40000 }, async (t) => {
		const t0 = Date.now();
		await page.evaluate(() => window.msWall.setLayout('1+5'));
		const big = await waitFor(async () => {
			const x = (await tiles(page, manifest))[0];
			return x && x.frameH >= 720 && x.status === 'active' ? x : null;
		}, { timeoutMs: 15000, what: 'the big tile at 720p', describe: async () => describeTiles(await tiles(page, manifest)) });
		t.diagnostic(`1+5 -> the big tile's frames at ${big.frameW}x${big.frameH} ${Date.now() - t0} ms after the layout change (page reconnects)`);
		assert.equal(await page.evaluate(() => window.msWall.tileQuality(0)), '720p');
	});

	it('resizing the window changes the variant a tile receives (its decoded frame height)', { timeout: 40000 }, async (t) => {
		await page.evaluate(() => window.msWall.setLayout('3x3', 'auto'));
		await waitAllPlaying(page, manifest, { count: 9, timeoutMs: 20000 });
		const h0 = (await tiles(page, manifest))[0].frameH;
		const t0 = Date.now();
		await page.setViewportSize({ width: 2560, height: 1720 });	// tiles over 240 device px tall
		const up = await waitFor(async () => {
			const x = (await tiles(page, manifest))[0];
			return x.frameH > h0 ? x : null;
		}, { timeoutMs: 10000, what: 'tile 0 on a taller variant', describe: async () => describeTiles(await tiles(page, manifest)) });
		t.diagnostic(`window enlarged -> tile 0 decodes ${up.frameW}x${up.frameH} (was ${h0} tall) ${Date.now() - t0} ms later`);
		await page.setViewportSize({ width: 1280, height: 860 });
		const down = await waitFor(async () => {
			const x = (await tiles(page, manifest))[0];
			return x.frameH < up.frameH ? x : null;
		}, { timeoutMs: 10000, what: 'tile 0 back on a smaller variant' });
		assert.ok(down.frameH <= h0, `back to ${down.frameH}`);
	});

	it('a tile scrolled out of view sends nothing (inactive) and plays again when scrolled back', { timeout: 40000 }, async (t) => {
		await page.setViewportSize({ width: 1280, height: 330 });	// only the first row fits
		await page.evaluate(() => window.scrollTo(0, 0));
		const last = 8;
		await waitFor(async () => (await tiles(page, manifest))[last].status === 'inactive', { timeoutMs: 6000, what: `tile ${last} inactive out of view`,
			describe: async () => describeTiles(await tiles(page, manifest)) });
		assert.equal((await tiles(page, manifest))[0].status, 'active', 'a tile in view plays on');
		const s0 = Date.now();
		await page.evaluate((k) => document.getElementById(`tile-${k}`).scrollIntoView(), last);
		const f = (await tiles(page, manifest))[last].frames;
		await waitFor(async () => {
			const x = (await tiles(page, manifest))[last];
			return x.status === 'active' && x.frames > f + 2;
		}, { timeoutMs: 8000, what: `tile ${last} playing when scrolled back` });
		t.diagnostic(`scrolled back -> tile ${last} playing ${Date.now() - s0} ms later`);
		await page.setViewportSize({ width: 1280, height: 860 });
	});

	it('a hidden tab: every tile inactive, no frames; shown again: every camera back at once', { timeout: 40000 }, async (t) => {
		await waitAllPlaying(page, manifest, { count: 6, timeoutMs: 20000 }).catch(() => undefined);
		const hide = (hidden) => page.evaluate((h) => {
			Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
			Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
			document.dispatchEvent(new Event('visibilitychange'));
		}, hidden);
		await hide(true);
		await waitFor(async () => (await tiles(page, manifest)).every((x) => x.status === 'inactive'), { timeoutMs: 5000, what: 'every tile inactive',
			describe: async () => describeTiles(await tiles(page, manifest)) });
		await sleep(500);
		const f0 = (await tiles(page, manifest)).map((x) => x.frames);
		await sleep(1200);
		const f1 = (await tiles(page, manifest)).map((x) => x.frames);
		f1.forEach((f, k) => assert.ok(f - f0[k] <= 1, `tile ${k} decoded ${f - f0[k]} frames while hidden`));
		const s0 = Date.now();
		await hide(false);
		await waitFor(async () => {
			const l = await tiles(page, manifest);
			return l.every((x, k) => x.status === 'active' && x.frames > f1[k] + 2);
		}, { timeoutMs: 8000, what: 'every tile playing again', describe: async () => describeTiles(await tiles(page, manifest)) });
		t.diagnostic(`shown again -> every tile decoding ${Date.now() - s0} ms later`);
	});
});
