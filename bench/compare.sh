#!/usr/bin/env bash
# compare.sh - `make bench-compare OLD=... NEW=...`: the house issue's regression check. Runs
# `BENCH_ONLY=soundroom bench/run.sh` alternately with two soundroom binaries (old, new, old, new,
# ...; RUNS of each, default 3), keeps every run's report in bench/out/compare/, and writes
# bench/RESULTS-house.md: per figure of workloads (a), (b), (c) the median, min and max of each
# build, the ratio new/old of the medians, and whether the new build is within 10% (only a change
# in the worse direction counts as a regression).
#
# usage: bench/compare.sh OLD_BIN NEW_BIN [RUNS]
# Environment: OLD_COMMIT / NEW_COMMIT (what each binary was built from, when the binary's
# directory is not in a git checkout), BENCH_TOLERANCE (default 10, in %), BENCH_HOUSE_RESULTS
# (default bench/RESULTS-house.md), BENCH_QUIET_PCT / BENCH_QUIET_WAIT (before each run, wait up
# to BENCH_QUIET_WAIT seconds, default 240, until other processes use under BENCH_QUIET_PCT % of
# all CPUs, default 25, over a 5 s sample; a run that starts busier is flagged, not dropped);
# BENCH_REPORT_ONLY=1 rewrites the report from the runs kept in bench/out/compare without running;
# BENCH_PORT and BENCH_WORKLOADS pass through to run.sh.
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 OLD_BIN NEW_BIN [RUNS]" >&2
    exit 2
fi
OLD_BIN=$(realpath "$1") || exit 2
NEW_BIN=$(realpath "$2") || exit 2
RUNS=${3:-3}
for b in "$OLD_BIN" "$NEW_BIN"; do
    [ -x "$b" ] || { echo "compare: $b is not an executable" >&2; exit 2; }
done
cd "$(dirname "$0")/.." || exit 1
DIR=bench/out/compare
OUTFILE=${BENCH_HOUSE_RESULTS:-bench/RESULTS-house.md}
TOL=${BENCH_TOLERANCE:-10}
if [ -z "${BENCH_REPORT_ONLY:-}" ]; then
    rm -rf "$DIR"
    mkdir -p "$DIR"
elif [ ! -s "$DIR/runs.tsv" ]; then
    echo "compare: no runs kept in $DIR" >&2
    exit 2
fi
T_START=$(date +%s)
# the house check compares (a), (b) and (c) only: run.sh's default now adds (d) and (e)
export BENCH_WORKLOADS=${BENCH_WORKLOADS:-a b c}

# what a binary was built from: the env override, or the git checkout it sits in (bin/../..)
describe() { # bin override
    if [ -n "$2" ]; then echo "$2"; return; fi
    local top
    top=$(git -C "$(dirname "$1")" rev-parse --show-toplevel 2>/dev/null) || { echo "unknown"; return; }
    local d s
    d=$(git -C "$top" log -1 --format='%h' 2>/dev/null)
    s=$(git -C "$top" log -1 --format='%h %s' -- src 2>/dev/null | cut -c1-60)
    d="checkout at $d, src/ last changed in $s…; binary built $(date -u -r "$1" '+%Y-%m-%d %H:%M UTC')"
    git -C "$top" diff --quiet -- src 2>/dev/null || d="$d (src/ has uncommitted changes)"
    echo "$d"
}
OLD_DESC=$(describe "$OLD_BIN" "${OLD_COMMIT:-}")
NEW_DESC=$(describe "$NEW_BIN" "${NEW_COMMIT:-}")

QUIET_PCT=${BENCH_QUIET_PCT:-25}
QUIET_WAIT=${BENCH_QUIET_WAIT:-240}
. bench/common.sh
wait_quiet() { # prints "busy% waited_s"
    local t0 b
    t0=$(date +%s)
    while :; do
        b=$(busy_pct 5)
        if ((b < QUIET_PCT)) || (($(date +%s) - t0 >= QUIET_WAIT)); then
            echo "$b $(($(date +%s) - t0))"
            return
        fi
        echo "compare: others use $b % of the CPUs; waiting for under $QUIET_PCT %" >&2
        sleep 10
    done
}

