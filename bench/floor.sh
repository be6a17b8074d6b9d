#!/usr/bin/env bash
# floor.sh - the physical floor: runs workloads of bench/run.sh against bench/peer/floor.c (a
# single-threaded epoll server doing nothing but the sockets, with soundroom's message shapes and
# sizes) and against soundroom, taking turns, and prints a table of the median (and range) of each
# figure. docs/performance.md ("The physical floor") reads its figures from here.
#
# Each server is started, pinned and driven exactly as bench/run.sh does it (the server on CPU 0,
# for (b) on CPUs 0,1; the load generator on CPU 1; the same loadgen arguments); keep the two alike.
# Environment: SOUNDROOM_BIN (default build/soundroom), FLOOR_WORKLOADS (default "a b e"),
# FLOOR_RUNS (default 3), FLOOR_SERVERS (default "floor floor-fast soundroom": floor is one thread
# and one send() per member; floor-fast sends a room's frame as soundroom's fan-out does, 64 sends
# per io_uring submission, on two threads pinned one per CPU (--threads 2 --uring 1); also
# floor-uring (one thread, io_uring), floor2 (two threads, send()) and floor-nobatch (each delta its
# own frame)), BENCH_FANOUT_CPUS (as in run.sh, default 0,1),
# BENCH_PORT (default 18761), BENCH_QUIET_PCT / BENCH_QUIET_WAIT (as in run.sh),
# FLOOR_PERF=1 (afterwards, one more storm against each server under `perf record -a`, summarised
# by process and user/kernel, and per CPU in 100 ms slices).
# Everything it writes goes to bench/out/floor/ (and the demo library to bench/out/library, as
# run.sh does; a run's RESULT line, with the CPU samples added, is in
# <server>-<workload>-r<run>.result); the table goes to stdout.
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=bench/out/floor
mkdir -p "$OUT"
LG=$OUT/loadgen
FL=$OUT/floor
log() { printf 'floor: %s\n' "$*" >&2; }
port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$LG" bench/loadgen.c || exit 1
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$FL" bench/peer/floor.c -lcrypto -luring -pthread ||
    exit 1

HARD=$(ulimit -Hn)
[ "$HARD" = unlimited ] && HARD=1048576
ulimit -n "$HARD" 2>/dev/null || true
NOFILE=$(ulimit -n)
FAN_N=10000
((NOFILE - 200 < FAN_N)) && FAN_N=$((NOFILE - 200))
STORM_N=$FAN_N
WORKLOADS=${FLOOR_WORKLOADS:-a b e}
RUNS=${FLOOR_RUNS:-3}
SERVERS=${FLOOR_SERVERS:-floor floor-fast soundroom}
P=${BENCH_PORT:-18761}
while ! port_free "$P"; do P=$((P + 1)); done

SR_BIN=${SOUNDROOM_BIN:-build/soundroom}
if [[ " $SERVERS " == *" soundroom "* ]]; then
    [ -x "$SR_BIN" ] || { log "$SR_BIN missing (make B=build all)"; exit 1; }
    cp "$SR_BIN" "$OUT/soundroom.bin" && SR_BIN=$OUT/soundroom.bin
fi
LIB=bench/out/library
mkdir -p "$LIB"
[ -z "$(ls -A "$LIB")" ] && bash scripts/demo-library.sh "$LIB" >"$OUT/demo-library.log" 2>&1
WEB=web/dist
[ -d "$WEB" ] || { WEB=$OUT/web; mkdir -p "$WEB"; }

# as bench/run.sh
server_cpus() { case $1 in b) echo "${BENCH_FANOUT_CPUS:-0,1}" ;; *) echo 0 ;; esac; }
. bench/common.sh
quiet() { # waits for a quiet machine; prints the busy share it settled for
    local t0 b
    t0=$(date +%s)
    while :; do
        b=$(busy_pct)
        ((b < ${BENCH_QUIET_PCT:-25})) && break
        (($(date +%s) - t0 >= ${BENCH_QUIET_WAIT:-60})) && break
        sleep 5
    done
    echo "$b"
}

