#!/usr/bin/env bash
# tests/run.sh: THE test command (`bash tests/run.sh`).
#
#  1. tests/setup.sh       packages, npm deps, plugin build
#  2. make check           unit tests (TAP) in the build dir
#  3. integration + e2e    node:test files inside a private network namespace
#                          (tests/lib/netns.sh), each file bounded in time:
#                          tests/integration/*.test.mjs, then tests/e2e/*.test.mjs
#                          when that directory exists
#  4. the same integration + e2e files again against an ASan+UBSan build of
#     the plugin (build-asan/, runtime preloaded into Janus); any sanitizer
#     report in a Janus log is a failure (MS_SANITIZE=0 skips this pass)
#  5. the totals, last line exactly: `N passed, M failed`
#
# Logs: tests/output/ (setup.log, make-check.log, <file>.log/.tap, Janus logs
# and configs per test, camera logs).
#
# Env: MS_BUILD_DIR (default <repo>/build), MS_SKIP_SETUP=1 (skip step 1),
#      MS_SKIP_UNIT=1 (skip step 2), MS_FILE_TIMEOUT (s per test file, 300),
#      MS_TEST_TIMEOUT (ms per test, 120000).
# Args: optional test file paths (relative to tests/) to run only those.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTS="$REPO/tests"
OUT="$TESTS/output"
BUILD_DIR="${MS_BUILD_DIR:-$REPO/build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$REPO/$BUILD_DIR" ;; esac
export MS_BUILD_DIR="$BUILD_DIR"
FILE_TIMEOUT="${MS_FILE_TIMEOUT:-300}"
TEST_TIMEOUT="${MS_TEST_TIMEOUT:-120000}"

