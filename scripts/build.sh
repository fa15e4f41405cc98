#!/bin/sh
# build.sh - configure and build mxtls into ./build (warnings are errors).
#   build.sh            everything: daemon, CLI, plugins, tests, fuzz replays
#   build.sh --no-tests the daemon, the CLI and the plugins only
#                       (-DMXTLS_TESTS=OFF: none of the test binaries)
set -eu
cd "$(dirname "$0")/.."
tests=ON
if [ "${1:-}" = --no-tests ]; then
	tests=OFF
fi
cmake -S . -B build -DMXTLS_WERROR=ON -DMXTLS_TESTS="$tests" >/dev/null
cmake --build build -j"$(nproc)"