# "cpuN_busy_pct=.. cpuN_si_pct=.." for CPUs 0 and 1 between two /proc/stat samples: the busy share
# includes the softirq time that no process is charged with (loopback TCP's receive half)
cpu_sample() { grep -E '^cpu[01] ' /proc/stat; }
cpu_delta() { # before after [key prefix]
    awk -v a="$1" -v b="$2" -v pre="${3:-}" 'BEGIN {
        na = split(a, x, "\n"); split(b, y, "\n")
        for (l = 1; l <= na; l++) {
            split(x[l], p, " "); split(y[l], q, " "); t = 0
            for (i = 2; i <= 11; i++) t += q[i] - p[i]
            idle = (q[5] - p[5]) + (q[6] - p[6]); si = q[8] - p[8]
            printf "%s%s_busy_pct=%.1f %s%s_si_pct=%.1f ", pre, p[1], t ? 100 * (t - idle) / t : 0, pre, p[1], t ? 100 * si / t : 0
        }
    }'
}

# (b): the last listener's latency for messages 1-15 and for messages 16-20 apart (the median
# of each): from the 16th message on, each listener's socket has used up the kernel's quick ACKs
# and every send also arms a delayed-ACK timer (docs/performance.md, "The physical floor")
early_late() {
    tr ' ' '\n' <<<"$1" | grep -m1 '^last_ms_by_msg=' | cut -d= -f2 | tr ',' '\n' | awk '
        { if (NR <= 15) e[++ne] = $1; else l[++nl] = $1 }
        function med(a, n,    i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return n ? a[int((n + 1) / 2)] : -1 }
        END { printf "last_early_p50_ms=%s last_late_p50_ms=%s", med(e, ne), med(l, nl) }'
}

