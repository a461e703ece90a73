#!/usr/bin/env bash
# stdin through uk run (with end of file), arguments and environment.
source "$(dirname "$0")/lib.sh"
img="$IMAGES/echo_stdin.img"

printf 'first line\nsecond\n' >small.txt
boot_stdin small.txt "$img"
expect_status 0 "small stdin"
expect_out '^bytes=18 checksum=[0-9]+ first=\[first line\] last_read=0$' "small stdin: all bytes, then EOF"

# 200 KB of binary data, including the escape byte uk run has to frame.
head -c 200000 /dev/urandom >big.bin
expected=$(od -An -v -tu1 big.bin | awk '{for (i = 1; i <= NF; i++) s = (s * 31 + $i) % 1000000007} END {print s}')
boot_stdin big.bin "$img"
expect_status 0 "binary stdin"
expect_out "^bytes=200000 checksum=$expected " "binary stdin: every byte arrives, in order"

boot_stdin /dev/null "$img"
expect_status 0 "stdin from /dev/null"
expect_out '^bytes=0 ' "/dev/null: immediate end of file"

img="$IMAGES/args_env.img"
boot -e GREETING=hello -e EMPTY= "$img" -- a "b c" "" 'q"uote' 'back\slash'
expect_status 0 "args and env"
expect_out '^argv\[0\]=\[args_env\]$' "argv[0] is the image name"
expect_out '^argv\[1\]=\[a\]$' "plain argument"
expect_out '^argv\[2\]=\[b c\]$' "argument with a space"
expect_out '^argv\[3\]=\[\]$' "empty argument"
expect_out '^argv\[4\]=\[q"uote\]$' "argument with a quote"
expect_out '^argv\[5\]=\[back\\slash\]$' "argument with a backslash"
expect_out '^env GREETING=hello$' "-e sets a variable"
expect_out '^env EMPTY=$' "-e sets an empty variable"
expect_out '^env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$' "default PATH"
expect_out '^cwd /$' "the working directory is / by default"

boot -w /tmp "$img"
expect_out '^cwd /tmp$' "-w sets the application's working directory"
boot -w /no/such/dir "$img"
expect_status 0 "-w to a missing directory still runs the application"
expect_out 'working directory /no/such/dir: no such directory; staying in /' \
    "-w to a missing directory: the guest says so"
boot -w relative "$img"
expect_status 125 "-w needs an absolute path"
expect_err "^uk run: --workdir: expected an absolute path" "-w relative: the message says why"
finish
