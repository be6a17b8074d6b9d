#!/usr/bin/env bash
# deps.sh - install what building, running and testing soundroom needs (Debian 12 packages, npm).
# Idempotent: installs only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential pkg-config clang libclang-rt-14-dev
      libwebsockets-dev libjansson-dev libsodium-dev libsqlite3-dev sqlite3 liburing-dev
      libavformat-dev libavcodec-dev libavutil-dev libcmocka-dev
      libqrencode-dev libmaxminddb-dev libpq-dev libhiredis-dev zlib1g-dev openssl
      ffmpeg chromium nodejs npm zbar-tools librsvg2-bin
      singularity-music xmoto-data asc-music sound-theme-freedesktop)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere on a dev machine; only insist on them when node is absent.
if command -v node >/dev/null 2>&1; then
    tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
    missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
    echo "deps: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
