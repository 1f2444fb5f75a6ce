// The operator's path (README "Install (operators)"): `dpkg-buildpackage -us
// -uc -b` builds janus-multistream_<version>_amd64.deb from a copy of the
// working tree (its tracked and new files: build dirs, node_modules and test
// output are ignored by git and stay out, the developer's tree is untouched);
// the package holds the plugin in Debian's Janus plugin folder, the sample
// config in /etc/janus and the docs, and depends on the janus it was built
// against; `apt-get install ./<deb>` installs it (no network needed: janus
// is installed already), and Janus loads the installed plugin with the
// installed sample as its config and answers `multistream/streams`.
//
// The .deb is cached in tests/output/package-deb/<key>/, key = the copied
// files (paths, exec bits, contents; not those of js-client/, html/, bench/,
// tests/{integration,e2e,lib}/, which the package build never reads:
// Makefile.am, configure.ac and debian/ name what it reads, and they are in
// the key) + janus-dev's and debhelper's versions: the sanitizer pass of
// tests/run.sh reuses the first pass's build.
// A package that was not installed before this file is purged after it.
//
// Run alone: MS_SKIP_SETUP=1 MS_SKIP_UNIT=1 MS_SANITIZE=0 bash tests/run.sh integration/package.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startJanus, netnsSkipReason, REPO, OUTPUT, SYSTEM_PLUGINS } from '../lib/janus.mjs';
import { openHandle } from '../lib/client.mjs';
import { stopAll } from '../lib/procs.mjs';
import { runCmd } from '../lib/cmd.mjs';

const PKG = 'janus-multistream';
const PLUGIN_PATH = path.join(SYSTEM_PLUGINS, 'libjanus_multistream.so');
const SAMPLE_PATH = '/etc/janus/janus.plugin.multistream.jcfg.sample';
const DOC_DIR = `/usr/share/doc/${PKG}`;
const CACHE = path.join(OUTPUT, 'package-deb');
const BUILD_BOUND_S = 200; // dpkg-buildpackage of this plugin takes ~20 s
const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };
const APT_LOCK = ['-o', 'DPkg::Lock::Timeout=60'];

function whichSync(cmd) {
  return (process.env.PATH || '').split(':').some((d) => d && fs.existsSync(path.join(d, cmd)));
}

function skipReason() {
  const ns = netnsSkipReason();
  if (ns) return ns;
  if (process.getuid && process.getuid() !== 0) return 'not root (apt-get install)';
  // Under tests/run.sh (MS_REQUIRE_PLUGIN=1) missing tools fail instead.
  if (process.env.MS_REQUIRE_PLUGIN !== '1') {
    for (const c of ['dpkg-buildpackage', 'dh', 'fakeroot', 'git']) if (!whichSync(c)) return `${c} missing (tests/setup.sh installs it)`;
  }
  return null;
}
const skip = skipReason() || false;

const acVersion = () => fs.readFileSync(path.join(REPO, 'configure.ac'), 'utf8').match(/^AC_INIT\(\[[^\]]*\],\s*\[([^\]]+)\]/m)?.[1];
const upstreamOf = (v) => v.replace(/-[^-]*$/, '');

async function installedVersion(pkg) {
  const r = await runCmd('dpkg-query', ['-W', '-f=${db:Status-Status} ${Version}', pkg], { allowFail: true });
  const [status, version] = r.out.trim().split(' ');
  return r.code === 0 && status === 'installed' ? version : null;
}

/** The working tree's tracked + new files (what git would see), as they are now. */
async function treeFiles() {
  const { out } = await runCmd('git', ['-C', REPO, 'ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  return [...new Set(out.split('\0'))].filter((f) => {
    if (!f) return false;
    try {
      const st = fs.lstatSync(path.join(REPO, f));
      return st.isFile() || st.isSymbolicLink();
    } catch { return false; } // deleted, not yet committed
  }).sort();
}

const NOT_READ_BY_THE_BUILD = /^(js-client|html|bench|tests\/(integration|e2e|lib))\/|^tests\/package(-lock)?\.json$/;

async function cacheKey(files) {
  const h = crypto.createHash('sha256');
  for (const f of files.filter((x) => !NOT_READ_BY_THE_BUILD.test(x))) {
    const p = path.join(REPO, f);
    const st = fs.lstatSync(p);
    h.update(`${f}\0${st.isSymbolicLink() ? 'l' : (st.mode & 0o111 ? 'x' : 'f')}\0`);
    h.update(st.isSymbolicLink() ? fs.readlinkSync(p) : fs.readFileSync(p));
    h.update('\0');
  }
  for (const p of ['janus-dev', 'debhelper']) h.update(`${p}=${(await installedVersion(p)) || '?'}\0`);
  return h.digest('hex').slice(0, 16);
}