SPID=""
start_server() { # kind workload tag
    local cpus
    cpus=$(server_cpus "$2")
    case $1 in
    soundroom)
        rm -rf "$OUT/data-$3"
        mkdir -p "$OUT/data-$3"
        taskset -c "$cpus" "$SR_BIN" serve --port "$P" --host 0.0.0.0 --data "$OUT/data-$3" \
            --library "$LIB" --web "$WEB" --chat-rate 100000/1 --msg-rate 100000 --pin-threads 1 \
            --log-level warn >"$OUT/$3.log" 2>&1 &
        ;;
    floor) taskset -c "$cpus" "$FL" --port "$P" --host 0.0.0.0 >"$OUT/$3.log" 2>&1 & ;;
    floor2) taskset -c "$cpus" "$FL" --port "$P" --host 0.0.0.0 --threads 2 >"$OUT/$3.log" 2>&1 & ;;
    floor-uring) taskset -c "$cpus" "$FL" --port "$P" --host 0.0.0.0 --uring 1 >"$OUT/$3.log" 2>&1 & ;;
    floor-fast)
        taskset -c "$cpus" "$FL" --port "$P" --host 0.0.0.0 --threads 2 --uring 1 >"$OUT/$3.log" 2>&1 &
        ;;
    floor-nobatch) taskset -c "$cpus" "$FL" --port "$P" --host 0.0.0.0 --batch 0 >"$OUT/$3.log" 2>&1 & ;;
    *) log "unknown server $1"; exit 2 ;;
    esac
    SPID=$!
    local _
    for _ in $(seq 1 150); do
        kill -0 "$SPID" 2>/dev/null || return 1
        curl -sf --max-time 1 "http://127.0.0.1:$P/api/health" 2>/dev/null | grep -q '"ok":true' &&
            { sleep 1; return 0; }
        sleep 0.2
    done
    return 1
}
stop_server() {
    kill -TERM "$1" 2>/dev/null
    local _
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

declare -A RES
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for w in $WORKLOADS; do
    for i in $(seq 1 "$RUNS"); do
        for kind in $SERVERS; do
            tag=$kind-$w-r$i
            b=$(quiet)
            log "($w) round $i: $kind (others busy $b %, load $(cut -d' ' -f1 /proc/loadavg))"
            if ! start_server "$kind" "$w" "$tag"; then
                log "$kind did not start (see $OUT/$tag.log)"
                kill -KILL "$SPID" 2>/dev/null
                continue
            fi
            c0=$(cpu_sample)
            # shellcheck disable=SC2046
            timeout -k 5 "$(lg_timeout "$w")" taskset -c 1 "$LG" $(lg_args "$w") --port "$P" \
                --pid "$SPID" >"$OUT/$tag.result" 2>"$OUT/$tag.loadgen.log" &
            LGP=$!
            win=""
            if [ "$w" = b ]; then # CPU 0 and 1 while the 20 messages go out: 2 s after all joined, 4 s
                while kill -0 "$LGP" 2>/dev/null && ! grep -q ' joined, ' "$OUT/$tag.loadgen.log"; do
                    sleep 0.02
                done
                sleep 2.05
                s0=$(cpu_sample)
                sleep 4
                win=$(cpu_delta "$s0" "$(cpu_sample)" send_)
            fi
            wait "$LGP"
            c1=$(cpu_sample)
            stop_server "$SPID"
            RES[$tag]="$(grep -m1 '^RESULT ' "$OUT/$tag.result") others_busy_pct=$b $(cpu_delta "$c0" "$c1") $win"
            [ "$w" = b ] && RES[$tag]="${RES[$tag]} $(early_late "${RES[$tag]}")"
            echo "${RES[$tag]}" >"$OUT/$tag.result"
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

val() { tr ' ' '\n' <<<"${RES[$1]:-}" | grep -m1 "^$2=" | cut -d= -f2-; }
# median (lower middle for an even count) and range of key over the runs of kind in workload w
stat_cell() { # kind w key
    local vs="" i v
    for i in $(seq 1 "$RUNS"); do
        v=$(val "$1-$2-r$i" "$3")
        [ -n "$v" ] && vs="$vs $v"
    done
    [ -z "$vs" ] && { echo "—"; return; }
    tr ' ' '\n' <<<"$vs" | grep . | sort -g | awk '{ x[NR] = $1 } END {
        m = x[int((NR + 1) / 2)]
        if (NR == 1 || x[1] == x[NR]) print m; else printf "%s (%s–%s)\n", m, x[1], x[NR] }'
}
same_cell() { # kind w key: the values of a non-numeric key, as run 1/run 2/...
    local out="" i
    for i in $(seq 1 "$RUNS"); do out="$out${out:+/}$(val "$1-$2-r$i" "$3")"; done
    echo "$out"
}
row() { # w label key
    local line="| $2 |" k
    for k in $SERVERS; do line="$line $(stat_cell "$k" "$1" "$3") |"; done
    echo "$line"
}
row_raw() {
    local line="| $2 |" k
    for k in $SERVERS; do line="$line $(same_cell "$k" "$1" "$3") |"; done
    echo "$line"
}

echo "## The physical floor ($(date -u '+%Y-%m-%d %H:%M UTC'), median (min–max) of $RUNS runs)"
echo
echo "load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
echo
hdr="| figure |"
sep="|---|"
for k in $SERVERS; do hdr="$hdr $k |"; sep="$sep---:|"; done
echo "$hdr"
echo "$sep"
for w in $WORKLOADS; do
    case $w in
    a)
        row a "(a) delivered messages/s" delivered_per_s
        row a "(a) ack p50 ms" ack_p50_ms
        row a "(a) ack p99 ms" ack_p99_ms
        row a "(a) server CPU %" server_cpu_pct
        row a "(a) server kernel %" server_sys_pct
        row a "(a) loadgen CPU %" loadgen_cpu_pct
        row a "(a) delivered_total − expected_total" unanswered
        ;;
    b)
        row b "(b) joined" joined
        row b "(b) last listener p50 ms" last_p50_ms
        row b "(b) last listener p99 ms" last_p99_ms
        row b "(b) last listener, messages 1–15, median ms" last_early_p50_ms
        row b "(b) last listener, messages 16–20, median ms" last_late_p50_ms
        row b "(b) all deliveries p50 ms" all_p50_ms
        row b "(b) messages not reaching all" incomplete_msgs
        row b "(b) server CPU % while sending" server_cpu_pct
        row b "(b) server kernel %" server_sys_pct
        row b "(b) loadgen CPU %" loadgen_cpu_pct
        row b "(b) join time for all s" join_s
        row b "(b) CPU 0 busy % while the messages go out" send_cpu0_busy_pct
        row b "(b) CPU 0 softirq %, same window" send_cpu0_si_pct
        row b "(b) CPU 1 busy % while the messages go out" send_cpu1_busy_pct
        ;;
    e)
        row e "(e) joined" joined
        row e "(e) connects/s" connect_rate
        row e "(e) join p50 ms" join_p50_ms
        row e "(e) join p99 ms" join_p99_ms
        row e "(e) join max ms" join_max_ms
        row e "(e) SYNs dropped (ListenOverflows)" listen_overflows
        row e "(e) first connect → last snapshot s" storm_s
        row e "(e) server CPU %" join_server_cpu_pct
        row e "(e) loadgen CPU %" join_loadgen_cpu_pct
        row e "(e) loadgen's worst lag ms" launch_lag_max_ms
        ;;
    esac
    row "$w" "($w) CPU 0 busy % over the whole run" cpu0_busy_pct
    row "$w" "($w) CPU 0 softirq %" cpu0_si_pct
    row "$w" "($w) CPU 1 busy % over the whole run" cpu1_busy_pct
    row "$w" "($w) seq gaps" seq_gaps
    row_raw "$w" "($w) violations" violations
    row_raw "$w" "($w) errors" errors
    row "$w" "($w) others' CPU % before the run" others_busy_pct
