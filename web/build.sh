#!/bin/sh
# Builds the LAMPi web UI into web/dist/ (npm ci first when node_modules is missing).
set -eu
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
    npm ci --no-audit --no-fund
fi
node build.mjs
