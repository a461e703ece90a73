#!/usr/bin/env bash
# Fixture: builds every test image once, so the tests that boot them can run in parallel.
source "$(dirname "$0")/lib.sh"
image hello-c "$UK_SOURCE_DIR/apps/hello-c/hello.c" >/dev/null
image hello "$UK_SOURCE_DIR/apps/hello/hello.cpp" >/dev/null
image showcase "$UK_SOURCE_DIR/apps/showcase/showcase.cpp" >/dev/null
image linux_abi "$PROGRAMS/linux_abi.cpp" >/dev/null
for p in exit_code faults syscalls echo_stdin args_env oom sleeper io_events unix_sockets inet inet_files stop_signals run_ahead; do
    image "$p" "$PROGRAMS/$p.c" >/dev/null
done
echo "images in $IMAGES"
