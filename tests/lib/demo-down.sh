#!/usr/bin/env bash
# tests/lib/demo-down.sh: stop what tests/lib/demo-up.sh started, by PID.
# SIGTERM to the supervisor (node demo-env.mjs, which stops Janus and the
# cameras by PID), SIGKILL after 10 s; then any child PID it recorded that is
# still alive (the supervisor was killed hard) gets the same. A PID is only
# signalled while its command line is still ours (no recycled PIDs).
# State: $MS_DEMO_STATE (default /tmp/janus-multistream-demo).
set -uo pipefail

state="${MS_DEMO_STATE:-/tmp/janus-multistream-demo}"
[ -d "$state" ] || exit 0

ours() { # PID PATTERN: alive and its command line matches
	[ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q -- "$2"
}
stop_pid() { # PID PATTERN
	local pid="$1" pat="$2" i
	ours "$pid" "$pat" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do
		ours "$pid" "$pat" || return 0
		sleep 0.1
	done
	echo "demo-down.sh: PID $pid ($pat) ignored SIGTERM for 10 s: SIGKILL" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

sup=""
for f in supervisor.pid demo-up.pid; do
	if [ -f "$state/$f" ]; then sup="$(cat "$state/$f")"; break; fi
done
children=""
[ -f "$state/children.pids" ] && children="$(cat "$state/children.pids")"
if [ -n "$sup" ]; then
	stop_pid "$sup" "demo-env.mjs"
fi
for pid in $children; do
	stop_pid "$pid" "janus\|ffmpeg"
done
rm -f "$state/supervisor.pid" "$state/demo-up.pid" "$state/children.pids"
echo "demo-down.sh: stopped" >&2