[ -z "${BENCH_REPORT_ONLY:-}" ] && : >"$DIR/runs.tsv"
[ -n "${BENCH_REPORT_ONLY:-}" ] && RUNS=0
for i in $(seq 1 "$RUNS"); do
    for which in old new; do
        if [ "$which" = old ]; then bin=$OLD_BIN; else bin=$NEW_BIN; fi
        out=$DIR/run$i-$which.md
        read -r busy waited < <(wait_quiet)
        la=$(cut -d' ' -f1-3 /proc/loadavg)
        echo "compare: run $i of $RUNS, $which ($bin), load average $la, others busy $busy % (waited $waited s)" >&2
        t0=$(date +%s)
        # one run each time (BENCH_RUNS=1): the alternation and the medians are this script's, and it
        # reads the report's single-run "soundroom-a: ..." lines
        SOUNDROOM_BIN=$bin BENCH_ONLY=soundroom BENCH_RUNS=1 BENCH_RESULTS=$out bash bench/run.sh >"$DIR/run$i-$which.log" 2>&1
        rc=$?
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$which" "$out" "$la" "$(cut -d' ' -f1-3 /proc/loadavg)" \
            "$(($(date +%s) - t0)) s, run.sh exit $rc" "$busy" "$waited" >>"$DIR/runs.tsv"
        sed -n '/^| workload/,/^$/p' "$out" 2>/dev/null | sed -n '3,6p' | sed 's/^/compare:   /' >&2
    done
done

[ -z "${BENCH_REPORT_ONLY:-}" ] && echo $(($(date +%s) - T_START)) >"$DIR/took"
python3 - "$DIR/runs.tsv" "$OUTFILE" "$TOL" "$OLD_BIN" "$NEW_BIN" "$OLD_DESC" "$NEW_DESC" \
    "$(cat "$DIR/took" 2>/dev/null || echo 0)" "$QUIET_PCT" <<'PY'
import os, re, subprocess, sys, time, statistics, platform
runs_tsv, outfile, tol, old_bin, new_bin, old_desc, new_desc, secs, quiet = sys.argv[1:10]
tol = float(tol)

# (workload, key, label, direction, unit): direction +1 higher is better, -1 lower is better,
# 0 must be equal (counts), None shown only
FIGS = [
    ('a', 'delivered_per_s', 'burst chat: delivered messages/s', +1, ''),
    ('a', 'ack_p50_ms', 'chat ack latency p50', -1, 'ms'),
    ('a', 'ack_p99_ms', 'chat ack latency p99', -1, 'ms'),
    ('a', 'server_cpu_pct', 'server CPU in the window', -1, '%'),
    ('a', 'server_sys_pct', 'of which kernel', -1, '%'),
    ('a', 'cpu_us_per_msg', 'server CPU time per delivered message', -1, 'µs'),
    ('a', 'loadgen_cpu_pct', 'load generator CPU in the window', None, '%'),
    ('a', 'server_wait_pct', 'server waiting for its CPU (run queue) in the window', None, '%'),
    ('b', 'last_p50_ms', 'latency to the last listener p50', -1, 'ms'),
    ('b', 'last_p99_ms', 'latency to the last listener p99', -1, 'ms'),
    ('b', 'all_p50_ms', 'latency over all deliveries p50', -1, 'ms'),
    ('b', 'all_p99_ms', 'latency over all deliveries p99', -1, 'ms'),
    ('b', 'incomplete_msgs', 'messages not delivered to every listener', 0, ''),
    ('b', 'join_s', 'time for the listeners to connect and join', -1, 's'),
    ('b', 'join_server_cpu_pct', 'server CPU while they joined', -1, '%'),
    ('b', 'server_cpu_pct', 'server CPU while the 20 messages went out', -1, '%'),
    ('b', 'loadgen_cpu_pct', 'load generator CPU while the messages went out', None, '%'),
    ('b', 'server_wait_pct', 'server waiting for a CPU while the messages went out', None, '%'),
    ('b', 'join_server_wait_pct', 'server waiting for a CPU while they joined', None, '%'),
    ('c', 'joined', 'idle listeners joined', 0, ''),
    ('c', 'bytes_per_listener', 'memory per idle listener', -1, 'B'),
    ('c', 'rss_before_kb', 'server RSS before', -1, 'KiB'),
    ('c', 'rss_after_kb', 'server RSS after', -1, 'KiB'),
    ('c', 'join_s', 'time for the listeners to connect and join', -1, 's'),
    ('c', 'join_server_cpu_pct', 'server CPU while they joined', -1, '%'),
    ('c', 'join_server_wait_pct', 'server waiting for its CPU while they joined', None, '%'),
]

