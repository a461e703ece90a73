#!/usr/bin/env bash
# The hello images (C and C++) boot on every machine type and print exactly their line, and
# so do their stripped, compressed forms (uk build --strip), which are issue 2's small images.
source "$(dirname "$0")/lib.sh"
for machine in microvm q35 pc; do
    for app in hello-c hello; do
        boot --machine "$machine" "$IMAGES/$app.img"
        expect_status 0 "$app on $machine"
        if [ "$OUT" = "Hello from uk!" ]; then
            pass "$app on $machine: stdout is exactly the greeting"
        else
            fail "$app on $machine: stdout is not exactly 'Hello from uk!'"
            show
        fi
    done
done
# Stripped images are compressed; the boot code unpacks them.
"$UK" build --strip "$UK_SOURCE_DIR/apps/hello-c/hello.c" -o hello-c.small.img
"$UK" build --strip "$UK_SOURCE_DIR/apps/hello/hello.cpp" -o hello.small.img
"$UK" build --strip --no-compress "$UK_SOURCE_DIR/apps/hello-c/hello.c" -o hello-c.plain.img
c=$(stat -c %s hello-c.small.img)
cxx=$(stat -c %s hello.small.img)
plain=$(stat -c %s hello-c.plain.img)
if [ "$c" -le 102400 ] && [ "$cxx" -le 614400 ] && [ "$c" -lt "$plain" ]; then
    pass "stripped sizes: C hello $c bytes (<= 100 KB), C++ hello $cxx (<= 600 KB); uncompressed C $plain"
else
    fail "stripped sizes: C hello $c, C++ hello $cxx, uncompressed C $plain"
fi
for machine in microvm q35; do
    for img in hello-c.small.img hello.small.img hello-c.plain.img; do
        boot --machine "$machine" "$img"
        expect_status 0 "$img on $machine"
        expect_out '^Hello from uk!$' "$img on $machine: the greeting"
    done
done
boot --mem 2M hello.small.img
expect_status 0 "the compressed C++ hello in 2 MiB"

# A damaged payload stops the boot with a clear message (the last bytes are in it).
cp hello-c.small.img damaged.img
size=$(stat -c %s damaged.img)
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of=damaged.img bs=1 seek=$((size - 200)) conv=notrunc status=none
boot damaged.img
expect_status 125 "a damaged compressed image"
expect_out 'compressed image is corrupt' "damaged: the boot says why"
finish
