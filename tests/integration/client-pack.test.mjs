// The browser client as a front-end gets it: `npm pack` of js-client/ (from a
// copy of its tracked + new files, no dist/: prepack must build it), installed
// offline into a scratch project, imported as 'janus-multistream-client' and
// type-checked against its .d.ts by the TypeScript compiler of js-client/;
// a wrong use must fail that check. No Janus, no network.
//
// Offline install: npm 11 asks for full packuments of a new dependency,
// while the npm cache holds the abbreviated ones `npm ci` stored (and the
// tests' namespace has no network), so a bare `npm install --offline
// <tarball>` ends in ENOTCACHED. The scratch project therefore starts with
// a package-lock.json holding the client's runtime dependencies as
// js-client/package-lock.json pins them (janus-gateway, webrtc-adapter, sdp),
// as a front-end's committed lockfile would; npm then installs the tarball
// and takes those from the cache.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, OUTPUT } from '../lib/janus.mjs';
import { runCmd } from '../lib/cmd.mjs';

const JS = path.join(REPO, 'js-client');
const TSC = path.join(JS, 'node_modules', 'typescript', 'bin', 'tsc');
const NAME = 'janus-multistream-client';
const NPM_ENV = { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', NO_COLOR: '1' };

const skip = (!fs.existsSync(TSC) && 'js-client/node_modules missing (tests/setup.sh runs npm ci there)') || false;

// A front-end's use of the API (js-client/README.md's), type-checked strictly.
const GOOD_TS = `import {
  MultiStreamClient, MultiStreamError, ErrorCode, toJanusWsUrl,
  type SlotConfig, type SlotStatus, type StreamInfo, type KeyframeResult,
} from '${NAME}';

export async function wall(video: HTMLVideoElement): Promise<void> {
  const client = new MultiStreamClient('ws://janus.example:8188', {
    pcConfig: { iceServers: [] },
    connectionTimeout: 10000,
    debug: false,
    token: 's3cret',
    onDisconnected: (reason) => console.log('disconnected', reason),
  });
  const streams: StreamInfo[] = await client.listStreams();
  const slots: SlotConfig[] = streams.slice(0, 4).map((s, slot) => ({ slot, stream: s.name }));
  const tracks: Map<number, MediaStreamTrack> = await client.connect(slots, (slot: number, status: SlotStatus) => {
    console.log(slot, status.status, status.stream, status.quality);
  });
  const first = tracks.get(0);
  if (first) video.srcObject = new MediaStream([first]);
  const active: SlotStatus = await client.switchStream(0, 'camera4', '720p');
  await client.pause(0);
  await client.resume(0);
  await client.resume(1, 'camera2', '360p');
  const kf: KeyframeResult = await client.requestKeyframe(-1);
  try {
    await client.switchStream(1, 'no-such-camera');
  } catch (e) {
    if (e instanceof MultiStreamError && e.code === ErrorCode.StreamNotFound) console.log(e.error, e.slot);
  }
  const stats: RTCStatsReport | null = await client.getStats(0);
  console.log(active.status, kf.status, stats, client.url, client.isConnected, client.wsState, client.pcState,
    client.getStatus(0)?.status, client.getTrack(0)?.kind, toJanusWsUrl('http://janus.example'));
  await client.disconnect();
}
`;

// Each marked line is a wrong use: tsc must report an error on exactly these.
const BAD_TS = `import { MultiStreamClient } from '${NAME}';
const client = new MultiStreamClient('ws://janus.example:8188', { connectionTimeout: '10s' }); // BAD
await client.switchStream('0', 'camera4'); // BAD
await client.connect([{ slot: 0 }]); // BAD
await client.pause(0, 'camera4'); // BAD
const n: number = await client.listStreams(); // BAD
client.switchSlot(0, 'camera4'); // BAD
await client.requestKeyframe(0);
export {};
`;

function pidAlive(pid) {
  if (pid === process.pid) return true;
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

function tsconfig(moduleResolution, file) {
  const mod = moduleResolution === 'NodeNext' ? 'NodeNext' : 'ESNext';
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: mod, moduleResolution, lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      strict: true, noEmit: true, skipLibCheck: false, types: [],
    },
    files: [file],
  }, null, 2);
}

