#!/bin/sh
# build.sh - configure and build mxtls into ./build (warnings are errors).
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DMXTLS_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
