#!/usr/bin/env bash
# tests/lib/demo-up.sh: start the demo's back end (Janus + plugin + cameras)
# in the background, for html/demo.sh.
#
#   demo-up.sh [--ws-port 8188] [--public-host HOST] [--linger 5] [--pinned]
#
# Starts `node tests/lib/demo-env.mjs up` in its own session (setsid: Ctrl-C
# in the terminal reaches demo.sh, whose trap runs demo-down.sh, which stops
# it by PID). Waits until Janus answers and the cameras run, then prints the
# Janus WebSocket URL (ws://PUBLIC-HOST:PORT) as its last stdout line.
# Default: host network (Janus gathers on every interface, WebSocket on
# 0.0.0.0). --pinned: the test setup instead (ICE pinned to the private
# namespace's veth, WebSocket on 127.0.0.1; needs tests/lib/netns.sh).
#
# State (PIDs, manifest demo.json, supervisor log): $MS_DEMO_STATE
# (default /tmp/janus-multistream-demo). Env MS_BUILD_DIR picks the plugin
# build, MS_DEMO_SOURCES the camera kind (rtp).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${MS_DEMO_STATE:-/tmp/janus-multistream-demo}"
ws_port=8188
public_host=127.0.0.1
linger=5
net=--host-network
while [ $# -gt 0 ]; do
	case "$1" in
		--ws-port) ws_port="$2"; shift 2 ;;
		--public-host) public_host="$2"; shift 2 ;;
		--linger) linger="$2"; shift 2 ;;
		--pinned) net=""; shift ;;
		*) echo "demo-up.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

mkdir -p "$state"
if [ -f "$state/supervisor.pid" ] && kill -0 "$(cat "$state/supervisor.pid")" 2>/dev/null; then
	echo "demo-up.sh: a demo is already running (PID $(cat "$state/supervisor.pid"), state $state); stop it with tests/lib/demo-down.sh" >&2
	exit 1
fi
log="$state/demo-env.log"
: > "$log"
# Not a process-group leader here (no job control), so setsid runs node in a
# new session without forking: $! is node's PID.
setsid node "$here/demo-env.mjs" up --state "$state" --ws-port "$ws_port" --linger "$linger" $net \
	> "$log" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$state/demo-up.pid"
echo "demo-up.sh: starting Janus and 9 cameras (PID $pid, log $log)" >&2

deadline=$(( $(date +%s) + 60 ))
while :; do
	if grep -q '^READY ' "$log"; then break; fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "demo-up.sh: the demo back end exited before it was ready:" >&2
		tail -40 "$log" >&2
		exit 1
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "demo-up.sh: not ready after 60 s:" >&2
		tail -40 "$log" >&2
		exit 1
	fi
	sleep 0.2
done
grep '^demo-env:' "$log" >&2 || true
echo "ws://$public_host:$ws_port"