describe('js-client: npm pack -> offline install in a new project -> import with types', { skip, timeout: 240000 }, () => {
  const tag = process.env.MS_RUN_TAG ? `${process.env.MS_RUN_TAG}-` : '';
  const work = path.join(OUTPUT, `${tag}client-pack-${process.pid}`);
  const log = path.join(OUTPUT, `${tag}client-pack.log`);
  const src = path.join(work, 'js-client');
  const out = path.join(work, 'pack');
  const app = path.join(work, 'app');
  let tarball;

  before(async () => {
    fs.mkdirSync(OUTPUT, { recursive: true });
    // Left for a look after each run; a dead run's folder goes now.
    for (const d of fs.readdirSync(OUTPUT)) {
      const m = d.match(/client-pack-(\d+)$/);
      if (m && !pidAlive(Number(m[1]))) fs.rmSync(path.join(OUTPUT, d), { recursive: true, force: true });
    }
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(log, { force: true });
    for (const d of [src, out, app]) fs.mkdirSync(d, { recursive: true });
    // js-client's tracked and new files (not dist/, not node_modules/:
    // ignored by git); its node_modules is linked for prepack's build.
    const { out: list } = await runCmd('git', ['-C', JS, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '.'], { logFile: log });
    const files = list.split('\0').filter((f) => f && fs.existsSync(path.join(JS, f)));
    fs.writeFileSync(path.join(work, 'files.txt'), files.join('\0'));
    await runCmd('tar', ['-C', JS, '--ignore-failed-read', '--null', '-T', path.join(work, 'files.txt'), '-cf', path.join(work, 'js-client.tar')], { logFile: log });
    await runCmd('tar', ['-C', src, '-xf', path.join(work, 'js-client.tar')], { logFile: log });
    assert.ok(!fs.existsSync(path.join(src, 'dist')), 'the copy has no dist/');
    fs.symlinkSync(path.join(JS, 'node_modules'), path.join(src, 'node_modules'));
  });

  test('npm pack builds dist/ (prepack) and ships ESM + .d.ts + the browser bundle, no tests', { timeout: 120000 }, async () => {
    const r = await runCmd('npm', ['pack', '--pack-destination', out], { cwd: src, env: NPM_ENV, timeoutS: 110, logFile: log });
    const tgz = fs.readdirSync(out).filter((f) => f.endsWith('.tgz'));
    assert.equal(tgz.length, 1, `one tarball in ${out}: ${tgz}`);
    tarball = path.join(out, tgz[0]);
    const version = JSON.parse(fs.readFileSync(path.join(JS, 'package.json'), 'utf8')).version;
    assert.equal(tgz[0], `${NAME}-${version}.tgz`);
    const { out: listing } = await runCmd('tar', ['-tzf', tarball]);
    const entries = listing.trim().split('\n');
    for (const f of ['package/package.json', 'package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts',
      'package/dist/client.d.ts', 'package/dist/browser/multistream-client.js']) {
      assert.ok(entries.includes(f), `${f} in the tarball`);
    }
    assert.deepEqual(entries.filter((f) => /^package\/(test|node_modules|scripts)\//.test(f) || /\.test\./.test(f)), [], 'no tests, node_modules or build scripts');
    console.log(`# ${tgz[0]}: ${fs.statSync(tarball).size} bytes, ${entries.length} files, npm pack took ${r.ms} ms`);
  });

  test('a new project installs the tarball offline', { timeout: 120000 }, async () => {
    assert.ok(tarball, 'packed');
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch-front-end', version: '1.0.0', private: true, type: 'module' }, null, 2));
    // The client's runtime dependencies, pinned as js-client/package-lock.json has them (see the top).
    const lock = JSON.parse(fs.readFileSync(path.join(JS, 'package-lock.json'), 'utf8'));
    const packages = { '': { name: 'scratch-front-end', version: '1.0.0' } };
    for (const [k, v] of Object.entries(lock.packages)) {
      if (k.startsWith('node_modules/') && !v.dev && !v.link) packages[k] = v;
    }
    assert.ok(packages['node_modules/janus-gateway'], 'janus-gateway is a runtime dependency in js-client/package-lock.json');
    fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'scratch-front-end', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
    const r = await runCmd('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, env: NPM_ENV, timeoutS: 110, logFile: log });
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
    assert.match(pkg.dependencies?.[NAME] || '', /^file:.*\.tgz$/, 'package.json depends on the tarball');
    for (const dep of [NAME, 'janus-gateway', 'webrtc-adapter']) {
      assert.ok(fs.existsSync(path.join(app, 'node_modules', dep, 'package.json')), `node_modules/${dep} installed`);
    }
    assert.ok(!fs.lstatSync(path.join(app, 'node_modules', NAME)).isSymbolicLink(), 'installed from the tarball, not linked');
    console.log(`# npm install --offline: ${r.ms} ms; ${r.out.trim().split('\n').pop()}`);
  });

  test('it imports at runtime (ESM, exports map)', { timeout: 30000 }, async () => {
    const probe = `
      const m = await import('${NAME}');
      const c = new m.MultiStreamClient('http://janus.example');
      console.log(JSON.stringify({
        client: typeof m.MultiStreamClient, error: typeof m.MultiStreamError, url: c.url,
        connected: c.isConnected, notFound: m.ErrorCode.StreamNotFound,
        browser: import.meta.resolve('${NAME}/browser').endsWith('/dist/browser/multistream-client.js'),
      }));`;
    fs.writeFileSync(path.join(app, 'probe.mjs'), probe);
    const { out: o } = await runCmd(process.execPath, ['probe.mjs'], { cwd: app, timeoutS: 25, logFile: log });
    const got = JSON.parse(o.trim().split('\n').pop());
    assert.deepEqual(got, { client: 'function', error: 'function', url: 'ws://janus.example:8188/', connected: false, notFound: 485, browser: true });
  });

  for (const resolution of ['Bundler', 'NodeNext']) {
    test(`tsc --noEmit (moduleResolution ${resolution}): the README's usage type-checks`, { timeout: 60000 }, async () => {
      fs.writeFileSync(path.join(app, 'good.ts'), GOOD_TS);
      fs.writeFileSync(path.join(app, `tsconfig.good.${resolution}.json`), tsconfig(resolution, 'good.ts'));
      const r = await runCmd(process.execPath, [TSC, '--noEmit', '-p', `tsconfig.good.${resolution}.json`], { cwd: app, timeoutS: 55, logFile: log, allowFail: true });
      assert.equal(r.code, 0, `tsc must accept good.ts:\n${r.out}`);
      console.log(`# tsc ${resolution}: good.ts OK in ${r.ms} ms`);
    });
  }

  test('tsc --noEmit rejects wrong uses, each on its own line', { timeout: 60000 }, async () => {
    fs.writeFileSync(path.join(app, 'bad.ts'), BAD_TS);
    fs.writeFileSync(path.join(app, 'tsconfig.bad.json'), tsconfig('Bundler', 'bad.ts'));
    const r = await runCmd(process.execPath, [TSC, '--noEmit', '-p', 'tsconfig.bad.json'], { cwd: app, timeoutS: 55, logFile: log, allowFail: true });
    assert.notEqual(r.code, 0, 'tsc must fail on bad.ts');
    const want = BAD_TS.split('\n').map((l, i) => (l.includes('// BAD') ? i + 1 : 0)).filter(Boolean);
    const errLines = [...new Set([...r.out.matchAll(/^bad\.ts\((\d+),\d+\): error TS\d+/gm)].map((m) => Number(m[1])))].sort((a, b) => a - b);
    assert.deepEqual(errLines, want, `errors on exactly the BAD lines:\n${r.out}`);
    assert.doesNotMatch(r.out, /Cannot find module|TS2307|TS7016/, 'the package and its types resolve');
    console.log(`# tsc: ${errLines.length} wrong uses rejected:\n${r.out.trim().split('\n').map((l) => `#   ${l}`).join('\n')}`);
  });
});
