#!/usr/bin/env bash
# run.sh - `make bench`: builds bench/loadgen.c, runs five workloads against soundroom and two
# peers that relay the same protocol subset: uWebSockets.js (bench/peer/uws-relay.mjs) and Node's
# `ws` (bench/peer/ws-relay.mjs); writes bench/RESULTS.md and prints pass/fail per target.
#
# Workloads (loopback only; the server pinned to CPU 0, the load generator to CPU 1):
#   (a) burst chat: 100 clients in room 1, 8 chats outstanding each, 10 s: delivered messages/s
#   (b) fan-out: 10,000 listeners in room 1, one sender, 20 chats 200 ms apart: latency from send
#       to arrival at the last listener, p50/p99 over the 20 messages
#   (c) idle: up to 19,000 listeners joined to room 1: server RSS growth per listener
#   (d) steady chat at equal load: 100 clients in room 1 each send 10 chats/s on one evenly spaced
#       schedule (a chat every 1 ms, open loop: sends never wait for acks), 2 s warm-up then 10 s:
#       latency from the send to its arrival at each of the 99 other clients (p50/p99/max; the
#       sender's own copy is not counted), and the ack latency apart. Target: soundroom's delivery
#       p99 no worse than uWS.js's in the same run, with nothing missing.
#   (e) join storm: 10,000 clients connect, say hello and join room 1, the connects paced at
#       20,000/s (one every 50 us, the two loadgen processes taking turns): the connect rate
#       achieved, how many joined, join time per client (connect start to snapshot) p50/p99/max,
#       and the machine's TCP listen-queue overflows meanwhile (a dropped SYN costs its client 1 s).
#       Target: all joined, >= 19,000 connects/s achieved, p99 < 50 ms.
# Environment: SOUNDROOM_BIN (default build/soundroom), BENCH_PORT (first of three TCP ports, default
# 18731), BENCH_ONLY (servers to run, comma-separated: soundroom, uws, peer (the ws peer)),
# BENCH_WORKLOADS="a b c d e", BENCH_RESULTS (where the report goes, default bench/RESULTS.md),
# BENCH_RUNS (runs of each workload per server, default 1; `make bench` passes 3: each workload runs
# in BENCH_RUNS rounds, each round running every server once, so that drift in the machine's load
# hits all three alike; every figure reported is the median over the runs of its server and
# workload, per key, for an even count the lower of the two middle values, so that each figure is
# one a run measured; the report's raw section lists every run's headline figures and result line),
# BENCH_QUIET_PCT / BENCH_QUIET_WAIT (before each server's workload, wait up to BENCH_QUIET_WAIT s,
# default 60, until other processes use under BENCH_QUIET_PCT % of all CPUs, default 25, over 3 s).
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=bench/out
LG=$OUT/loadgen
RESULTS=${BENCH_RESULTS:-bench/RESULTS.md}
mkdir -p "$OUT"
T_START=$(date +%s)

log() { printf 'bench: %s\n' "$*" >&2; }
port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# ---- build the load generator --------------------------------------------------------------
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$LG" bench/loadgen.c || {
    log "loadgen did not build"
    exit 1
}

# ---- self-check: the load generator against a server that frames everything awkwardly -------
SELFCHECK="not run"
if command -v node >/dev/null && [ -d node_modules/ws ]; then
    TP=18799
    while ! port_free "$TP"; do TP=$((TP + 1)); done
    node bench/peer/wire-torture.mjs --port "$TP" 2>/dev/null &
    TPID=$!
    for _ in $(seq 1 50); do curl -sf --max-time 1 "http://127.0.0.1:$TP/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
    r=$(timeout 30 "$LG" --mode burst --port "$TP" --clients 3 --window 4 --warmup 0.2 --duration 1 --drain 3 2>/dev/null)
    st=$(curl -sf --max-time 2 "http://127.0.0.1:$TP/stats" 2>/dev/null)
    kill "$TPID" 2>/dev/null
    wait "$TPID" 2>/dev/null
    sc_val() { tr ' ' '\n' <<<"$r" | grep -m1 "^$1=" | cut -d= -f2-; }
    pings=$(grep -o '"pings":[0-9]*' <<<"$st" | cut -d: -f2)
    pongs=$(grep -o '"pongs":[0-9]*' <<<"$st" | cut -d: -f2)
    unmasked=$(grep -o '"unmasked":[0-9]*' <<<"$st" | cut -d: -f2)
    if [ "$(sc_val joined)" = 3 ] && [ "$(sc_val violations)" = none ] && [ "$(sc_val unanswered)" = 0 ] &&
        [ -n "$(sc_val delivered_total)" ] && [ "$(sc_val delivered_total)" = "$(sc_val expected_total)" ] &&
        [ "$(sc_val sent)" != 0 ] && [ -n "$pings" ] && [ "$pings" = "$pongs" ] && [ "$unmasked" = 0 ]; then
        SELFCHECK="passed"
    else
        SELFCHECK="FAILED (loadgen: ${r:-no result}; server: ${st:-no stats})"
        log "loadgen self-check $SELFCHECK"
    fi
fi

