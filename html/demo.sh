#!/usr/bin/env bash
# demo.sh: build the browser client and serve the camera wall.
#
#   html/demo.sh [--port 8080] [--host 127.0.0.1] [--janus ws://HOST:8188]
#
# 1. npm ci + npm run build in js-client/ (skipped with --no-build)
# 2. HOOK: start Janus with janus.plugin.multistream and the test cameras.
#    That part lives in tests/lib (written separately). If tests/lib/demo-up.sh
#    exists and is executable it is run here with the same arguments; it must
#    start Janus (+ cameras) in the background, print the Janus WebSocket URL
#    on its last stdout line, and leave its processes to be stopped by
#    tests/lib/demo-down.sh (run on exit). Without it, point the page at a
#    Janus you run yourself: --janus ws://HOST:PORT (default ws://<page host>:8188).
# 3. serve html/ at / and js-client/dist/browser at /client/ (node html/serve.mjs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
port=8080
host=127.0.0.1
janus=""
build=1
while [ $# -gt 0 ]; do
	case "$1" in
		--port) port="$2"; shift 2 ;;
		--host) host="$2"; shift 2 ;;
		--janus) janus="$2"; shift 2 ;;
		--no-build) build=0; shift ;;
		-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
		*) echo "demo.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

if [ "$build" = 1 ]; then
	echo "demo.sh: building js-client" >&2
	(cd "$root/js-client" && npm ci --no-audit --no-fund && npm run build)
fi
if [ ! -f "$root/js-client/dist/browser/multistream-client.js" ]; then
	echo "demo.sh: js-client/dist/browser/multistream-client.js missing (run without --no-build)" >&2
	exit 1
fi

# --- hook: Janus + cameras (tests/lib) ---------------------------------------
up="$root/tests/lib/demo-up.sh"
down="$root/tests/lib/demo-down.sh"
if [ -z "$janus" ] && [ -x "$up" ]; then
	janus="$("$up" "$@" | tail -n 1)"
fi
# ------------------------------------------------------------------------------

page="http://$host:$port/"
if [ -n "$janus" ]; then
	page="${page}?janus=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$janus")"
fi
echo "demo.sh: open $page" >&2
node "$here/serve.mjs" --port "$port" --host "$host" &
server=$!
trap 'kill "$server" 2>/dev/null || true; [ -x "$down" ] && "$down" || true' EXIT
trap 'exit 130' INT TERM
wait "$server"
