# common.sh - what run.sh, floor.sh and compare.sh share: the load generator's arguments and
# time limit per workload, and how busy the machine is. Sourced, not run.
# SPDX-License-Identifier: GPL-3.0-or-later

# The workloads as `make bench` runs them (FAN_N, IDLE_N, PER_PROC and STORM_N are the caller's).
lg_args() { # workload
    case $1 in
    a) echo "--mode burst --clients 100 --window 8 --warmup 1 --duration 10 --drain 5" ;;
    b) echo "--mode fanout --clients $FAN_N --per-proc $(((FAN_N + 1) / 2)) --messages 20 --interval-ms 200 --grace 10 --settle-ms 2000 --join-timeout 90" ;;
    c) echo "--mode idle --clients $IDLE_N --per-proc $PER_PROC --settle-ms 3000 --join-timeout 120" ;;
    d) echo "--mode steady --clients 100 --rate 10 --warmup 2 --duration 10 --drain 5" ;;
    e) echo "--mode storm --clients $STORM_N --per-proc $(((STORM_N + 1) / 2)) --connect-rate 20000 --join-timeout 60" ;;
    esac
}
lg_timeout() { case $1 in a) echo 60 ;; b) echo 150 ;; c) echo 180 ;; d) echo 60 ;; e) echo 120 ;; esac; }

# share of all CPUs busy over a sample of ${1:-3} s while the caller runs nothing: what other
# processes use
busy_pct() {
    local a b
    a=$(awk '/^cpu /{ t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6 }' /proc/stat)
    sleep "${1:-3}"
    b=$(awk '/^cpu /{ t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]
        printf "%.0f", (t > 0) ? 100 * (t - (y[2] - x[2])) / t : 0 }'
}