# ---- limits and parameters ---------------------------------------------------------------------
HARD=$(ulimit -Hn)
[ "$HARD" = unlimited ] && HARD=1048576
ulimit -n "$HARD" 2>/dev/null || true
NOFILE=$(ulimit -n)
# (c) needs one fd per listener in the server plus its own (listener socket, store, epoll, logs...)
IDLE_N=19000
if ((NOFILE - 200 < IDLE_N)); then IDLE_N=$((NOFILE - 200)); fi
# each loadgen process stays well under the limit
PER_PROC=$((NOFILE - 300))
((PER_PROC > 9500)) && PER_PROC=9500
FAN_N=10000
if ((NOFILE - 200 < FAN_N)); then FAN_N=$((NOFILE - 200)); fi
STORM_N=$FAN_N
WORKLOADS=${BENCH_WORKLOADS:-a b c d e}
RUNS=${BENCH_RUNS:-1}
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { log "BENCH_RUNS=$RUNS is not a positive whole number"; exit 2; }
ALL_KINDS="soundroom uws peer"
SERVERS=$ALL_KINDS
if [ -n "${BENCH_ONLY:-}" ]; then
    SERVERS=""
    for k in $ALL_KINDS; do
        [[ ",${BENCH_ONLY// /,}," == *",$k,"* ]] && SERVERS="$SERVERS $k"
    done
    [ -z "$SERVERS" ] && { log "BENCH_ONLY=$BENCH_ONLY names none of: $ALL_KINDS"; exit 2; }
fi

P=${BENCH_PORT:-18731}
while ! port_free "$P"; do P=$((P + 2)); done
SR_PORT=$P
P=$((P + 1))
while ! port_free "$P"; do P=$((P + 1)); done
PEER_PORT=$P
P=$((P + 1))
while ! port_free "$P"; do P=$((P + 1)); done
UWS_PORT=$P

# ---- what can run ---------------------------------------------------------------------------
SR_BIN=${SOUNDROOM_BIN:-build/soundroom}
SR_NOTE=""
SR_VERSION=""
if [ ! -x "$SR_BIN" ] && [ -z "${SOUNDROOM_BIN:-}" ]; then
    log "build/soundroom missing; trying make build/soundroom"
    make -s build/soundroom >"$OUT/soundroom-build.log" 2>&1 || true