# ---------------------------------------------------------------------------
# Inner part: runs inside the namespace, writes "PASS FAIL SKIP" to a file.
if [ "${1:-}" = "--inner" ]; then
	shift
	totals_file="$1"; shift
	cd "$TESTS"
	files=()
	if [ $# -gt 0 ]; then
		files=("$@")
	else
		shopt -s nullglob
		files=(integration/*.test.mjs)
		if [ -d e2e ]; then files+=(e2e/*.test.mjs); fi
		shopt -u nullglob
	fi
	# Exit each file's process once its tests are done even if a library
	# (werift) left sockets open (node >= 20.14; older node: lib/fixture.mjs
	# exits on its own after stopping everything).
	force_exit=()
	if node --help 2>/dev/null | grep -q -- '--test-force-exit'; then force_exit=(--test-force-exit); fi
	p=0 f=0 s=0
	for file in "${files[@]}"; do
		name="$(echo "$file" | tr '/' '_')"
		name="${name%.test.mjs}"
		name="${MS_RUN_TAG:+$MS_RUN_TAG-}$name"
		tap="$OUT/$name.tap"
		log="$OUT/$name.log"
		echo "=== $file (bounded to ${FILE_TIMEOUT}s) ==="
		start=$(date +%s)
		timeout -k 10 "$FILE_TIMEOUT" node --test "${force_exit[@]}" \
			--test-timeout="$TEST_TIMEOUT" \
			--test-reporter=spec --test-reporter-destination=stdout \
			--test-reporter=tap --test-reporter-destination="$tap" \
			"$file" > "$log" 2>&1
		rc=$?
		cat "$log"
		# Totals: the TAP file's summary, else the spec reporter's (a forced
		# exit can cut the TAP file's tail).
		count() {
			local v
			v=$(grep -E "^# $1 [0-9]+\$" "$tap" 2>/dev/null | tail -1 | awk '{print $3}')
			[ -n "$v" ] || v=$(grep -E "^ℹ $1 [0-9]+\$" "$log" 2>/dev/null | tail -1 | awk '{print $3}')
			echo "$v"
		}
		fp=$(count pass) ff=$(count fail) fc=$(count cancelled) fs=$(count skipped)
		fp=${fp:-0} ff=${ff:-0} fc=${fc:-0} fs=${fs:-0}
		ff=$((ff + fc))
		if [ "$rc" -ne 0 ] && [ "$ff" -eq 0 ]; then
			# Killed by the time bound, or crashed before reporting a failure.
			echo "!!! $file exited with status $rc (124/137 = time bound hit) without a counted failure: counting 1 failure"
			ff=1
		fi
		echo "=== $file: $fp passed, $ff failed, $fs skipped in $(( $(date +%s) - start ))s ==="
		p=$((p + fp)) f=$((f + ff)) s=$((s + fs))
	done
	echo "$p $f $s" > "$totals_file"
	exit 0
fi

# ---------------------------------------------------------------------------
mkdir -p "$OUT"
# Others (bench, demos, parallel runs) write here too: remove only our own files.
rm -f "$OUT/setup.log" "$OUT/make-check.log" "$OUT/node-totals.txt" "$OUT"/integration_*.log "$OUT"/integration_*.tap "$OUT"/e2e_*.log "$OUT"/e2e_*.tap
pass=0 fail=0 skipped=0
t0=$(date +%s)

# 1. setup
if [ "${MS_SKIP_SETUP:-}" != "1" ]; then
	echo "### setup (tests/setup.sh, log: tests/output/setup.log)"
	bash "$TESTS/setup.sh" > "$OUT/setup.log" 2>&1
	rc=$?
	grep '^setup:' "$OUT/setup.log"
	if [ $rc -ne 0 ]; then
		echo "### setup FAILED (exit $rc); last lines:"
		tail -30 "$OUT/setup.log"
		fail=$((fail + 1))
	fi
fi

# 2. unit tests
if [ "${MS_SKIP_UNIT:-}" != "1" ]; then
	echo "### make check in $BUILD_DIR (log: tests/output/make-check.log)"
	if [ -f "$BUILD_DIR/Makefile" ]; then
		(cd "$BUILD_DIR" && timeout -k 10 600 make -j2 check) > "$OUT/make-check.log" 2>&1
		rc=$?
		grep -E '^(PASS|FAIL|ERROR|XPASS|XFAIL|SKIP):' "$OUT/make-check.log" | grep -v '^PASS:' | head -50
		summary() { grep -E "^# $1: +[0-9]+" "$OUT/make-check.log" | tail -1 | awk '{print $3}'; }
		up=$(summary PASS); uf=$(summary FAIL); ue=$(summary ERROR); ux=$(summary XPASS); us=$(summary SKIP)
		up=${up:-0} uf=${uf:-0} ue=${ue:-0} ux=${ux:-0} us=${us:-0}
		ufail=$((uf + ue + ux))
		if [ $rc -ne 0 ] && [ $ufail -eq 0 ]; then
			echo "### make check exited $rc with no failed test counted (build error?):"
			tail -30 "$OUT/make-check.log"
			ufail=1
		fi
		echo "### unit: $up passed, $ufail failed, $us skipped"
		pass=$((pass + up)) fail=$((fail + ufail)) skipped=$((skipped + us))
	else
		echo "### no $BUILD_DIR/Makefile: unit tests cannot run"
		fail=$((fail + 1))
	fi
fi

# 2b. js-client unit tests (vitest, fake Janus, no browser) and type checks
if [ "${MS_SKIP_UNIT:-}" != "1" ]; then
	echo "### js-client: vitest + typecheck (log: tests/output/js-client.log)"
	(cd "$REPO/js-client" && NO_COLOR=1 FORCE_COLOR=0 timeout -k 10 300 npx vitest run --reporter=default) > "$OUT/js-client.log" 2>&1
	rc=$?
	jp=$(grep -E '^ +Tests +' "$OUT/js-client.log" | tail -1 | grep -oE '[0-9]+ passed' | awk '{print $1}')
	jf=$(grep -E '^ +Tests +' "$OUT/js-client.log" | tail -1 | grep -oE '[0-9]+ failed' | awk '{print $1}')
	jp=${jp:-0} jf=${jf:-0}
	if [ $rc -ne 0 ] && [ "$jf" -eq 0 ]; then
		tail -30 "$OUT/js-client.log"
		jf=1
	fi
	(cd "$REPO/js-client" && timeout -k 10 300 npm run typecheck) >> "$OUT/js-client.log" 2>&1
	if [ $? -eq 0 ]; then
		jp=$((jp + 1))
	else
		echo "### js-client typecheck FAILED"
		tail -20 "$OUT/js-client.log"
		jf=$((jf + 1))
	fi
	echo "### js-client: $jp passed, $jf failed (vitest tests + typecheck)"
	pass=$((pass + jp)) fail=$((fail + jf))
fi

# 3. integration (+ e2e) inside a private network namespace
echo "### integration tests in a private network namespace"
export MS_REQUIRE_PLUGIN=1   # a missing plugin fails the plugin tests instead of skipping them
totals="$OUT/node-totals.txt"
rm -f "$totals"
bash "$TESTS/lib/netns.sh" bash "$TESTS/run.sh" --inner "$totals" "$@"
rc=$?
if [ -f "$totals" ]; then
	read -r np nf ns < "$totals"
	pass=$((pass + np)) fail=$((fail + nf)) skipped=$((skipped + ns))
else
	echo "### the namespace runner failed (exit $rc) before reporting totals"
	fail=$((fail + 1))
fi

# 4. The same integration and browser tests against an AddressSanitizer +
# UBSan build of the plugin (Janus is not instrumented: the runtime is
# preloaded into Janus only). Any sanitizer report in a Janus log fails.
if [ "${MS_SANITIZE:-1}" != "0" ]; then
	asan_dir="$REPO/build-asan"
	echo "### sanitizer pass: plugin with ASan+UBSan in $asan_dir (log: tests/output/asan-build.log)"
	(
		set -e
		mkdir -p "$asan_dir" && cd "$asan_dir"
		if [ ! -f Makefile ] || [ "$REPO/configure" -nt config.status ]; then
			"$REPO/configure" --enable-werror --enable-sanitizers
		fi
		make -j2
	) > "$OUT/asan-build.log" 2>&1
	if [ $? -ne 0 ] || [ ! -f "$asan_dir/.libs/libjanus_multistream.so" ]; then
		echo "### sanitizer build FAILED"
		tail -20 "$OUT/asan-build.log"
		fail=$((fail + 1))
	else
		totals_asan="$OUT/node-totals-asan.txt"
		rm -f "$totals_asan"
		MS_BUILD_DIR="$asan_dir" MS_RUN_TAG=asan MS_JANUS_PRELOAD="$(gcc -print-file-name=libasan.so)" \
			bash "$TESTS/lib/netns.sh" bash "$TESTS/run.sh" --inner "$totals_asan" "$@"
		if [ -f "$totals_asan" ]; then
			read -r np nf ns < "$totals_asan"
			pass=$((pass + np)) fail=$((fail + nf)) skipped=$((skipped + ns))
		else
			echo "### the sanitizer runner failed before reporting totals"
			fail=$((fail + 1))
		fi
		reports=$(grep -rlE "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer" "$OUT" --include='janus*.log' 2>/dev/null | wc -l)
		if [ "$reports" -gt 0 ]; then
			echo "### sanitizer reports in $reports Janus log(s):"
			grep -rlE "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer" "$OUT" --include='janus*.log' | head
			fail=$((fail + reports))
		else
			echo "### sanitizer pass: 0 reports"
			pass=$((pass + 1))
		fi
	fi
fi

echo "### done in $(( $(date +%s) - t0 ))s; logs in tests/output/ (${skipped} skipped)"
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
