#!/bin/sh
# ulimit.sh - runs the server ($SOUNDROOM_REAL_BIN) with at most $SOUNDROOM_NOFILE open files,
# for the fault test of the open-file limit.
ulimit -n "${SOUNDROOM_NOFILE:-256}" || exit 1
exec "$SOUNDROOM_REAL_BIN" "$@"
