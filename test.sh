#!/usr/bin/env bash
# Runs every uk test through ctest: unit tests (host, ASan/UBSan) and integration tests that
# build images and boot them under QEMU. Builds first if needed. Extra arguments go to ctest
# (e.g. ./test.sh -R fault).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build
exec ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
