#!/usr/bin/env bash
# The C++ showcase: standard library, exceptions, globals, chrono, stdin parsing.
source "$(dirname "$0")/lib.sh"
img="$IMAGES/showcase.img"
boot "$img" -- first "second arg"
expect_status 0 "showcase"
expect_out '^showcase: 2 argument\(s\) \[first\] \[second arg\]$' "arguments"
expect_out '^globals: constructed before main: yes$' "global constructor"
expect_out '^containers: sum=55 first=10 map\[three\]=3 unordered\[49\]=7 set=ac$' "containers"
expect_out '^exceptions: not a digit: x / rethrown: not a digit: x / out_of_range$' "exceptions"
expect_out '^types: optional=-1,42 variant=variant weak=shared unique=4 function=42$' "optional/variant/smart pointers"
expect_out '^strings: "3.142 ff \*\*\*\*42" parsed 17 31 -350 WORD$' "iostream formatting and parsing"
expect_out '^chrono: slept 20ms, wall clock set$' "chrono sleep and wall clock"
expect_out '^random: 6000 dice rolls look fair$' "getentropy and <random>"
expect_out '^system: Linux x86_64, pid 1, PATH set' "uname, getpid, environment"
expect_out '^globals: destroyed after main$' "global destructor"

printf '10 20\n30\n -5 x 99\n' >numbers.txt
boot_stdin numbers.txt "$img" -- --sum
expect_status 0 "showcase --sum"
expect_out '^sum of 4 numbers: 55$' "std::cin >> long until a non-number"
finish
