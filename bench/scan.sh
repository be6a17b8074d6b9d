#!/usr/bin/env bash
# scan.sh - library benchmarks (`make bench-library`; not part of make test):
#   1. scan 10,000 tagged files (MP3 and FLAC copies of two short ffmpeg-made files, each with its
#      own tags, bench/scan_make.py) with `soundroom scan`, and run ffprobe over the same files in
#      the same run: files per second for each;
#   2. full-text search latency (p50/p99) on 100,000 synthetic tracks (bench/scan_fts.c).
# Writes bench/RESULTS-library.md. Env: FILES (10000), TRACKS (100000), QUERIES (2000),
# SOUNDROOM_BIN, BENCH_FTS (built by the make target), OUT (bench/out/library-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-10000}
TRACKS=${TRACKS:-100000}
QUERIES=${QUERIES:-2000}
BIN=${SOUNDROOM_BIN:-build/soundroom}
FTS=${BENCH_FTS:-build/bench-fts}
OUT=${OUT:-bench/out/library-bench}
NPROC=$(nproc)
rm -rf "$OUT"
mkdir -p "$OUT"
FF=(ffmpeg -hide_banner -loglevel error -nostdin -y)
"${FF[@]}" -f lavfi -i "sine=f=440:d=1" -c:a libmp3lame -b:a 64k -id3v2_version 0 -write_id3v1 0 "$OUT/base.mp3"
"${FF[@]}" -f lavfi -i "sine=f=523:d=1" -c:a flac "$OUT/base.flac"
echo "bench-library: making $FILES files"
python3 bench/scan_make.py "$OUT/base.mp3" "$OUT/base.flac" "$OUT/lib" "$FILES"
find "$OUT/lib" -type f -print0 | sort -z > "$OUT/files"
nfiles=$(tr -cd '\0' < "$OUT/files" | wc -c)
bytes=$(du -sb "$OUT/lib" | cut -f1)
xargs -0 cat < "$OUT/files" > /dev/null # warm the page cache for both contenders

# timed CMD...: runs CMD and prints "wall_s cpu_s" (user + system of it and its children)
timed() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{time.monotonic() - t:.2f} {r.ru_utime + r.ru_stime:.2f}")
PY
}

echo "bench-library: soundroom scan"
read -r scan_s scan_cpu < <(timed "$BIN" scan "$OUT/lib" --data "$OUT/data" --log-level warn)
found=$(sqlite3 "$OUT/data/soundroom.db" "SELECT count(*) FROM tracks WHERE available = 1" 2>/dev/null || echo "?")
echo "bench-library: soundroom rescan (nothing changed)"
read -r rescan_s rescan_cpu < <(timed "$BIN" scan "$OUT/lib" --data "$OUT/data" --log-level warn)
echo "bench-library: ffprobe, $NPROC in parallel"
read -r ffp_s ffp_cpu < <(timed sh -c "xargs -0 -P $NPROC -n 1 ffprobe -v error -show_format -show_streams -of json < '$OUT/files' > '$OUT/ffprobe.json'")
probed=$(grep -c '"format_name"' "$OUT/ffprobe.json")

echo "bench-library: FTS on $TRACKS tracks"
rm -f "$OUT/fts.db"*
fts=$("$FTS" "$OUT/fts.db" "$TRACKS" "$QUERIES" 2> /dev/null)
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$fts"; }

rate() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.0f}')" "$@"; }
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
cat > bench/RESULTS-library.md <<MD
# Library benchmarks

Made by \`make bench-library\` (bench/scan.sh) on $(date -u +%Y-%m-%d) — $NPROC CPUs ($cpu), Linux
$(uname -r), $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 | sed 's/^/SQLite /') $(ffprobe -version | head -1 | cut -d' ' -f1-3).
One run, files in the page cache. The machine is shared (load average $(cut -d' ' -f1-3 /proc/loadavg) when the
report was written), so wall times are noisy; CPU seconds (user + system, children included) are
the steadier comparison.

## Scanning $nfiles files

$nfiles files ($((bytes / 1024 / 1024)) MiB) in 100 folders: half MP3 (ID3v2.3 tags), half FLAC
(Vorbis comments), each a one-second copy of a file ffmpeg made, with its own title, artist,
album and track number (bench/scan_make.py). The same files, the same run:

| what | wall | files/s (wall) | CPU | files per CPU-second |
|------|-----:|---------------:|----:|---------------------:|
| \`soundroom scan\`: walk, probe with libavformat (tags, duration, cover), identity, write to SQLite in batches of 256; one thread | ${scan_s} s | $(rate "$nfiles" "$scan_s") | ${scan_cpu} s | $(rate "$nfiles" "$scan_cpu") |
| \`soundroom scan\` again, nothing changed (size and mtime known: no file is opened) | ${rescan_s} s | $(rate "$nfiles" "$rescan_s") | ${rescan_cpu} s | $(rate "$nfiles" "$rescan_cpu") |
| \`ffprobe -show_format -show_streams -of json\`, one process per file, $NPROC at a time | ${ffp_s} s | $(rate "$nfiles" "$ffp_s") | ${ffp_cpu} s | $(rate "$nfiles" "$ffp_cpu") |

soundroom found $found tracks; ffprobe read $probed files. ffprobe pays a process start per
file and does not write anything; the scanner probes in-process and also stores every track.

## Full-text search on $(kv tracks) tracks

$(kv tracks) synthetic tracks (2–4 word titles, 1–2 word artists, 1–3 word albums from a
vocabulary of 56 words, a third of them glued in pairs with a number, so about
300,000 distinct tokens) inserted through the store's upsert in $(kv insert_s) s, so the FTS5
index is kept by the same triggers as in production. $(kv queries) queries of one or two words, the
last one cut to 3–6 letters as if still typing, each matched as a prefix, best 50 by rank, on a
read-only connection as the library's reader thread runs them (average $(kv rows_per_query) rows
per query):

| p50 | p90 | p99 | max | mean |
|----:|----:|----:|----:|-----:|
| $(kv p50_ms) ms | $(kv p90_ms) ms | $(kv p99_ms) ms | $(kv max_ms) ms | $(kv mean_ms) ms |

Raw: \`$fts\`
MD
echo "bench-library: wrote bench/RESULTS-library.md"
cat bench/RESULTS-library.md