fi
if [ ! -x "$SR_BIN" ]; then
    SR_NOTE="$SR_BIN is missing (did it build? see bench/out/soundroom-build.log)"
    SERVERS=${SERVERS//soundroom/}
else
    # a private copy: the checkout's binary may be rebuilt while the benchmark runs
    SR_VERSION="$SR_BIN built $(date -u -r "$SR_BIN" '+%Y-%m-%d %H:%M UTC')"
    if [ -z "${SOUNDROOM_BIN:-}" ]; then
        SR_VERSION="$SR_VERSION; checkout at $(git log -1 --format='%h %s' 2>/dev/null | cut -c1-60)"
        git diff --quiet -- src 2>/dev/null || SR_VERSION="$SR_VERSION (src/ has uncommitted changes)"
    fi
    cp "$SR_BIN" "$OUT/soundroom.bin" && SR_BIN=$OUT/soundroom.bin
fi
PEER_NOTE=""
if ! command -v node >/dev/null || [ ! -d node_modules/ws ]; then
    PEER_NOTE="node or node_modules/ws missing"
    SERVERS=${SERVERS//peer/}
fi
UWS_NOTE=""
UWS_VERSION=$(node -p 'require("./node_modules/@trufflesuite/uws-js-unofficial/package.json").version' 2>/dev/null)
if ! command -v node >/dev/null || [ -z "$UWS_VERSION" ]; then
    UWS_NOTE="node or node_modules/@trufflesuite/uws-js-unofficial missing (npm ci)"
    SERVERS=${SERVERS//uws/}
fi

LIB=$OUT/library
LIB_NOTE="empty library"
mkdir -p "$LIB"
if [ -f scripts/demo-library.sh ] && [ -z "$(ls -A "$LIB")" ]; then
    log "building the demo library in $LIB"
    if bash scripts/demo-library.sh "$LIB" >"$OUT/demo-library.log" 2>&1; then
        LIB_NOTE="demo library (scripts/demo-library.sh)"
    else
        LIB_NOTE="scripts/demo-library.sh failed; library may be partial"
    fi
elif [ -n "$(ls -A "$LIB")" ]; then
    LIB_NOTE="demo library (scripts/demo-library.sh, cached in $LIB)"
fi
WEB=web/dist
if [ ! -d "$WEB" ]; then
    WEB=$OUT/web
    mkdir -p "$WEB"
fi

# ---- servers -------------------------------------------------------------------------------
SPID=""
# The CPUs a server may use per workload: one core for (a), (c), (d) and (e); for (b), the fan-out to
# ten thousand, both (soundroom spreads its sends over them; the loadgen stays on CPU 1).
server_cpus() { case $1 in b) echo "${BENCH_FANOUT_CPUS:-0,1}" ;; *) echo 0 ;; esac; }

start_server() { # kind tag workload
    local kind=$1 tag=$2 cpus
    cpus=$(server_cpus "$3")
    if [ "$kind" = soundroom ]; then
        local data=$OUT/data-$tag
        rm -rf "$data"
        mkdir -p "$data"
        taskset -c "$cpus" "$SR_BIN" serve --port "$SR_PORT" --host 0.0.0.0 --data "$data" \
            --library "$LIB" --web "$WEB" --chat-rate 100000/1 --msg-rate 100000 --pin-threads 1 \
            --log-level warn >"$OUT/$tag.log" 2>&1 &
        SPID=$!
        SPORT=$SR_PORT
    elif [ "$kind" = uws ]; then
        taskset -c "$cpus" node bench/peer/uws-relay.mjs --port "$UWS_PORT" --host 0.0.0.0 \
            >"$OUT/$tag.log" 2>&1 &
        SPID=$!
        SPORT=$UWS_PORT
    else
        taskset -c "$cpus" node bench/peer/ws-relay.mjs --port "$PEER_PORT" --host 0.0.0.0 \
            >"$OUT/$tag.log" 2>&1 &
        SPID=$!
        SPORT=$PEER_PORT
    fi
    local _
    for _ in $(seq 1 150); do
        kill -0 "$SPID" 2>/dev/null || return 1
        if curl -sf --max-time 1 "http://127.0.0.1:$SPORT/api/health" 2>/dev/null |
            grep -Eq '"ok"[[:space:]]*:[[:space:]]*true'; then
            sleep 1 # let start-up work (scan, first track) settle before the RSS baseline
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# Stops the server (in this shell, so that wait sees it); STOP_MSG says how it ended: "ok", or
# how it died on its own before we stopped it.
STOP_MSG=""
stop_server() {
    local pid=$1 st _
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null
        st=$?
        if ((st > 128)); then
            STOP_MSG="died by signal $((st - 128)) during the run"
        else
            STOP_MSG="exited with status $st during the run"
        fi
        return
    fi
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        STOP_MSG="ok (still running 5 s after SIGTERM; killed)"
        return
    fi
    wait "$pid" 2>/dev/null
    st=$?
    STOP_MSG="ok"
    ((st != 0 && st != 143)) && STOP_MSG="ok (exit status $st after SIGTERM)"
}

# ---- workloads -----------------------------------------------------------------------------
. bench/common.sh

declare -A RES STOPPED OTHERS
run_one() { # kind workload tag
    local kind=$1 w=$2 tag=$3 t0 b
    t0=$(date +%s)
    while :; do
        b=$(busy_pct)
        ((b < ${BENCH_QUIET_PCT:-25})) && break
        (($(date +%s) - t0 >= ${BENCH_QUIET_WAIT:-60})) && break
        log "($w) $kind: other processes use $b % of the CPUs; waiting"
        sleep 5
    done
    OTHERS[$tag]="$b % ($(($(date +%s) - t0)) s)"
    log "($w) $kind: starting (others busy $b %)"
    RES[$tag]=""
    STOPPED[$tag]=""
    if ! start_server "$kind" "$tag" "$w"; then
        STOPPED[$tag]="did not start or answer /api/health (see bench/out/$tag.log)"
        kill -KILL "$SPID" 2>/dev/null
        wait "$SPID" 2>/dev/null
        log "($w) $kind: ${STOPPED[$tag]}"
        return
    fi
    # shellcheck disable=SC2046
    timeout -k 5 "$(lg_timeout "$w")" taskset -c 1 "$LG" $(lg_args "$w") --port "$SPORT" \
        --pid "$SPID" >"$OUT/$tag.result" 2>"$OUT/$tag.loadgen.log"
    local rc=$?
    RES[$tag]=$(grep '^RESULT ' "$OUT/$tag.result" | head -1)
    [ -z "${RES[$tag]}" ] && RES[$tag]="RESULT none loadgen_exit=$rc"
    stop_server "$SPID"
    STOPPED[$tag]=$STOP_MSG
    log "($w) $kind: done (server: ${STOPPED[$tag]})"
    tr ' ' '\n' <<<"${RES[$tag]#RESULT }" | grep -E '^(joined|failed|delivered_per_s|ack_p50_ms|ack_p99_ms|last_p50_ms|last_p99_ms|incomplete_msgs|bytes_per_listener|delivery_p50_ms|delivery_p99_ms|missing_win|send_lag_max_ms|connect_rate|join_p50_ms|join_p99_ms|listen_overflows|server_cpu_pct|loadgen_cpu_pct|join_loadgen_cpu_pct|closes|errors|violations|conn_errors)=' |
        tr '\n' ' ' | sed 's/^/bench:   /' >&2
    echo >&2
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 1.0) }'; then
    log "warning: load average ${LOAD_BEFORE%% *} before starting; other work on this machine will skew the figures"
fi
BUSY_BEFORE=$(ps -eo pcpu=,comm= --sort=-pcpu | awk '$1 >= 10 {printf "%s%s (%s%%)", sep, $2, $1; sep=", "}')
# run_tag kind workload round: with one run the tag is "soundroom-a", as the report always named it
# (bench/compare.sh reads those lines); with more, each run is "soundroom-a-r2" and "soundroom-a"
# holds the medians.
run_tag() { if ((RUNS == 1)); then echo "$1-$2"; else echo "$1-$2-r$3"; fi; }
for w in $WORKLOADS; do
    for i in $(seq 1 "$RUNS"); do
        ((RUNS > 1)) && log "($w) round $i of $RUNS"
        for kind in $SERVERS; do
            run_one "$kind" "$w" "$(run_tag "$kind" "$w" "$i")"
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# The median of each key over result lines (stdin, one "RESULT k=v ..." a line) as one such line.
# -1 is the load generator's "not measured" and is left out unless every run says it. A key whose
# values are not all numbers keeps its value when the runs agree and lists them ("a/b") when not.
# For an even count the lower middle value is taken, not the mean of the two: every figure then is
# one that a run measured, printed as that run printed it. runs_measured counts the lines that were
# results at all (a run whose load generator printed none is "RESULT none ...").
median_line() {
    awk '
    function isnum(x) { return x ~ /^-?[0-9]+(\.[0-9]+)?$/ }
    function unset_(x) { return x ~ /^-1(\.0+)?$/ }
    function med(k,    i, j, c, t, v, allnum, out, d, seen_) {
        c = 0; allnum = 1
        for (i = 1; i <= n[k]; i++) {
            v = val[k, i]
            if (!isnum(v)) allnum = 0
            else if (!unset_(v)) x[++c] = v
        }
        if (!allnum) {
            out = ""; d = 0; delete seen_
            for (i = 1; i <= n[k]; i++) {
                v = val[k, i]
                if (!(v in seen_)) { seen_[v] = 1; out = out (d++ ? "/" : "") v }
            }
            return out
        }
        if (c == 0) return val[k, 1]
        for (i = 2; i <= c; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] + 0 > t + 0; j--) x[j + 1] = x[j]; x[j + 1] = t }
        return x[int((c + 1) / 2)]
    }
    $1 == "RESULT" {
        if ($0 ~ / mode=/) runs++
        for (f = 2; f <= NF; f++) {
            p = index($f, "="); if (!p) continue
            k = substr($f, 1, p - 1)
            if (!(k in n)) order[++nk] = k
            val[k, ++n[k]] = substr($f, p + 1)
        }
    }
    END {
        line = "RESULT"
        for (o = 1; o <= nk; o++) line = line " " order[o] "=" med(order[o])
        print line " runs_measured=" runs + 0
    }'
}
if ((RUNS > 1)); then
    for w in $WORKLOADS; do
        for kind in $SERVERS; do
            lines=""
            for i in $(seq 1 "$RUNS"); do
                t=$(run_tag "$kind" "$w" "$i")
                [ -n "${RES[$t]:-}" ] && lines+="${RES[$t]}"$'\n'
            done
            [ -n "$lines" ] && RES[$kind-$w]=$(printf '%s' "$lines" | median_line)
        done
    done
