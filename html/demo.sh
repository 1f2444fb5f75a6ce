#!/usr/bin/env bash
# demo.sh: the camera-wall demo in one command (root, Debian 12).
#
#   bash html/demo.sh [--port 8080] [--ws-port 8188] [--host 0.0.0.0]
#                     [--public-host HOST] [--janus ws://HOST:PORT]
#                     [--no-setup] [--no-build] [--check]
#
# 1. bash tests/setup.sh: Debian packages (janus, ffmpeg, chromium, node...),
#    npm packages of tests/, the plugin build (skipped with --no-setup)
# 2. npm ci (when needed) + npm run build in js-client/ (skipped with --no-build)
# 3. tests/lib/demo-up.sh: Janus with janus.plugin.multistream and 9 synthetic
#    colour cameras, each in a grid quality and a high quality, on this host's
#    network (WebSocket on 0.0.0.0:WS-PORT). Skipped with --janus (then point
#    the page at a Janus you run yourself).
# 4. node html/serve.mjs: html/ at / and js-client/dist/browser at /client/,
#    bound to HOST (0.0.0.0), and prints the URL to open:
#      http://PUBLIC-HOST:8080/?janus=ws://PUBLIC-HOST:8188&layout=3x3
#    PUBLIC-HOST defaults to this machine's first address (hostname -I).
# Ctrl-C stops everything it started, by PID (tests/lib/demo-down.sh).
#
# --check: run the whole demo inside a private network namespace
# (tests/lib/netns.sh), open it in headless Chromium, wait for the 9 tiles to
# play, save tests/output/demo-wall.png, print what each tile shows, click a
# tile (and double-click it back), stop everything; exit 0 when it all worked.
# For machines without a display (and without a browser user).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
port=8080
ws_port=8188
host=0.0.0.0
public_host=""
janus=""
setup=1
build=1
check=0
inner=0
while [ $# -gt 0 ]; do
	case "$1" in
		--port) port="$2"; shift 2 ;;
		--ws-port) ws_port="$2"; shift 2 ;;
		--host) host="$2"; shift 2 ;;
		--public-host) public_host="$2"; shift 2 ;;
		--janus) janus="$2"; shift 2 ;;
		--no-setup) setup=0; shift ;;
		--no-build) build=0; shift ;;
		--check) check=1; shift ;;
		--inner-check) inner=1; shift ;;   # internal: the --check run inside the namespace
		-h|--help) sed -n '2,26p' "$0"; exit 0 ;;
		*) echo "demo.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

if [ "$setup" = 1 ]; then
	echo "demo.sh: installing and building (tests/setup.sh)" >&2
	bash "$root/tests/setup.sh" >&2
fi
if [ "$build" = 1 ]; then
	echo "demo.sh: building js-client" >&2
	(
		cd "$root/js-client"
		if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
			npm ci --no-audit --no-fund
		fi
		npm run build
	) >&2
fi
if [ ! -f "$root/js-client/dist/browser/multistream-client.js" ]; then
	echo "demo.sh: js-client/dist/browser/multistream-client.js missing (run without --no-build)" >&2
	exit 1
fi

if [ "$check" = 1 ]; then
	# Everything again inside a private namespace: no route out, so nothing
	# leaves this machine; ports are private to the namespace.
	echo "demo.sh: --check: running the demo in a private network namespace" >&2
	exec bash "$root/tests/lib/netns.sh" bash "$0" --inner-check --no-setup --no-build \
		--port "$port" --ws-port "$ws_port"
fi
if [ "$inner" = 1 ]; then
	host=127.0.0.1
	public_host=127.0.0.1
fi

if [ -z "$public_host" ]; then
	public_host="$(hostname -I 2>/dev/null | awk '{print $1}')"
	public_host="${public_host:-127.0.0.1}"
fi

# --- Janus + cameras (tests/lib/demo-up.sh; stopped by demo-down.sh) --------
up="$root/tests/lib/demo-up.sh"
down="$root/tests/lib/demo-down.sh"
server=""
started_up=0
MS_DEMO_STATE="$(mktemp -d /tmp/ms-demo.XXXXXX)"
export MS_DEMO_STATE
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	if [ "$started_up" = 1 ]; then bash "$down" || true; fi
	rm -rf "$MS_DEMO_STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "$janus" ]; then
	started_up=1
	janus="$(bash "$up" --ws-port "$ws_port" --public-host "$public_host" | tail -n 1)"
	case "$janus" in ws://*) ;; *) echo "demo.sh: Janus did not start" >&2; exit 1 ;; esac
fi
# ------------------------------------------------------------------------------

page="http://$public_host:$port/?janus=$janus&layout=3x3"
node "$here/serve.mjs" --port "$port" --host "$host" > /dev/null &
server=$!
# Wait until the page is served.
for _ in $(seq 1 50); do
	if node -e "fetch('http://127.0.0.1:$port/').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null; then break; fi
	if ! kill -0 "$server" 2>/dev/null; then echo "demo.sh: serve.mjs exited (port $port busy?)" >&2; exit 1; fi
	sleep 0.1
done

if [ "$inner" = 1 ]; then
	rc=0
	node "$root/tests/e2e/demo-check.mjs" --url "$page" --manifest "$MS_DEMO_STATE/demo.json" \
		--screenshot "$root/tests/output/demo-wall.png" || rc=$?
	exit "$rc"
fi

echo
echo "  Camera wall:  $page"
if [ "$public_host" != 127.0.0.1 ]; then
	echo "  (on this machine: http://127.0.0.1:$port/?janus=ws://127.0.0.1:$ws_port&layout=3x3)"
fi
echo "  Janus WebSocket: $janus   (Ctrl-C stops everything)"
echo
wait "$server"
