#!/bin/sh
# test.sh - set up a Debian 12 machine and run every test: unit tests,
# fuzz-corpus replays, and integration tests against a loopback world of
# real servers (NSD with zones signed at test time, nginx with a test CA on
# 127.0.0.1:443). Needs root (packages, port 443). Prints ctest's summary.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-test-deps.sh
./scripts/build.sh
cd build
ctest --output-on-failure "$@"
