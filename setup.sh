#!/usr/bin/env bash
# Sets up uk on Debian 12: installs the packages it needs (apt), builds everything into
# build/, then builds the hello app into an image and boots it. Safe to run again: it
# installs only what is missing and rebuilds only what changed.
#
#   ./setup.sh            packages + build + hello
#   ./setup.sh --no-apt   skip the package step (you installed them yourself)
set -euo pipefail
cd "$(dirname "$0")"

# Everything uk uses, all in Debian 12 main. Keep docs/architecture.md's list in step.
PACKAGES=(
  clang lld llvm libclang-rt-14-dev        # compiler, linker, objcopy/nm/strip/symbolizer
  libc++-dev libc++abi-dev libunwind-14-dev # C++ runtime linked into images
  musl musl-dev                             # the C library linked into images
  qemu-system-x86                           # the monitor
  cmake ninja-build doctest-dev             # building and testing uk itself
  zlib1g-dev                                # compressed images (uk build --strip)
  libarchive-dev libssl-dev libzstd-dev pkg-config nlohmann-json3-dev # uk convert
  umoci skopeo docker.io                    # tests/integration/convert.sh makes and loads images
  cpio busybox-static                       # bench's Linux baseline; tests/integration/pack.sh
  gcc libc6-dev python3                     # unmodified Linux programs the tests pack and run
)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages: all ${#PACKAGES[@]} installed"
    return
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  say "packages: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

if [ "${1:-}" != "--no-apt" ]; then
  install_packages
fi

say "build: configuring and building into build/"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build

say "hello: building apps/hello/hello.cpp into build/apps/hello.img"
mkdir -p build/apps
build/bin/uk build apps/hello/hello.cpp -o build/apps/hello.img
say "hello: booting it (build/bin/uk run build/apps/hello.img)"
build/bin/uk run build/apps/hello.img
say "done: uk is at build/bin/uk; run ./test.sh for the test suite"
