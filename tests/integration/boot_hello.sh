#!/usr/bin/env bash
# The hello images (C and C++) boot on every machine type and print exactly their line.
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
finish
