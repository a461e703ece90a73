#!/usr/bin/env bash
# CPU faults end the application with 128 + signal, a clear message and a symbolized
# backtrace naming the faulting function.
source "$(dirname "$0")/lib.sh"
img="$IMAGES/faults.img"

boot "$img" -- null
expect_status 139 "null dereference"
expect_out 'killed by SIGSEGV: writing address 0x0 \(null pointer dereference\)' "null: message"
expect_out '^\[uk\]   #0 0x[0-9a-f]{16} in crash_null_write .*faults\.c:[0-9]+' "null: frame 0 symbolized"
expect_out '^\[uk\]   #[12] 0x[0-9a-f]{16} in main .*faults\.c:[0-9]+' "null: caller symbolized"
expect_out '^\[uk\]   rip [0-9a-f]{16}' "null: registers"
expect_no_out 'not reached' "null: the program did not continue"

boot "$img" -- stack
expect_status 139 "stack overflow"
expect_out 'stack overflow: guard area below the stack' "stack: reported as overflow"
expect_out '#0 0x[0-9a-f]{16} in recurse_forever' "stack: frame 0 symbolized"

boot "$img" -- divide
expect_status 136 "divide by zero"
expect_out 'killed by SIGFPE: divide error' "divide: message"
expect_out '#0 0x[0-9a-f]{16} in divide ' "divide: frame 0 symbolized"

boot "$img" -- readonly
expect_status 139 "write to read-only memory"
expect_out 'writing address 0x[0-9a-f]+ \(not allowed in \[anon\], which is r--\)' "readonly: message"

boot "$img" -- nx
expect_status 139 "executing data"
expect_out 'executing address' "nx: message"

boot "$img" -- ud2
expect_status 132 "invalid opcode"
expect_out 'killed by SIGILL: invalid opcode' "ud2: message"

boot "$img" -- abort
expect_status 134 "abort()"
expect_out 'killed by SIGABRT' "abort: message"

boot "$img" -- halt
expect_status 139 "a hlt loop (glibc's last resort in abort)"
expect_out 'halted at a hlt instruction' "halt: message"

# Interrupts that land right after a 0xf4 byte in running code are not a halt.
boot "$img" -- busy-f4
expect_status 0 "a busy loop whose jump displacement is 0xf4"
expect_out '^busy loop done 1$' "busy-f4: ran to the end"

boot "$img" -- raise-term
expect_status 143 "raise(SIGTERM)"

boot "$img" -- ignored
expect_status 0 "raise of an ignored signal"
expect_out '^survived$' "ignored: the program continued"

boot --machine q35 "$img" -- null
expect_status 139 "null dereference on q35"
expect_out '#0 0x[0-9a-f]{16} in crash_null_write' "q35: frame 0 symbolized"
finish
