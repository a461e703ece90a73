#!/usr/bin/env bash
# An out-of-tree CMake project uses find_package(uk) and uk_add_image().
source "$(dirname "$0")/lib.sh"
src="$UK_SOURCE_DIR/toolchain/examples/cmake-hello"
cmake -S "$src" -B proj -G Ninja -Duk_DIR="$UK_BUILD_DIR/lib/cmake/uk" >configure.log 2>&1 ||
    { cat configure.log; fail "configure"; finish; }
cmake --build proj >build.log 2>&1 || { cat build.log; fail "build"; finish; }
img=$(find proj -name '*.img' | head -1)
if [ -n "$img" ]; then pass "uk_add_image produced $img"; else fail "no image"; finish; fi
boot "$img"
expect_status 0 "the project's image boots"
expect_out '.' "it prints"
# Nothing to do on a second build.
if cmake --build proj | grep -q "no work to do"; then pass "up to date"; else fail "rebuilt without changes"; fi
finish
