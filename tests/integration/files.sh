#!/usr/bin/env bash
# Files: a tree packed with the host's cpio (newc) boots as the root file system with
# `uk run --initrd`; programs check the initrd's contents, ramfs, directories, links,
# descriptors, pipes, /proc, /dev, /sys, file mmap and errors; a corrupt archive stops the
# boot with a message naming the entry.
source "$(dirname "$0")/lib.sh"
img=$(image files "$PROGRAMS/files.c")
procimg=$(image files_proc "$PROGRAMS/files_proc.c")

mkdir -p tree/etc tree/data/private tree/tmp
printf 'hello from the initrd\n' >tree/etc/greeting
chmod 0640 tree/etc/greeting
touch -d @1600000000 tree/etc/greeting
for i in $(seq 1000); do printf '0123456789'; done >tree/data/big
ln tree/data/big tree/data/big-hardlink
ln -s ../etc/greeting tree/data/link
ln -s /etc/greeting tree/abslink
: >tree/data/empty
mkfifo tree/data/fifo
chmod 0700 tree/data/private
chmod 1777 tree/tmp
(cd tree && find . | cpio -o -H newc --quiet) >tree.cpio

boot --initrd tree.cpio "$img"
expect_status 0 "files program"
expect_out '^all checks passed$' "every file check passed"
expect_no_out '^FAIL' "no failed file checks"

boot --initrd tree.cpio "$procimg" -- first-arg
expect_status 0 "/proc, /dev and mmap program"
expect_out '^all checks passed$' "every /proc, /dev and mmap check passed"
expect_no_out '^FAIL' "no failed /proc, /dev and mmap checks"
expect_out '^written via /dev/stdout$' "/dev/stdout reaches the console"

# The same tree embedded in the image (a .uk.initrd section, where uk pack puts it).
llvm-objcopy -I binary -O elf64-x86-64 \
    --rename-section .data=.uk.initrd,alloc,load,readonly,data,contents tree.cpio initrd.o
"$UK" build "$PROGRAMS/files.c" initrd.o -o embedded.img
boot -v embedded.img
expect_status 0 "files program, initrd embedded in the image"
expect_out '^all checks passed$' "every file check passed with the embedded initrd"
expect_out '^\[uk\] .* initrd: [0-9]+ entries from the image ' "the boot log names the source"

# Without an initrd the root is an empty ramfs with /dev, /proc, /sys and /tmp.
boot "$procimg" -- first-arg
expect_out '^ok urandom$' "no initrd: /dev works"
expect_out '^FAIL mmap-initrd-file' "no initrd: no initrd files"

# A corrupt archive: the boot stops and says which entry is broken.
python3 - tree.cpio bad.cpio <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
second = data.index(b"070701", 6)
data[second + 6 + 8 * 6] = ord("z")  # the filesize field of entry 1
open(sys.argv[2], "wb").write(data)
PY
boot --initrd bad.cpio "$img"
expect_status 125 "corrupt initrd stops the boot"
expect_out '^\[uk\] initrd: the -initrd module is not a valid cpio \(newc\) archive: entry 1 at byte [0-9]+: bad hex digit in field filesize$' \
    "the message names the entry and the field"
head -c 1000 tree.cpio >short.cpio
boot --initrd short.cpio "$img"
expect_status 125 "truncated initrd stops the boot"
expect_out '^\[uk\] initrd: .*(runs past the end|truncated|without a TRAILER)' "truncation reported"

boot --initrd missing.cpio "$img"
expect_status 125 "missing --initrd file"
expect_err 'missing.cpio: no such file' "uk run names the missing file"

boot --print-cmd --initrd tree.cpio "$img"
expect_out " -initrd [^ ]*tree.cpio" "--print-cmd passes -initrd"
finish