function pidAlive(pid) {
  if (pid === process.pid) return true;
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

const debIn = (dir) => fs.existsSync(dir) && fs.readdirSync(dir).find((f) => f.startsWith(`${PKG}_`) && f.endsWith('_amd64.deb'));

/** Build the .deb from a copy of the tree, or take it from the cache. */
async function buildDeb(log) {
  const files = await treeFiles();
  assert.ok(files.includes('debian/rules') && files.includes('debian/control'), 'debian/ is in the tree');
  const key = await cacheKey(files);
  const dir = path.join(CACHE, key);
  fs.mkdirSync(CACHE, { recursive: true });
  // Drop dead runs' half-builds, and other keys' builds an hour old (a
  // parallel run may be installing a fresher one).
  for (const d of fs.readdirSync(CACHE)) {
    const m = d.match(/^build-(\d+)$/);
    let old;
    try { old = Date.now() - fs.statSync(path.join(CACHE, d)).mtimeMs > 3600e3; } catch { continue; } // renamed meanwhile
    if ((m && !pidAlive(Number(m[1]))) || (!m && d !== key && old)) fs.rmSync(path.join(CACHE, d), { recursive: true, force: true });
  }
  const cached = debIn(dir);
  if (cached) {
    fs.utimesSync(dir, new Date(), new Date()); // in use: not "an hour old"
    return { deb: path.join(dir, cached), key, cached: true, ms: 0, files: files.length };
  }

  const work = path.join(CACHE, `build-${process.pid}`);
  fs.rmSync(work, { recursive: true, force: true });
  const src = path.join(work, `${PKG}-${acVersion()}`);
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(work, 'files.txt'), files.join('\0'));
  await runCmd('tar', ['-C', REPO, '--ignore-failed-read', '--null', '-T', path.join(work, 'files.txt'), '-cf', path.join(work, 'tree.tar')], { logFile: log });
  await runCmd('tar', ['-C', src, '-xf', path.join(work, 'tree.tar')], { logFile: log });
  fs.rmSync(path.join(work, 'tree.tar'));
  // Unit tests are tests/run.sh's step 2 already: nocheck here.
  const r = await runCmd('dpkg-buildpackage', ['-us', '-uc', '-b'], {
    cwd: src, timeoutS: BUILD_BOUND_S, logFile: log,
    env: { DEB_BUILD_OPTIONS: 'nocheck parallel=2', LC_ALL: 'C.UTF-8' },
  });
  fs.copyFileSync(log, path.join(work, 'dpkg-buildpackage.log'));
  fs.rmSync(src, { recursive: true, force: true });
  const deb = debIn(work);
  assert.ok(deb, `dpkg-buildpackage made ../${PKG}_*_amd64.deb:\n${r.out.split('\n').slice(-30).join('\n')}`);
  try {
    fs.renameSync(work, dir);
  } catch {
    // A parallel run cached the same key first: use theirs.
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { deb: path.join(dir, debIn(dir)), key, cached: false, ms: r.ms, files: files.length };
}

describe('Debian package: build, contents, install, Janus loads the installed plugin', { skip, timeout: 290000 }, () => {
  const tag = process.env.MS_RUN_TAG ? `${process.env.MS_RUN_TAG}-` : '';
  const log = path.join(OUTPUT, `${tag}package-build.log`);
  let built; // { deb, key, cached, ms, files }
  let wasInstalled = null;
  let installed = false;
  let janus;

  before(async () => {
    fs.mkdirSync(OUTPUT, { recursive: true });
    fs.rmSync(log, { force: true });
    wasInstalled = await installedVersion(PKG);
  });

  after(async () => {
    await janus?.stop();
    await stopAll();
    // Leave the machine as found: purge what this file installed.
    if (installed && !wasInstalled) {
      await runCmd('apt-get', ['purge', '-y', ...APT_LOCK, PKG], { env: APT_ENV, timeoutS: 120, logFile: log, allowFail: true });
    }
  });

  test('dpkg-buildpackage -us -uc -b builds the .deb from a copy of the tree (bounded)', { timeout: (BUILD_BOUND_S + 30) * 1000 }, async () => {
    built = await buildDeb(log);
    const version = acVersion();
    assert.match(path.basename(built.deb), new RegExp(`^${PKG}_${version.replace(/\./g, '\\.')}-[^_]+_amd64\\.deb$`), 'named after configure.ac\'s AC_INIT version');
    console.log(`# ${path.basename(built.deb)}: ${fs.statSync(built.deb).size} bytes; ` +
      (built.cached ? `cached (key ${built.key})` : `built from ${built.files} files in ${built.ms} ms (key ${built.key})`) + `; log ${path.relative(REPO, log)}`);
  });

  test('dpkg-deb -c: the plugin in Janus\'s plugin folder, the sample in /etc/janus, the docs; no .la/.a', async () => {
    assert.ok(built, 'built');
    const { out } = await runCmd('dpkg-deb', ['-c', built.deb]);
    const paths = out.trim().split('\n').map((l) => l.split(/\s+/).slice(5).join(' ').replace(/^\./, '').replace(/ -> .*$/, ''));
    assert.ok(paths.includes(PLUGIN_PATH), `${PLUGIN_PATH} in the package:\n${out}`);
    assert.ok(paths.includes(SAMPLE_PATH), `${SAMPLE_PATH} in the package`);
    const docs = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md'))];
    for (const d of docs) {
      assert.ok(paths.includes(`${DOC_DIR}/${d}`) || paths.includes(`${DOC_DIR}/${d}.gz`), `${DOC_DIR}/${d}(.gz) in the package`);
    }
    assert.deepEqual(paths.filter((p) => /\.(la|a)$/.test(p)), [], 'no libtool archive or static library');
    assert.deepEqual(paths.filter((p) => /\.so$/.test(p)), [PLUGIN_PATH], 'one shared object: the plugin');
    for (const p of paths.filter((x) => /\.so$|jcfg\.sample$|README/.test(x))) console.log(`#   ${p}`);
  });

  test('control: Package, Version, Depends on the janus it was built against (+ shlibs)', async () => {
    assert.ok(built, 'built');
    const { out } = await runCmd('dpkg-deb', ['-f', built.deb, 'Package', 'Version', 'Architecture', 'Depends']);
    const f = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
    assert.equal(f.Package, PKG);
    assert.equal(f.Architecture, 'amd64');
    assert.equal(upstreamOf(f.Version), acVersion(), 'Version is configure.ac\'s AC_INIT version');
    const janusDev = upstreamOf(await installedVersion('janus-dev'));
    const [maj, min] = janusDev.replace(/^\d+:/, '').split('.').map(Number);
    const deps = f.Depends.split(',').map((s) => s.trim());
    assert.ok(deps.includes(`janus (>= ${janusDev})`), `Depends: janus (>= ${janusDev}) in "${f.Depends}"`);
    assert.ok(deps.includes(`janus (<< ${maj}.${min + 1}~)`), `Depends: janus (<< ${maj}.${min + 1}~) in "${f.Depends}"`);
    assert.ok(deps.some((d) => /^libglib2\.0-0\b/.test(d)) && deps.some((d) => /^libjansson4\b/.test(d)), `shlibs: glib and jansson in "${f.Depends}"`);
    console.log(`# Depends: ${f.Depends}`);
  });

  test('apt-get install ./<deb> installs it (janus is there: no download)', { timeout: 150000 }, async () => {
    assert.ok(built, 'built');
    const r = await runCmd('apt-get', ['install', '-y', '--reinstall', '--no-install-recommends', ...APT_LOCK, built.deb], { env: APT_ENV, timeoutS: 140, logFile: log });
    installed = true;
    const v = await installedVersion(PKG);
    const { out: debVersion } = await runCmd('dpkg-deb', ['-f', built.deb, 'Version']);
    assert.equal(v, debVersion.trim(), 'the built version is installed');
    // Every file as the .deb has it (dpkg's md5sums): prints nothing when so.
    const verify = await runCmd('dpkg', ['--verify', PKG], { allowFail: true });
    assert.equal(verify.code, 0, verify.out);
    assert.equal(verify.out.trim(), '', `dpkg --verify ${PKG}: ${verify.out}`);
    assert.ok(fs.existsSync(PLUGIN_PATH) && fs.existsSync(SAMPLE_PATH));
    console.log(`# installed ${PKG} ${v} in ${r.ms} ms${wasInstalled ? ` (was ${wasInstalled})` : ''}`);
  });

  test('Janus loads the installed plugin with the installed sample config; multistream/streams answers', { timeout: 60000 }, async () => {
    assert.ok(installed, 'installed');
    // The operator copies the sample to janus.plugin.multistream.jcfg and
    // restarts Janus: here a private Janus whose plugin folder holds only
    // the installed .so (a symlink to it).
    janus = await startJanus({
      name: `${tag}package-installed`,
      pluginSo: PLUGIN_PATH,
      pluginConfigText: fs.readFileSync(SAMPLE_PATH, 'utf8'),
    });
    const info = janus.info.plugins['janus.plugin.multistream'];
    assert.equal(info.version_string, acVersion(), 'the loaded plugin is the packaged version');
    assert.ok(fs.realpathSync(path.join(janus.dir, 'plugins', 'libjanus_multistream.so')) === PLUGIN_PATH);
    const c = await openHandle(janus);
    try {
      const r = await c.request('multistream/streams', {});
      assert.equal(r.data.type, 'multistream/streams', JSON.stringify(r.data));
      const names = (r.data.value?.streams || []).map((s) => s.name);
      for (const n of ['camera1', 'camera1-360p', 'lobby']) assert.ok(names.includes(n), `sample stream ${n} listed: ${names}`);
      console.log(`# Janus ${janus.info.version_string} loaded ${PLUGIN_PATH} (${info.version_string}) in ${janus.startMs} ms; streams: ${names.join(', ')}`);
    } finally {
      await c.close();
    }
  });
});
