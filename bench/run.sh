#!/usr/bin/env bash
# bench/run.sh: THE bench command (`bash bench/run.sh`, as root on Debian 12).
#
# janus-multistream vs stock janus.plugin.streaming: same 9 cameras, same
# run, same page code, headless Debian Chromium; prints the side-by-side
# table and writes it into bench/README.md, its headline rows into README.md
# (between <!-- bench:begin --> and <!-- bench:end -->). Everything runs inside a private network namespace
# (tests/lib/netns.sh); every process is started and stopped by PID. Bounded:
# the H264 run is killed after 590 s (it normally takes ~7-8 minutes), the
# H265 rows (bench/h265.mjs, ~3 minutes) after 400 s, the audio rows
# (bench/audio.mjs, ~2 minutes) after 300 s, the quality auto rows
# (bench/auto.mjs, ~4 minutes) after 400 s.
#
# Env: MS_BUILD_DIR (plugin build dir, default build-bench: built here when
#      missing), BENCH_QUICK=1 (tiny n, no README: a smoke run),
#      BENCH_NO_README=1. Output: bench/output/<stamp>/ (results.json, logs).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
export MS_BUILD_DIR="${MS_BUILD_DIR:-$REPO/build-bench}"
case "$MS_BUILD_DIR" in /*) ;; *) MS_BUILD_DIR="$REPO/$MS_BUILD_DIR" ;; esac

# Before the namespace (it has no route out): packages, npm deps, the plugin.
need=()
for p in janus janus-dev ffmpeg chromium nodejs build-essential autoconf automake libtool pkgconf iproute2 fonts-dejavu-core; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "bench: installing ${need[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
if [ ! -d tests/node_modules/playwright-core ] || [ ! -d tests/node_modules/werift ]; then
	echo "bench: npm ci in tests/ (werift, ws, playwright-core; no browser download)" >&2
	(cd tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2)
fi
if [ ! -f "$MS_BUILD_DIR/.libs/libjanus_multistream.so" ] || [ -n "$(find plugin -newer "$MS_BUILD_DIR/.libs/libjanus_multistream.so" -name '*.[ch]' 2>/dev/null | head -1)" ]; then
	echo "bench: building the plugin in $MS_BUILD_DIR" >&2
	[ -x configure ] || autoreconf -fi >&2
	mkdir -p "$MS_BUILD_DIR"
	(cd "$MS_BUILD_DIR" && { [ -f Makefile ] || "$REPO/configure" >&2; } && make -j2 >&2)
fi

timeout -k 10 590 bash tests/lib/netns.sh node bench/bench.mjs
# The H265 rows (passthrough switches, cold/warm transcode in Chromium,
# transcode CPU): same run, after the H264 table above
timeout -k 10 400 bash tests/lib/netns.sh node bench/h265.mjs
# The audio rows (focus changes, A/V offset, AAC -> Opus CPU)
timeout -k 10 300 bash tests/lib/netns.sh node bench/audio.mjs
# The quality auto rows (a fixed and an auto wall under a bandwidth cap, resize)
exec timeout -k 10 400 bash tests/lib/netns.sh node bench/auto.mjs
