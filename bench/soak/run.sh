#!/usr/bin/env bash
# bench/soak/run.sh: soak + load test of janus.plugin.multistream (as root,
# Debian 12). Bounded: stops by itself.
#
#   bash bench/soak/run.sh                      # 10 min load, 50 clients x 9 slots
#   bash bench/soak/run.sh --minutes 10 --clients 50
#   bash bench/soak/run.sh --quick              # ~1 min load, 10 clients (smoke)
#   bash bench/soak/run.sh --capacity           # ramp 10,20,40,60,80 clients x 9 slots
#   bash bench/soak/run.sh --capacity --steps 10,30,50 --window 20
#   other options: --workers N (client processes, default 2-4), --switch-ms 200,
#   --warmup 45 (s of full load before the "start" figures), --slot-gap-ms N,
#   --out DIR (where the raw results go, default tests/output/soak)
#
# Everything runs inside a private network namespace (tests/lib/netns.sh):
# cameras, Janus and clients talk over 127.0.0.1/127.0.0.2 only. Every process
# is started and stopped by PID. Prints a table; writes the raw run to
# tests/output/soak/<stamp>.json (+ logs in tests/output/soak/<stamp>/;
# tests/output/ is ignored by git). Results worth keeping are summarised in
# bench/soak/results.md.
# Env: MS_BUILD_DIR (plugin build dir, default build-soak: built here when
# missing or older than plugin/), SOAK_JANUS_DEBUG (Janus debug level, 4).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
export MS_BUILD_DIR="${MS_BUILD_DIR:-$REPO/build-soak}"
case "$MS_BUILD_DIR" in /*) ;; *) MS_BUILD_DIR="$REPO/$MS_BUILD_DIR" ;; esac

# Time bound from the arguments: load minutes + warm-up + setup/teardown.
minutes=10; capacity=0; quick=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case "${args[$i]}" in
		--minutes) minutes="${args[$((i + 1))]}" ;;
		--capacity) capacity=1 ;;
		--quick) quick=1 ;;
	esac
done
if [ "$quick" = 1 ] && ! printf '%s\n' "$@" | grep -qx -- --minutes; then minutes=1; fi
if [ "$capacity" = 1 ]; then bound=1500; else bound=$(( ${minutes%.*} * 60 + 60 + 420 )); fi

# Before the namespace (it has no route out): packages, npm deps, the plugin.
need=()
for p in janus janus-dev ffmpeg nodejs python3 build-essential autoconf automake libtool pkgconf iproute2 fonts-dejavu-core; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "soak: installing ${need[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
if [ ! -d tests/node_modules/werift ] || [ ! -d tests/node_modules/ws ]; then
	echo "soak: npm ci in tests/ (werift, ws; no browser download)" >&2
	(cd tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2)
fi
if [ ! -f "$MS_BUILD_DIR/.libs/libjanus_multistream.so" ] || [ -n "$(find plugin -newer "$MS_BUILD_DIR/.libs/libjanus_multistream.so" -name '*.[ch]' 2>/dev/null | head -1)" ]; then
	echo "soak: building the plugin in $MS_BUILD_DIR" >&2
	[ -x configure ] || autoreconf -fi >&2
	mkdir -p "$MS_BUILD_DIR"
	(cd "$MS_BUILD_DIR" && { [ -f Makefile ] || "$REPO/configure" >&2; } && make -j2 >&2)
fi

echo "soak: bounded to ${bound} s" >&2
exec timeout -k 10 "$bound" bash tests/lib/netns.sh node bench/soak/soak.mjs "$@"