fi

# ---- report --------------------------------------------------------------------------------
val() { # tag key
    local r=${RES[$1]:-}
    [ -z "$r" ] && return
    tr ' ' '\n' <<<"$r" | grep -m1 "^$2=" | cut -d= -f2-
}
num() { # formats a number with thousands separators
    [ -z "$1" ] && { echo "—"; return; }
    awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x); sign = ""
        if (substr(s, 1, 1) == "-") { sign = "-"; s = substr(s, 2) }
        r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
        print sign s r }'
}
fmtv() { # value [fmt]
    case ${2:-num} in
    num) num "$1" ;;
    ms) printf '%s ms' "$1" ;;
    s) printf '%s s' "$1" ;;
    pct) printf '%s %%' "$1" ;;
    kib) awk -v b="$1" 'BEGIN{printf "%.2f KiB", b/1024}' ;;
    raw) echo "$1" ;;
    esac
}
cell() { # tag key [fmt]; "—" when not measured
    local v
    v=$(val "$1" "$2")
    if [ -z "$v" ] || [ "$v" = "-1" ] || [ "$v" = "-1.00" ] || [ "$v" = "-1.0" ] || [ "$v" = "-1.000" ]; then echo "—"; return; fi
    fmtv "$v" "${3:-num}"
}
ran() { [ -n "${RES[$1]:-}" ]; }
cpu_cell() { # tag: "total % (kernel %; waited for a CPU %)"
    local t k w x=""
    t=$(val "$1" server_cpu_pct)
    k=$(val "$1" server_sys_pct)
    w=$(val "$1" server_wait_pct)
    if [ -z "$t" ] || [ "$t" = -1.0 ]; then echo "—"; return; fi
    [ -n "$k" ] && [ "$k" != -1.0 ] && x="kernel $k %"
    [ -n "$w" ] && [ "$w" != -1.0 ] && x="${x:+$x; }waited $w %"
    echo "$t %${x:+ ($x)}"
}

wl() { [[ " $WORKLOADS " == *" $1 "* ]]; } # workload $1 was asked for
PASS=0
FAIL=0
VERDICTS=()
verdict() { # ok text (text starts with the workload, "(a) ..."; workloads not asked for are left out)
    wl "${2:1:1}" || return 0
    if [ "$1" = 1 ]; then
        PASS=$((PASS + 1))
        VERDICTS+=("PASS  $2")
    else
        FAIL=$((FAIL + 1))
        VERDICTS+=("FAIL  $2")
    fi
}

# (a)
v=$(val soundroom-a delivered_per_s)
if [ -n "$v" ]; then
    ok=$(awk -v x="$v" 'BEGIN{print (x >= 300000) ? 1 : 0}')
    verdict "$ok" "(a) burst chat: soundroom delivers $(num "$v")/s (target >= 300,000/s)"
else
    verdict 0 "(a) burst chat: soundroom not measured (target >= 300,000/s)"
fi
# (b)
v=$(val soundroom-b last_p99_ms)
inc=$(val soundroom-b incomplete_msgs)
jn=$(val soundroom-b joined)
if [ -n "$v" ] && [ "$v" != "-1.00" ]; then
    ok=$(awk -v x="$v" -v i="${inc:-1}" -v j="${jn:-0}" -v n="$FAN_N" 'BEGIN{print (x < 100 && i == 0 && j == n) ? 1 : 0}')
    extra=""
    [ "${inc:-0}" != 0 ] && extra=", $inc of 20 messages did not reach every listener"
    [ "${jn:-0}" != "$FAN_N" ] && extra="$extra, only $(num "${jn:-0}") of $(num "$FAN_N") listeners joined"
    verdict "$ok" "(b) fan-out to $(num "$FAN_N") listeners: soundroom p99 to the last listener $v ms (target < 100 ms)$extra"
else
    verdict 0 "(b) fan-out: soundroom not measured (target p99 < 100 ms)"
fi
# (c)
v=$(val soundroom-c bytes_per_listener)
jn=$(val soundroom-c joined)
if [ -n "$v" ]; then
    ok=$(awk -v x="$v" -v j="${jn:-0}" -v n="$IDLE_N" 'BEGIN{print (x <= 4096 && j == n) ? 1 : 0}')
    extra=""
    [ "${jn:-0}" != "$IDLE_N" ] && extra=", only $(num "${jn:-0}") of $(num "$IDLE_N") listeners joined"
    verdict "$ok" "(c) idle listeners: soundroom $(awk -v b="$v" 'BEGIN{printf "%.2f", b/1024}') KiB per listener over $(num "${jn:-0}") listeners (target <= 4 KiB)$extra"
