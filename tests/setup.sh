#!/usr/bin/env bash
# tests/setup.sh: install what the tests need and build the plugin.
# Idempotent; runs as root on a fresh Debian 12. Reruns are fast: apt is
# skipped when every package is installed, npm when node_modules matches the
# lockfile, configure when the build dir is configured. Never downloads a
# browser (playwright-core only drives Debian's /usr/bin/chromium).
#
# Env: MS_BUILD_DIR (default <repo>/build), MS_SETUP_NO_BUILD=1 to skip the build.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTS="$REPO/tests"
BUILD_DIR="${MS_BUILD_DIR:-$REPO/build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$REPO/$BUILD_DIR" ;; esac

say() { echo "setup: $*"; }

PKGS=(
	janus janus-dev build-essential pkgconf autoconf automake libtool
	ffmpeg iproute2 util-linux chromium
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
	gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gir1.2-gst-rtsp-server-1.0
	gstreamer1.0-libav            # avenc_aac: AAC audio mounts of tests/lib/rtsp-camera.py
	python3-gi nodejs npm clang fonts-dejavu-core
	dpkg-dev debhelper fakeroot   # the .deb (debian/, integration/package.test.mjs)
	libconfig-dev                 # tests/unit/test_cfg parses its texts as Janus does
)

# 1. Debian packages
missing=()
for p in "${PKGS[@]}"; do
	# A nodejs build that bundles npm (e.g. NodeSource) conflicts with
	# Debian's npm package: a working npm command is enough.
	if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	say "all ${#PKGS[@]} Debian packages present, skipping apt"
else
	if [ "$(id -u)" != "0" ]; then
		echo "setup: missing packages (${missing[*]}) and not root: cannot apt-get install" >&2
		exit 1
	fi
	say "installing missing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y "${missing[@]}"
fi

# 2. npm packages (werift, ws, playwright-core) in tests/
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# npm ci in DIR unless node_modules is newer than package.json and its lockfile
npm_deps() {
	cd "$1"
	if [ ! -f package-lock.json ]; then
		say "no package-lock.json: npm install in $2"
		npm install --no-audit --no-fund
	elif [ -f node_modules/.package-lock.json ] \
		&& [ node_modules/.package-lock.json -nt package-lock.json ] \
		&& [ node_modules/.package-lock.json -nt package.json ]; then
		say "$2 node_modules up to date with package-lock.json, skipping npm ci"
	else
		say "npm ci in $2"
		npm ci --no-audit --no-fund
	fi
}
npm_deps "$TESTS" tests/

# 2b. The browser client (js-client/): npm ci + build (the wall and the e2e
# tests load js-client/dist/browser/multistream-client.js)
npm_deps "$REPO/js-client" js-client/
if [ "${MS_SETUP_NO_BUILD:-}" != "1" ]; then
	say "building js-client (tsc + browser bundle)"
	npm run build
fi

# 3. The plugin
if [ "${MS_SETUP_NO_BUILD:-}" = "1" ]; then
	say "MS_SETUP_NO_BUILD=1: not building the plugin"
	exit 0
fi
cd "$REPO"
if [ ! -x configure ]; then
	say "autoreconf -fi (no ./configure yet)"
	autoreconf -fi
fi
mkdir -p "$BUILD_DIR"
cd "$BUILD_DIR"
if [ ! -f Makefile ] || [ "$REPO/configure" -nt config.status ]; then
	say "configuring in $BUILD_DIR (--enable-werror)"
	"$REPO/configure" --enable-werror
fi
say "make -j2 in $BUILD_DIR"
make -j2
if [ -f "$BUILD_DIR/.libs/libjanus_multistream.so" ]; then
	say "plugin built: $BUILD_DIR/.libs/libjanus_multistream.so"
else
	say "WARNING: make succeeded but $BUILD_DIR/.libs/libjanus_multistream.so is missing"
fi
