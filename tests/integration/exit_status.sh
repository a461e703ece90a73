#!/usr/bin/env bash
# uk run's exit status is the application's, all eight bits of it.
source "$(dirname "$0")/lib.sh"
img="$IMAGES/exit_code.img"
for status in 0 1 3 127 128 200 255; do
    boot "$img" -- "$status"
    expect_status "$status" "return $status from main"
done
boot "$img" -- 200 exit
expect_status 200 "exit(200)"
expect_out '^exiting with 200$' "output before exit() is flushed"
boot --machine q35 "$img" -- 42
expect_status 42 "return 42 on q35"
finish
