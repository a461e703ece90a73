#!/usr/bin/env bash
# Small memory sizes boot; running out of memory is reported, not a hang or a crash.
source "$(dirname "$0")/lib.sh"
for mem in 4M 8M; do
    boot --mem "$mem" "$IMAGES/hello.img"
    expect_status 0 "C++ hello with --mem $mem"
    expect_out '^Hello from uk!$' "output with --mem $mem"
done
boot --mem 16M "$IMAGES/oom.img"
expect_status 137 "out of memory"
expect_out 'out of memory: the application was killed' "out of memory: message"
finish
