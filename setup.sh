#!/usr/bin/env bash
# Sets up uk on Debian 12: installs the packages it needs (apt), builds everything into
# build/, then builds the hello app into an image and boots it. Safe to run again: it
# installs only what is missing and rebuilds only what changed.
#
#   ./setup.sh            packages + build + hello
#   ./setup.sh --no-apt   skip the package step (you installed them yourself)
#   ./setup.sh --docker   also register build/bin/uk-runtime as Docker's runtime "uk" in
#                         /etc/docker/daemon.json (other keys kept), for docker run --runtime uk
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
  dpkg-dev                                  # apt-get source: lwIP's sources (below)
  wrk curl iputils-ping                     # bench/http: the load generator; readiness polls, ping in tests
  nginx                                     # tests/integration/net_servers.sh packs Debian's nginx
)

# lwIP, the guest's TCP/IP stack, comes from Debian's source package (no binary package ships
# its .c files). The version is pinned, and the upstream tarball apt fetched must have this
# SHA-256 (the one in the package's .dsc); the sources land in third_party/ (not in git).
LWIP_VERSION=2.1.3+dfsg1-2
LWIP_ORIG_SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
LWIP_DIR=third_party/lwip

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
  # nginx is installed for its binary and stock configuration (tests pack them into guests),
  # not to serve this machine: no package may start a service during the install
  # (policy-rc.d 101, Debian's "action forbidden"), and nginx's unit stays disabled.
  local policy=/usr/sbin/policy-rc.d made_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    { [ -z "$made_policy" ] || "${sudo[@]}" rm -f "$policy"; exit 1; }
  [ -z "$made_policy" ] || "${sudo[@]}" rm -f "$policy"
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    "${sudo[@]}" systemctl disable --now nginx.service >/dev/null 2>&1 || true
  fi
}

# A deb-src entry for apt-get source, with the URIs and suites of the system's own deb
# entries (deb822 .sources files or a one-line sources.list).
add_deb_src() {
  if apt-cache showsrc lwip 2>/dev/null | grep -q "^Version: ${LWIP_VERSION}$"; then
    return
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    for f in /etc/apt/sources.list.d/*.sources; do
      case $f in */uk-deb-src.sources) continue ;; esac
      sed -n 's/^Types: deb$/Types: deb-src/; p' "$f"
      echo
    done | "${sudo[@]}" tee /etc/apt/sources.list.d/uk-deb-src.sources >/dev/null
  else
    grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      "${sudo[@]}" tee /etc/apt/sources.list.d/uk-deb-src.list >/dev/null
  fi
  "${sudo[@]}" apt-get update -q
}

fetch_lwip() {
  if [ "$(cat "$LWIP_DIR/.uk-version" 2>/dev/null)" = "$LWIP_VERSION" ]; then
    say "lwip: $LWIP_VERSION already in $LWIP_DIR"
    return
  fi
  say "lwip: fetching Debian's source package $LWIP_VERSION"
  add_deb_src
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get source -q "lwip=$LWIP_VERSION" >fetch.log 2>&1) ||
    { cat "$tmp/fetch.log" >&2; echo "setup.sh: apt-get source lwip=$LWIP_VERSION failed" >&2; exit 1; }
  local orig
  orig=$(ls "$tmp"/lwip_*.orig.tar.* | head -1)
  if [ "$(sha256sum "$orig" | cut -d' ' -f1)" != "$LWIP_ORIG_SHA256" ]; then
    echo "setup.sh: $orig does not have the pinned SHA-256 $LWIP_ORIG_SHA256" >&2
    exit 1
  fi
  rm -rf "$LWIP_DIR"
  mkdir -p "$(dirname "$LWIP_DIR")"
  mv "$tmp"/lwip-2.1.3+dfsg1 "$LWIP_DIR"
  echo "$LWIP_VERSION" >"$LWIP_DIR/.uk-version"
  rm -rf "$tmp"
}

apt=1 docker=
for arg in "$@"; do
  case $arg in
    --no-apt) apt= ;;
    --docker) docker=1 ;;
    *) echo "setup.sh: unknown option $arg (--no-apt, --docker)" >&2; exit 2 ;;
  esac
done

if [ -n "$apt" ]; then
  install_packages
  fetch_lwip
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
if [ -n "$docker" ]; then
  say "docker: registering build/bin/uk-runtime as the runtime \"uk\""
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" python3 runtime/register_docker.py build/bin/uk-runtime --config /etc/docker/daemon.json
  say "docker: reload the daemon to use it (systemctl reload docker, or kill -HUP \$(pidof dockerd)), then docker run --runtime uk IMAGE"
fi
say "done: uk is at build/bin/uk; run ./test.sh for the test suite"
