#!/bin/bash
# fuzz.sh - `make fuzz`: builds every libFuzzer driver in tests/fuzz with clang (ASan+UBSan)
# and runs each for FUZZ_SECONDS (default 30) from its seed corpus. Not part of `make test`.
# A crash or leak stops the run and leaves the input in build/fuzz/ (crash-*, leak-*).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-30}
OUT=build/fuzz
mkdir -p "$OUT"
CC="clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
UTIL="src/util/util.c src/util/log.c src/util/alloc.c src/util/vec.c"
declare -A SRC=(
    [proto]="src/proto/proto.c $UTIL -ljansson"
    [range]="src/net/range.c"
    [wsguard]="src/net/wsguard.c $UTIL"
    [playlist_m3u]="-DPARSE=sr_playlist_parse_m3u src/source/playlist.c $UTIL -lm"
    [playlist_pls]="-DPARSE=sr_playlist_parse_pls src/source/playlist.c $UTIL -lm"
    [playlist_xspf]="-DPARSE=sr_playlist_parse_xspf src/source/playlist.c $UTIL -lm"
    [thumb]="src/source/thumb.c $UTIL $(pkg-config --libs libavcodec libavutil libswscale 2>/dev/null) -lm"
)
declare -A CORPUS=([proto]=proto [playlist_m3u]=m3u [playlist_pls]=pls [playlist_xspf]=xspf [thumb]=thumb)
pass=0 fail=0
for d in proto range wsguard playlist_m3u playlist_pls playlist_xspf thumb; do
    # shellcheck disable=SC2086
    src="tests/fuzz/fuzz_${d%%_*}.c" # fuzz_playlist_m3u: the one playlist driver, built per parser
    [ -f "tests/fuzz/fuzz_$d.c" ] && src="tests/fuzz/fuzz_$d.c"
    $CC "$src" ${SRC[$d]} -o "$OUT/fuzz_$d"
    work="$OUT/corpus-$d"
    mkdir -p "$work"
    seeds=()
    [ -n "${CORPUS[$d]:-}" ] && seeds=("tests/fuzz/corpus/${CORPUS[$d]}")
    echo "== fuzz_$d for ${SECS}s"
    if (cd "$OUT" && "./fuzz_$d" -max_total_time="$SECS" -max_len=65536 -print_final_stats=0 \
        "corpus-$d" "${seeds[@]/#/../../}" 2>"fuzz_$d.log"); then
        pass=$((pass + 1))
        grep -E "^Done" "$OUT/fuzz_$d.log" || true
    else
        fail=$((fail + 1))
        tail -30 "$OUT/fuzz_$d.log"
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