runs = []
for line in open(runs_tsv):
    i, which, path, la_before, la_after, note, busy, waited = line.rstrip('\n').split('\t')
    res, la_run = {}, ''
    try:
        text = open(path).read()
    except OSError:
        text = ''
    for m in re.finditer(r'^soundroom-([abc]): (.*)$', text, re.M):
        res[m.group(1)] = dict(kv.split('=', 1) for kv in m.group(2).split() if '=' in kv)
    m = re.search(r'^\| load average before / after \| (.*) \|$', text, re.M)
    la_run = m.group(1) if m else ''
    m = re.search(r'^\| CPU model \| (.*) \|$', text, re.M)
    runs.append(dict(i=int(i), which=which, path=path, la_before=la_before, la_after=la_after,
                     note=note, busy=int(busy), waited=int(waited), res=res, cpu=m.group(1) if m else ''))

def derived(res, key):
    # server CPU time per delivered message, in microseconds (1 core for 1 s = 1e6 us)
    if key == 'cpu_us_per_msg':
        try:
            cpu, rate = float(res['server_cpu_pct']), float(res['delivered_per_s'])
        except (KeyError, ValueError):
            return None
        return cpu / 100 * 1e6 / rate if cpu >= 0 and rate > 0 else None
    return res.get(key)

def values(which, w, key):
    out = []
    for r in runs:
        if r['which'] != which:
            continue
        v = derived(r['res'].get(w, {}), key)
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if f < 0 and key.endswith(('pct', '_ms')):  # -1 means not measured
            continue
        out.append(f)
    return out

def fmt(x, unit):
    if x is None:
        return '—'
    if unit in ('', 'B', 'KiB') or abs(x) >= 1000:
        s = f'{x:,.0f}'
    elif unit in ('s', 'µs'):
        s = f'{x:.2f}'
    else:
        s = f'{x:.1f}' if unit == '%' else f'{x:.2f}'
    return f'{s} {unit}'.strip() if unit not in ('', '%') else (s + (' %' if unit == '%' else ''))

rows, regressions, better = [], [], []
for w, key, label, d, unit in FIGS:
    o, n = values('old', w, key), values('new', w, key)
    mo = statistics.median(o) if o else None
    mn = statistics.median(n) if n else None
    ratio = (mn / mo) if (mo not in (None, 0) and mn is not None) else None
    if mo is None or mn is None:
        verdict = 'not measured'
    elif d is None:
        verdict = 'shown only'
    elif d == 0:
        verdict = 'same' if mo == mn else f'**differs** ({fmt(mo, unit)} → {fmt(mn, unit)})'
        if mo != mn:
            regressions.append(f'({w}) {label}')
    else:
        worse = (ratio - 1) * 100 * (-d) if ratio is not None else 0  # % worse (+) or better (-)
        if ratio is None:
            verdict = 'same' if mn == mo else ('better' if (mn - mo) * d > 0 else f'**worse** (from 0)')
        elif worse > tol:
            verdict = f'**REGRESSION: {worse:.0f}% worse**'
            regressions.append(f'({w}) {label}: {fmt(mo, unit)} → {fmt(mn, unit)} ({worse:.0f}% worse)')
        elif worse < -tol:
            verdict = f'within; {-worse:.0f}% better'
            better.append(f'({w}) {label}')
        else:
            verdict = f'within ({"+" if worse >= 0 else "−"}{abs(worse):.0f}%{" worse" if worse > 0 else " better" if worse < 0 else ""})'
    rng = lambda v: f'{fmt(min(v), unit)} – {fmt(max(v), unit)}' if v else '—'
    rows.append(f'| ({w}) {label} | {fmt(mo, unit)} | {rng(o)} | {fmt(mn, unit)} | {rng(n)} | '
                f'{"—" if ratio is None else f"{ratio:.3f}"} | {verdict} |')

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ''

cpu = next((r['cpu'] for r in runs if r['cpu']), '') or 'unknown'
n_old = len([r for r in runs if r['which'] == 'old'])
n_new = len([r for r in runs if r['which'] == 'new'])
L = []
L.append('# soundroom: old build against new build (the house issue\'s benchmark check)')
L.append('')
L.append(f'Generated by `make bench-compare` (`bench/compare.sh`) on {time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())} '
         f'in {int(secs) // 60} min. Do not edit by hand.')
