#!/usr/bin/env bash
# tests/fuzz/run.sh TARGET [RUNS] [SECONDS]
#
# Build one libFuzzer target (tests/fuzz/fuzz_TARGET.c) with clang, ASan and
# UBSan, and run it from a scratch copy of its seed corpus
# (tests/fuzz/corpus/TARGET) until RUNS executions (default 10 million) or
# SECONDS (default 1800) pass. Crashes land in tests/fuzz/crashes/TARGET/:
# fix the bug, then copy the input into the seed corpus as a regression case
# (make check replays every corpus file under gcc).
#   targets: rtp protocol sdp
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${1:?usage: run.sh TARGET [RUNS] [SECONDS]}"
runs="${2:-10000000}"
secs="${3:-1800}"
case "$target" in
	rtp) srcs="plugin/ms_rtp.c plugin/ms_h264.c plugin/ms_h265.c plugin/ms_codec.c plugin/ms_gop.c plugin/ms_rewrite.c"; pkgs="glib-2.0" ;;
	protocol) srcs="plugin/ms_protocol.c plugin/ms_slot.c"; pkgs="glib-2.0 jansson" ;;
	sdp) srcs="plugin/ms_sdp.c"; pkgs="glib-2.0" ;;
	*) echo "unknown target $target" >&2; exit 2 ;;
esac
out="$repo/tests/output/fuzz-$target"
mkdir -p "$out/corpus" "$repo/tests/fuzz/crashes/$target"
cp -n "$repo/tests/fuzz/corpus/$target/"* "$out/corpus/" 2>/dev/null || true
cd "$repo"
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iplugin \
	$(pkg-config --cflags glib-2.0 jansson) "tests/fuzz/fuzz_$target.c" $srcs \
	$(pkg-config --libs $pkgs) -o "$out/fuzz_$target"
echo "fuzz: $target for $runs runs or ${secs}s"
"$out/fuzz_$target" -runs="$runs" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$repo/tests/fuzz/crashes/$target/" "$out/corpus" 2>&1 | tail -25