else
    verdict 0 "(c) idle listeners: soundroom not measured (target <= 4 KiB per listener)"
fi

measured() { [ -n "$1" ] && awk -v x="$1" 'BEGIN { exit !(x >= 0) }'; } # not "-1" (none)
# (d)
v=$(val soundroom-d delivery_p99_ms)
u=$(val uws-d delivery_p99_ms)
miss=$(val soundroom-d missing_win)
if measured "$v" && measured "$u"; then
    ok=$(awk -v x="$v" -v y="$u" -v m="${miss:-1}" 'BEGIN{print (x <= y && m == 0) ? 1 : 0}')
    extra=""
    [ "${miss:-0}" != 0 ] && extra=", $(num "${miss:-0}") deliveries missing"
    verdict "$ok" "(d) steady chat: soundroom delivery p99 $v ms, uWS.js $u ms (target: soundroom <= uWS.js)$extra"
else
    verdict 0 "(d) steady chat: soundroom or uWS.js not measured (target: soundroom delivery p99 <= uWS.js's)"
fi
# (e)
v=$(val soundroom-e join_p99_ms)
r=$(val soundroom-e connect_rate)
jn=$(val soundroom-e joined)
if measured "$v"; then
    ok=$(awk -v x="$v" -v r="${r:--1}" -v j="${jn:-0}" -v n="$STORM_N" 'BEGIN{print (x < 50 && r >= 19000 && j == n) ? 1 : 0}')
    verdict "$ok" "(e) join storm: soundroom joined $(num "${jn:-0}") of $(num "$STORM_N") at $(num "$r") connects/s, join p99 $v ms (target: all, >= 19,000/s, p99 < 50 ms)"
else
    verdict 0 "(e) join storm: soundroom not measured (target: all joined at >= 19,000 connects/s, p99 < 50 ms)"
fi

server_state() { # tag
    if ! ran "$1"; then echo "${STOPPED[$1]:-not run}"; return; fi
    echo "${STOPPED[$1]}"
}