done

# ---- perf: where a storm's time goes, whole machine ------------------------------------------
# One more storm per server under `perf record -a`: every sample of both CPUs, so the load
# generator's share and the kernel's are seen too. Printed: by process and user/kernel over the
# whole recording, then per CPU and 100 ms slice who was running (the storm itself is the slices
# where the load generator runs).
if [ "${FLOOR_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
    echo
    echo "## perf record -a: the join storm (e)"
    for kind in $SERVERS; do
        b=$(quiet)
        start_server "$kind" e "$kind-e-perf" || { log "$kind did not start"; continue; }
        perf record -a -g -o "$OUT/perf-$kind.data" 2>"$OUT/perf-$kind.log" &
        PR=$!
        sleep 0.5
        # shellcheck disable=SC2046
        taskset -c 1 "$LG" $(lg_args e) --port "$P" --pid "$SPID" >"$OUT/$kind-e-perf.result" 2>/dev/null
        kill -INT "$PR"
        wait "$PR" 2>/dev/null
        stop_server "$SPID"
        echo
        echo "### $kind (others busy $b % before): $(grep -oE '(join_p50_ms|join_p99_ms|storm_s|join_server_cpu_pct|join_loadgen_cpu_pct)=[^ ]*' "$OUT/$kind-e-perf.result" | tr '\n' ' ')"
        echo '```'
        perf report -i "$OUT/perf-$kind.data" --no-children --sort comm,dso --stdio -g none 2>/dev/null |
            grep -E '^ +[0-9]' | head -10
        echo
        perf script -i "$OUT/perf-$kind.data" -F comm,cpu,time 2>/dev/null | awk -v srv="$kind" '
            { t = $3; sub(":", "", t); c = $2; gsub(/\[|\]/, "", c); c += 0
              if (!t0) t0 = t; i = int((t - t0) / 0.1); n[i, c]++
              if ($1 != "swapper") busy[i, c]++
              if ($1 ~ /^loadgen/) lg[i, c]++; else if ($1 != "swapper") sv[i, c]++
              if (i > m) m = i }
            END { for (i = 0; i <= m; i++) {
                if (!lg[i, 1] && !lg[i, 0]) continue
                printf "%4.1f s  CPU 0: busy %3d%% (server+others %3d%%, loadgen %3d%%)  CPU 1: busy %3d%% (server+others %3d%%, loadgen %3d%%)\n", i / 10,
                    100 * busy[i, 0] / n[i, 0], 100 * sv[i, 0] / n[i, 0], 100 * lg[i, 0] / n[i, 0],
                    100 * busy[i, 1] / n[i, 1], 100 * sv[i, 1] / n[i, 1], 100 * lg[i, 1] / n[i, 1] } }'
        echo '```'
    done
fi