L.append('')
L.append(f'The rule (issue 10, "Done means"): `make bench` figures no worse than before the restructure, '
         f'the median of {n_old} alternating runs of the old and the new build within {tol:.0f}% on each figure. '
         'A figure counts as a regression only when it moved in the worse direction by more than that.')
L.append('')
L.append('## Builds and machine')
L.append('')
L.append('| | |')
L.append('|---|---|')
L.append(f'| old | `{old_bin}`: {old_desc} (sha256 {sh(f"sha256sum {old_bin} | cut -c1-12")}) |')
L.append(f'| new | `{new_bin}`: {new_desc} (sha256 {sh(f"sha256sum {new_bin} | cut -c1-12")}) |')
L.append(f'| harness | bench/run.sh and bench/loadgen.c at {sh("git log -1 --format=%h -- bench/run.sh bench/loadgen.c")}, `BENCH_ONLY=soundroom` |')
L.append(f'| CPUs / model | {sh("nproc")} / {cpu} |')
L.append(f'| kernel | {platform.system()} {platform.release()} |')
L.append(f'| runs | {n_old} old + {n_new} new, alternating old, new, old, new, … |')
L.append('')
L.append('## Figures')
L.append('')
L.append('Median, min – max over the runs; ratio = new median / old median.')
L.append('')
L.append('| figure | old median | old min – max | new median | new min – max | new/old | within 10%? |')
L.append('|---|---:|---:|---:|---:|---:|---|')
L.extend(rows)
L.append('')
L.append('## Verdict')
L.append('')
if regressions:
    L.append(f'**{len(regressions)} figure(s) worse by more than {tol:.0f}%:**')
    L.append('')
    L.extend(f'- {x}' for x in regressions)
else:
    L.append(f'No figure is worse by more than {tol:.0f}%.')
if better:
    L.append('')
    L.append(f'Better by more than {tol:.0f}%: ' + '; '.join(better) + '.')
L.append('')
L.append('## Runs and load averages')
L.append('')
L.append('The machine is shared. Before each run the script samples, for 5 s while it runs nothing, the share of '
         f'all CPUs that other processes use, and waits (up to a limit) until it is under {quiet} %; a run that '
         'started busier is marked ⚠. Load averages (1, 5, 15 min) from /proc/loadavg as each run started and ended '
         '(our own previous run is in them). (a) server CPU is the share of its one core the server got in the '
         'window, and "wait" the time its threads spent runnable but waiting for a CPU '
         '(/proc/PID/task/*/schedstat). On one core the server\'s own threads (service, send, store writer) '
         'queue behind each other, so even a quiet run shows 15–30 % in (a) and more while listeners join; '
         'a run well above its neighbours had CPU taken by other processes.')
L.append('')
L.append('| run | build | others busy before (waited) | load average at start | at end | took | (a) msgs/s | (a) server / loadgen CPU, server wait | (b) p99 last, server wait | (c) B/listener, join s, server wait |')
L.append('|---|---|---|---|---|---|---:|---:|---:|---:|')
for r in runs:
    a = r['res'].get('a', {}); b = r['res'].get('b', {}); c = r['res'].get('c', {})
    flag = ' ⚠' if r['busy'] >= int(quiet) else ''
    L.append(f'| {r["i"]} | {r["which"]} | {r["busy"]} %{flag} ({r["waited"]} s) | {r["la_before"]} | {r["la_after"]} | {r["note"]} | '
             f'{a.get("delivered_per_s", "—")} | {a.get("server_cpu_pct", "—")} % / {a.get("loadgen_cpu_pct", "—")} %, {a.get("server_wait_pct", "—")} % | '
             f'{b.get("last_p99_ms", "—")} ms, {b.get("server_wait_pct", "—")} % | '
             f'{c.get("bytes_per_listener", "—")}, {c.get("join_s", "—")} s, {c.get("join_server_wait_pct", "—")} % |')
L.append('')
L.append('Each run\'s full report (bench/RESULTS.md format, with the raw load generator lines) is kept in '
         '`bench/out/compare/runN-old.md` / `runN-new.md` (not committed).')
L.append('')
open(outfile, 'w').write('\n'.join(L))
print('\n'.join(L[L.index('## Figures'):L.index('## Runs and load averages')]))
PY
echo "compare: results in $OUTFILE ($(($(date +%s) - T_START)) s)" >&2