all_runs() { # workload: every run's tag, in the order they ran
    local i kind
    for i in $(seq 1 "$RUNS"); do
        for kind in $ALL_KINDS; do run_tag "$kind" "$1" "$i"; done
    done
}
# The headline figures run by run, with their median and min - max (runs that measured them).
runs_table() {
    local h w key fmt label kind name i t v m vs cells lo hi rows=""
    local hdr="| figure | server |" sep="|---|---|"
    for i in $(seq 1 "$RUNS"); do hdr+=" run $i |"; sep+="---:|"; done
    for h in "a delivered_per_s num (a) delivered messages/s" "a ack_p99_ms ms (a) chat ack latency p99" \
        "b last_p99_ms ms (b) latency to the last listener p99" "c bytes_per_listener kib (c) memory per idle listener" \
        "d delivery_p99_ms ms (d) delivery latency p99" "d ack_p99_ms ms (d) chat ack latency p99" \
        "e join_p99_ms ms (e) join time p99"; do
        read -r w key fmt label <<<"$h"
        wl "$w" || continue
        for kind in $ALL_KINDS; do
            [ -n "${RES[$kind-$w]:-}" ] || continue
            cells=""
            vs=""
            for i in $(seq 1 "$RUNS"); do
                t=$(run_tag "$kind" "$w" "$i")
                cells+=" $(cell "$t" "$key" "$fmt") |"
                v=$(val "$t" "$key")
                [ -n "$v" ] && [[ ! $v =~ ^-1(\.0+)?$ ]] && vs+="$v "
            done
            m="—"
            if [ -n "$vs" ]; then
                read -r lo hi < <(tr ' ' '\n' <<<"$vs" | grep . | sort -g | sed -n '1p;$p' | tr '\n' ' ')
                m="$(fmtv "$lo" "$fmt") – $(fmtv "${hi:-$lo}" "$fmt")"
            fi
            case $kind in uws) name="uWS.js peer" ;; peer) name="ws peer" ;; *) name=$kind ;; esac
            rows+="| $label | $name |$cells $(cell "$kind-$w" "$key" "$fmt") | $m |"$'\n'
        done
    done
    if [ -z "$rows" ]; then echo "No run gave a result."; return; fi
    echo "$hdr median | min – max |"
    echo "$sep---:|---:|"
    printf '%s' "$rows"
}
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
    echo "# soundroom benchmarks"
    echo
    echo "Generated by \`make bench\` (\`bench/run.sh\`) on $(date -u '+%Y-%m-%d %H:%M:%S UTC'). Do not edit by hand."
    ((RUNS > 1)) && echo && echo "Every figure is the median of $RUNS runs (BENCH_RUNS=$RUNS) of its server and workload."
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| CPUs (\`nproc\`) | $(nproc) |"
    echo "| CPU model | ${CPU:-unknown} |"
    echo "| kernel | $(uname -sr) |"
    echo "| memory | $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo) |"
    echo "| open files (soft/hard) | $NOFILE / $HARD |"
    echo "| loadgen self-check (bench/peer/wire-torture.mjs) | $SELFCHECK |"
    echo "| soundroom | ${SR_VERSION:-not built} |"
    echo "| node / ws / uWS.js | $(node --version 2>/dev/null) / $(node -p 'require("./node_modules/ws/package.json").version' 2>/dev/null) / @trufflesuite/uws-js-unofficial ${UWS_VERSION:-missing} |"
    echo "| load average before / after | $LOAD_BEFORE / $LOAD_AFTER |"
    echo "| other busy processes at start | ${BUSY_BEFORE:-none} |"
    if ((RUNS > 1)); then
        sv=$(xargs <<<"$SERVERS")
        echo "| runs | $RUNS of each workload per server, in $RUNS rounds, each round running ${sv// /, } in turn |"
        echo
        echo "Each figure is the median of $RUNS runs on a machine that may be shared, taken per figure (so"
        echo "two figures in one row may come from different runs); for an even count, the lower of the two"
        echo "middle values. The servers take turns within each round, so load from elsewhere falls on all"
        echo "of them alike. The spread of the headline figures, run by run, is under \"Raw\" below. The"
        echo "load generator's own CPU is shown per workload: a generator near 100 % of its core is the"
        echo "limit, not the server."
    else
        echo
        echo "Every figure comes from one run on a machine that may be shared: compare the servers"
        echo "within one run, and distrust a run whose load average was high before it started. The load"
        echo "generator's own CPU is shown per workload: a generator near 100 % of its core is the limit,"
        echo "not the server."
    fi
    echo
    if ((RUNS > 1)); then echo "## Figures (median of $RUNS runs)"; else echo "## Figures"; fi
    echo
    echo "| workload | soundroom | uWS.js peer | ws peer | target (soundroom) |"
    echo "|---|---:|---:|---:|---|"
    row() { # label cell-function args...: one cell per server
        local label=$1 f=$2
        shift 2
        wl "$1" || return 0
        printf '| %s | %s | %s | %s | %s |\n' "$label" "$($f soundroom "$@")" "$($f uws "$@")" "$($f peer "$@")" "${TGT:-}"
    }
    c1() { cell "$1-$2" "$3" "${4:-num}"; }
    c2() { echo "$(cell "$1-$2" "$3" "$5") / $(cell "$1-$2" "$4" "$5")"; }
    cc() { cpu_cell "$1-$2"; }
    crss() { echo "$(cell "$1-$2" rss_before_kb) → $(cell "$1-$2" rss_after_kb)"; }
    TGT="≥ 300,000" row "(a) burst chat: delivered messages/s" c1 a delivered_per_s
    row "(a) chat ack latency p50 / p99" c2 a ack_p50_ms ack_p99_ms ms
    row "(a) server CPU in the window (1 core = 100 %)" cc a
    row "(a) load generator CPU in the window (its core = 100 %)" c1 a loadgen_cpu_pct pct
    row "(b) latency to the last of $(num "$FAN_N") listeners, p50" c1 b last_p50_ms ms
    TGT="< 100 ms" row "(b) latency to the last of $(num "$FAN_N") listeners, p99" c1 b last_p99_ms ms
    row "(b) latency over all deliveries p50 / p99" c2 b all_p50_ms all_p99_ms ms
    row "(b) messages not delivered to every listener (of 20)" c1 b incomplete_msgs raw
    row "(b) time for $(num "$FAN_N") listeners to connect and join" c1 b join_s s
    row "(b) server / load generator CPU while they joined" c2 b join_server_cpu_pct join_loadgen_cpu_pct pct
    row "(b) server CPU while the 20 messages went out" cc b
    row "(b) load generator CPU while the 20 messages went out" c1 b loadgen_cpu_pct pct
    row "(c) idle listeners joined (of $(num "$IDLE_N"))" c1 c joined
    row "(c) server RSS before → after (KiB)" crss c
    TGT="≤ 4 KiB" row "(c) memory per idle listener" c1 c bytes_per_listener kib
    row "(c) time for the listeners to connect and join" c1 c join_s s
    row "(c) server / load generator CPU while they joined" c2 c join_server_cpu_pct join_loadgen_cpu_pct pct
    row "(d) steady chat: chats sent/s in the window (asked 1,000)" c1 d sent_per_s
    row "(d) deliveries to the other clients/s" c1 d deliveries_per_s
    row "(d) delivery latency p50" c1 d delivery_p50_ms ms
    TGT="≤ uWS.js's" row "(d) delivery latency p99" c1 d delivery_p99_ms ms
    row "(d) delivery latency max" c1 d delivery_max_ms ms
    TGT="0" row "(d) deliveries missing (of the window's chats × 99)" c1 d missing_win
    row "(d) chat ack latency p50 / p99" c2 d ack_p50_ms ack_p99_ms ms
    row "(d) server CPU in the window" cc d
    row "(d) load generator CPU in the window" c1 d loadgen_cpu_pct pct
    row "(d) load generator's worst lag behind its send schedule" c1 d send_lag_max_ms ms
    TGT="$(num "$STORM_N")" row "(e) join storm: clients joined (of $(num "$STORM_N"))" c1 e joined
    TGT="≥ 19,000" row "(e) connects/s achieved (asked 20,000)" c1 e connect_rate
    row "(e) join time (connect start → snapshot) p50" c1 e join_p50_ms ms
    TGT="< 50 ms" row "(e) join time p99" c1 e join_p99_ms ms
    row "(e) join time max" c1 e join_max_ms ms
    row "(e) first connect → last snapshot" c1 e storm_s s
    row "(e) SYNs dropped on a full accept queue (machine's ListenOverflows)" c1 e listen_overflows raw
    row "(e) server / load generator CPU during the storm" c2 e join_server_cpu_pct join_loadgen_cpu_pct pct
    row "(e) load generator's worst lag behind its connect schedule" c1 e launch_lag_max_ms ms
    echo
    if ((RUNS > 1)); then
        short=""
        for w in $WORKLOADS; do
            for kind in $SERVERS; do
                m=$(val "$kind-$w" runs_measured)
                [ "${m:-0}" != "$RUNS" ] && short="${short:+$short, }$kind-$w ${m:-0} of $RUNS"
            done
        done
        [ -n "$short" ] && echo "Runs that gave a result, where fewer than $RUNS did (the median is over those): $short." && echo
    fi
    echo "## soundroom against uWS.js"
    echo
    ratio() { # other-kind workload key: soundroom's figure over the other's
        local a b
        a=$(val "soundroom-$2" "$3")
        b=$(val "$1-$2" "$3")
        awk -v a="$a" -v b="$b" 'BEGIN { if (a == "" || b == "" || a < 0 || b <= 0) print "—"; else printf "%.2f×", a / b }'
    }
    echo "| figure | soundroom ÷ uWS.js | soundroom ÷ ws | better is |"
    echo "|---|---:|---:|---|"
    wl a && echo "| (a) delivered messages/s | $(ratio uws a delivered_per_s) | $(ratio peer a delivered_per_s) | higher |"
    wl a && echo "| (a) chat ack latency p99 | $(ratio uws a ack_p99_ms) | $(ratio peer a ack_p99_ms) | lower |"
    wl b && echo "| (b) latency to the last listener p99 | $(ratio uws b last_p99_ms) | $(ratio peer b last_p99_ms) | lower |"
    wl b && echo "| (b) join time for $(num "$FAN_N") listeners | $(ratio uws b join_s) | $(ratio peer b join_s) | lower |"
    wl c && echo "| (c) memory per idle listener | $(ratio uws c bytes_per_listener) | $(ratio peer c bytes_per_listener) | lower |"
    wl c && echo "| (c) join time for $(num "$IDLE_N") listeners | $(ratio uws c join_s) | $(ratio peer c join_s) | lower |"
    wl d && echo "| (d) steady chat delivery latency p99 | $(ratio uws d delivery_p99_ms) | $(ratio peer d delivery_p99_ms) | lower |"
    wl d && echo "| (d) steady chat ack latency p99 | $(ratio uws d ack_p99_ms) | $(ratio peer d ack_p99_ms) | lower |"
    wl e && echo "| (e) join storm: join time p99 | $(ratio uws e join_p99_ms) | $(ratio peer e join_p99_ms) | lower |"
    wl e && echo "| (e) join storm: first connect → last snapshot | $(ratio uws e storm_s) | $(ratio peer e storm_s) | lower |"
    echo
    if ((RUNS >= 3)); then
        echo "Ratios of the medians of $RUNS runs. soundroom stores every chat durably before its ack; the"
        echo "peers do not."
    else
        if ((RUNS == 1)); then printf 'One run'; else printf 'The median of %s runs' "$RUNS"; fi
        echo ": issue 11's targets ask for the median of at least 3, so these ratios are a"
        echo "measurement, not a verdict on them. soundroom stores every chat durably before its ack; the"
        echo "peers do not."
    fi
    echo
    echo "## Targets"
    echo
    ((RUNS > 1)) && echo "Judged on the medians of $RUNS runs." && echo
    echo '```'
    printf '%s\n' "${VERDICTS[@]}"
    echo "$PASS passed, $FAIL failed"
    echo '```'
    echo
    echo "## How it was measured"
    echo
    echo "- Loopback only. For (a), (c), (d) and (e) the server is pinned to CPU 0 (\`taskset -c 0\`); for (b) it may"
    echo "  use CPUs $(server_cpus b) (soundroom sends a fan-out on \`--send-threads\`, by default one per"
    echo "  usable CPU less one, and with \`--pin-threads 1\` the service thread and that helper each keep"
    echo "  one of the two; Node runs its JavaScript on one thread). \`bench/out/loadgen\` (C, epoll,"
    echo "  its own WebSocket client) is pinned to CPU 1. Each workload starts a fresh server (soundroom with a new"
    echo "  data directory, $LIB_NOTE, \`--chat-rate 100000/1 --msg-rate 100000 --pin-threads 1\`)."
    echo "- (a) 100 clients join room 1; each keeps 8 chats (16-byte text) awaiting their \`ack\`. After 1 s"
    echo "  of warm-up, \`chat\` deltas received by all clients over 10 s are counted (messages, not"
    echo "  frames: arrays are unpacked). Then sending stops and the run drains until every chat is acked."
    echo "- (b) $(num "$FAN_N") listeners in two processes, plus one sender, join room 1; 2 s after the"
    echo "  last snapshot the sender posts 20 chats 200 ms apart, each text carrying its CLOCK_MONOTONIC"
    echo "  send time; every listener notes the arrival time. Per message, the latency is that of the"
    echo "  last listener to receive it; p50/p99 are nearest-rank over the 20 messages (so p99 is the"
    echo "  slowest message)."
    echo "- (c) VmRSS of the server (from /proc/PID/status) just before connecting and 3 s after the last"
    echo "  of $(num "$IDLE_N") listeners received its snapshot, divided by the number joined. $(num "$IDLE_N") is the most"
    echo "  that fits the server's open-file limit ($NOFILE) with room for its own files."
    echo "- (d) 100 clients join room 1 (one loadgen process, one clock); each sends 10 chats/s, all sends"
    echo "  on one evenly spaced schedule (one every 1 ms, client after client, timed with a timerfd), open"
    echo "  loop: a send never waits for an ack. Each text carries the run, sender, ref, its"
    echo "  CLOCK_MONOTONIC send time and whether its scheduled slot is in the window. After 2 s of"
    echo "  warm-up, for the chats scheduled in the next 10 s: delivery latency = arrival at each of the"
    echo "  99 other clients minus the send time (the sender's own copy is not counted), and ack"
    echo "  latency at the sender; nearest-rank p50/p99 from 10 µs buckets, max exact. Sending then stops"
    echo "  and the run drains until every chat is acked and delivered. Every receiver also checks"
    echo "  that each sender's chats arrive once and in order (a protocol deviation otherwise)."
    echo "- (e) $(num "$STORM_N") clients in two loadgen processes; connection i starts at t0 + i × 50 µs"
    echo "  (20,000/s; the processes take turns, each timed with a timerfd; one that falls behind starts"
    echo "  the overdue ones at once and reports its lag). Each connects, upgrades, sends hello, then"
    echo "  join; its join time runs from the start of its first connect attempt to its snapshot. The"
    echo "  achieved rate is (connects − 1) over the first-to-last connect span. ListenOverflows is"
    echo "  the machine-wide TcpExt counter over the storm: a SYN dropped on a full accept queue is"
    echo "  retransmitted by the client's kernel only after 1 s, so each one puts a client past 1 s."
    echo "  Listen backlogs: soundroom (libwebsockets) and the ws peer ask for 4096 (\`ss -ltn\` Send-Q);"
    echo "  the uWS.js peer gets uSockets' fixed 512, which JavaScript cannot set; the kernel caps all at"
    echo "  net.core.somaxconn = $(cat /proc/sys/net/core/somaxconn 2>/dev/null)."
    echo "- \"waited\": the time the server's threads were runnable but waiting for a CPU"
    echo "  (/proc/PID/task/*/schedstat), as a share of the window. For soundroom on one core it includes"
    echo "  its own threads (service, send, store writer) queueing behind each other, so it is not 0 on a"
    echo "  quiet machine; a value well above the usual one means other processes took the CPU."
    echo "- Before each server's workload the script waits (up to ${BENCH_QUIET_WAIT:-60} s) until other"
    echo "  processes use under ${BENCH_QUIET_PCT:-25} % of the CPUs over 3 s; what it saw is in the table below."
    echo "- On loopback the sending core also runs the receiving side's TCP processing (softirq), so a"
    echo "  server's \"kernel\" CPU share includes most of the network cost of both ends."
    echo "- The ws peer (\`bench/peer/ws-relay.mjs\`, Node $(node --version 2>/dev/null), ws) speaks the same"
    echo "  subset and encodes each chat delta once, but does less: no store (acks are immediate, not"
    echo "  durable), no presence deltas, an empty listener list in snapshots, no playback."
    echo "- The uWS.js peer (\`bench/peer/uws-relay.mjs\`, @trufflesuite/uws-js-unofficial ${UWS_VERSION:-?},"
    echo "  its native binary: the peer refuses the package's pure-JS fallback) relays exactly as the ws"
    echo "  peer, with the same message shapes, but fans a chat out with uWS's native \`app.publish\` to"
    echo "  the room's topic (C++ sends the same bytes to every subscriber, the sender included); no"
    echo "  compression, no idle timeout, and a backpressure limit (256 MiB) far above what a run queues"
    echo "  so that, like the other two, it never skips a delta for a slow reader."
    [ -n "$SR_NOTE" ] && echo "- soundroom: $SR_NOTE."
    [ -n "$PEER_NOTE" ] && echo "- ws peer: $PEER_NOTE."
    [ -n "$UWS_NOTE" ] && echo "- uWS.js peer: $UWS_NOTE."
    echo
    echo "## Observations from the load generator"
    echo
    echo "| run | others busy before (waited) | server at the end | joined / failed | closes by server | error replies | protocol deviations | seq: gaps / not increasing | presence deltas received |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for w in $WORKLOADS; do
        for t in $(all_runs "$w"); do
            [ -n "${STOPPED[$t]:-}" ] || continue
            echo "| $t | ${OTHERS[$t]:-} | $(server_state "$t") | $(cell "$t" joined) / $(cell "$t" failed) | $(cell "$t" closes raw) | $(cell "$t" errors raw) | $(cell "$t" violations raw) | $(cell "$t" seq_gaps) / $(cell "$t" seq_backwards) | $(cell "$t" presence_rx) |"
        done
    done
    echo
    wl b && for t in $(all_runs b); do
        v=$(val "$t" last_ms_by_msg)
        [ -n "$v" ] && printf '(b) %s, latency to the last listener per message, in send order (ms): %s\n\n' "$(l=${t%-b}; echo "${l/-b-r/, run }")" "${v//,/, }"
    done
    for t in $(for w in $WORKLOADS; do all_runs "$w"; done); do
        [[ $t == soundroom-* ]] || continue
        v=$(val "$t" seq_not_increasing)
        [ -n "$v" ] && [ "$v" != none ] && echo "$t: deltas whose seq was not above the last applied: ${v//,/, }" && echo
    done
    if ((RUNS > 1)); then
        echo "## Raw"
        echo
        echo "The headline figures of every run (run N is round N), their median (the figure above) and"
        echo "their spread:"
        echo
        runs_table
        echo
    fi
    echo "Raw loadgen results$( ((RUNS > 1)) && echo ", every run (\`-rN\`: round N)"):"
    echo
    echo '```'
    for w in $WORKLOADS; do
        for t in $(all_runs "$w"); do
            [ -n "${RES[$t]:-}" ] && echo "$t: ${RES[$t]#RESULT }"
        done
    done
    echo '```'
    echo
    echo "## Other benchmarks"
    echo
    echo "- Library scan (10,000 files, against ffprobe) and full-text search on 100,000 tracks:"
    echo "  [RESULTS-library.md](RESULTS-library.md), from \`make bench-library\`."
    echo "- A lobby of 10,000 rooms and a room with 100,000 plays:"
    echo "  [RESULTS-lobby.md](RESULTS-lobby.md), from \`make bench-lobby\`."
} >"$RESULTS"

echo
echo "bench: results in $RESULTS ($(($(date +%s) - T_START)) s$( ((RUNS > 1)) && echo "; figures are medians of $RUNS runs"))"
sed -n '/^| workload/,/^$/p' "$RESULTS"
printf '%s\n' "${VERDICTS[@]}"
echo "$PASS passed, $FAIL failed"
