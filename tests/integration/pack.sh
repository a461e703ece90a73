#!/usr/bin/env bash
# uk pack: trees made of the host's own programs boot as images whose library OS loads the
# program from the root file system. Debian's busybox-static (a static glibc program) runs
# its applets: `sh -c` with builtins (processes.sh runs pipelines), ls, cat, sort, wc, find,
# sed, awk, md5sum, false. glibc's dynamic /bin/ls and /usr/bin/sort run through ld.so with
# the libraries ldd names. Also: a program missing from the root (127) or not executable
# (126), `uk run IMAGE -- ARGS` replacing the packed arguments, --env and --workdir, --user
# (and uk run --user), uk run --entrypoint, and the default memory of a big image. Every output and status is checked, and no command may meet
# an unsupported system call.
if [ ! -x /bin/busybox ]; then
    echo "SKIP: /bin/busybox is missing (Debian's busybox-static; ./setup.sh installs it)"
    exit 77
fi
source "$(dirname "$0")/lib.sh"

expect_supported() {
    expect_no_out '^\[uk\] unsupported system call' "$1: no unsupported system call"
}

# run_case WHAT STATUS EXPECTED [uk run args...]: boots, checks status, output, notices.
run_case() {
    local what=$1 status=$2 expected=$3
    shift 3
    boot "$@"
    expect_status "$status" "$what"
    expect_exact "$expected" "$what: output"
    expect_supported "$what"
}

# --- busybox-static -----------------------------------------------------------------------
mkdir -p bb/bin bb/data/sub bb/work/dir
cp /bin/busybox bb/bin/busybox
printf 'pear\nApple\nfig\n_under\nbanana\n10\n9\napple\nfig\n' >bb/data/fruit
printf 'alpha beta\ngamma\n' >bb/data/sub/words
: >bb/data/sub/empty
"$UK" pack bb -o bb.img -- /bin/busybox true
pass "uk pack of a busybox tree"

run_case "busybox true" 0 "" bb.img
run_case "busybox false" 1 "" bb.img -- false

# sh -c with builtins only: echo, test, for, expansion, arithmetic, exit status.
script='x=6; y=7; echo "product $((x * y))"
for w in one two three; do printf "%s." "$w"; done; echo
n=0; while [ $n -lt 4 ]; do n=$((n + 1)); done; echo "n=$n"
v=hello; echo "${v}-${#v}-${v%lo}-${unset:-dflt}"
if test -d /data && [ -f /data/fruit ] && ! test -e /nothere; then echo tests ok; fi
case abc in a*) echo case ok;; esac
f() { echo "in f: $1 $#"; return 5; }; f arg1 arg2; echo "f returned $?"
exit 3'
run_case "busybox sh -c (builtins)" 3 "product 42
one.two.three.
n=4
hello-5-hel-dflt
tests ok
case ok
in f: arg1 2
f returned 5" bb.img -- sh -c "$script"

run_case "busybox ls" 0 "empty
words" bb.img -- ls -1 /data/sub
boot bb.img -- ls -l /data
expect_status 0 "busybox ls -l"
expect_out "^-rw-r--r-- +1 0 +0 +$(wc -c <bb/data/fruit) .* fruit\$" "busybox ls -l shows mode, owner, size, name"
expect_out '^drwxr-xr-x +2 0 +0 .* sub$' "busybox ls -l shows a directory"
expect_supported "busybox ls -l"

run_case "busybox cat" 0 "$(cat bb/data/fruit)" bb.img -- cat /data/fruit
run_case "busybox sort" 0 "$(LC_ALL=C sort bb/data/fruit)" bb.img -- sort /data/fruit
run_case "busybox sort -u -r" 0 "$(LC_ALL=C sort -u -r bb/data/fruit)" bb.img -- sort -u -r /data/fruit
run_case "busybox wc" 0 "$(printf '%9d %9d %9d /data/fruit' 9 9 "$(wc -c <bb/data/fruit)")" \
    bb.img -- wc /data/fruit
# find prints in directory order; compare as sets with the host's find of the same tree.
boot bb.img -- find /data
expect_status 0 "busybox find"
if [ "$(app_out | LC_ALL=C sort)" = "$(cd bb && find data | sed 's|^|/|' | LC_ALL=C sort)" ]; then
    pass "busybox find lists the tree"
else
    fail "busybox find: differs from the host's find"
    show
fi
expect_supported "busybox find"
run_case "busybox find -name" 0 "/data/sub/words" bb.img -- find / -name words -type f
run_case "busybox sed" 0 "$(sed -e 's/a/A/g' -e '/^[0-9]/d' bb/data/fruit)" \
    bb.img -- sed -e 's/a/A/g' -e '/^[0-9]/d' /data/fruit
awk_prog='length($1) > 3 { n++; s = s $1 "," } END { printf "%d %s\n", n, s }'
run_case "busybox awk" 0 "$(awk "$awk_prog" bb/data/fruit)" bb.img -- awk "$awk_prog" /data/fruit
run_case "busybox md5sum" 0 "$(md5sum bb/bin/busybox | cut -d' ' -f1)  /bin/busybox
$(md5sum bb/data/fruit | cut -d' ' -f1)  /data/fruit" bb.img -- md5sum /bin/busybox /data/fruit

# --- glibc, dynamically linked --------------------------------------------------------------
mkdir -p dyn/data
for f in /bin/ls /usr/bin/sort $( (ldd /bin/ls; ldd /usr/bin/sort) | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "dyn$(dirname "$f")"
    cp -L "$f" "dyn$f"
done
printf 'b\nB\na\n_x\n10\n9\nZeta\nalpha beta\n\n~tilde\nalpha\n' >dyn/data/words
"$UK" pack dyn -o ls.img -- /bin/ls -la /
"$UK" pack dyn -o sort.img -- /usr/bin/sort /data/words
pass "uk pack of glibc's dynamic ls and sort with their libraries"

boot ls.img
expect_status 0 "glibc ls -la /"
expect_out '^total [0-9]+$' "glibc ls -la: total"
expect_out '^drwxr-xr-x +[0-9]+ 0 +0 +[0-9]+ .* bin$' "glibc ls -la: /bin in long format"
expect_out '^dr-xr-xr-x +[0-9]+ 0 +0 +[0-9]+ .* proc$' "glibc ls -la: /proc"
expect_out '^drwxrwxrwt +[0-9]+ 0 +0 +[0-9]+ .* tmp$' "glibc ls -la: /tmp is sticky"
expected_names=$( (printf '%s\n' . .. dev etc proc sys tmp; ls -A dyn) | LC_ALL=C sort -u)
if [ "$(app_out | grep -E '^[-dlcbps][rwxsStT-]{9} ' | awk '{print $NF}' | LC_ALL=C sort -u)" = "$expected_names" ]; then
    pass "glibc ls -la: every name in /, nothing else"
else
    fail "glibc ls -la: names differ from: $(tr "\n" " " <<<"$expected_names")"
    show
fi
expect_no_out 'Function not implemented|cannot' "glibc ls -la: no errors"
expect_supported "glibc ls -la /"

run_case "glibc sort" 0 "$(LC_ALL=C sort dyn/data/words)" sort.img
run_case "glibc sort -r -n" 0 "$(LC_ALL=C sort -r -n dyn/data/words)" sort.img -- -r -n /data/words

# --- what cannot run ------------------------------------------------------------------------
# The packed tree is replaced with --initrd: one without the program, one where it lacks x.
mkdir -p empty
(cd empty && find . | cpio -o -H newc --quiet) >empty.cpio
boot --initrd empty.cpio bb.img
expect_status 127 "a program missing from the root file system"
expect_out '^\[uk\] cannot run /bin/busybox: ' "it says it cannot run the program"
chmod 0644 bb/bin/busybox
(cd bb && find . | cpio -o -H newc --quiet) >noexec.cpio
chmod 0755 bb/bin/busybox
boot --initrd noexec.cpio bb.img
expect_status 126 "a program that is not executable"
expect_out '^\[uk\] cannot run /bin/busybox: ' "it says it cannot run the program"

# --- the image's configuration ----------------------------------------------------------------
"$UK" pack bb -o env.img --env FOO=packed --workdir /work/dir -- /bin/busybox sh -c 'echo $FOO; pwd'
run_case "--env and --workdir" 0 "packed
/work/dir" env.img
run_case "uk run -e overrides --env" 0 "from run
/work/dir" -e "FOO=from run" env.img
run_case "uk run -- ARGS replaces the packed arguments" 0 "replaced packed /work/dir" \
    env.img -- sh -c 'echo replaced $FOO $PWD'
# --- users and the entrypoint ------------------------------------------------------------------
# --user records the ids the program starts with (Docker's USER); uk run --user overrides them,
# without the image's groups, and a bare UID takes its group from the tree's /etc/passwd.
# uk run --entrypoint replaces the entrypoint and drops the image's arguments, as docker run
# does; busybox picks the applet from argv[0], so /bin/echo is a link to it.
mkdir -p users/bin users/etc "users/my dir"
cp /bin/busybox users/bin/busybox
ln -s busybox users/bin/echo
ln -s /bin/busybox "users/my dir/echo"
printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/sh\n' \
    >users/etc/passwd
chmod 0755 users users/bin users/etc "users/my dir" users/bin/busybox
chmod 0644 users/etc/passwd
"$UK" pack users -o user.img --user 1000:1000 -- /bin/busybox id -u
run_case "uk pack --user: id -u" 0 "1000" user.img
run_case "uk pack --user: id -g" 0 "1000" user.img -- id -g
run_case "uk pack --user: no supplementary groups" 0 "1000" user.img -- id -G
run_case "uk pack --user: /proc/self/status" 0 \
    "$(printf 'Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000')" \
    user.img -- grep -E '^[UG]id:' /proc/self/status
run_case "uk run --user overrides it: id -u" 0 "33" --user 33:44 user.img -- id -u
run_case "uk run --user overrides it: id -g" 0 "44" --user 33:44 user.img -- id -g
run_case "uk run --user UID: the group from /etc/passwd" 0 "33" --user 33 user.img -- id -g
run_case "uk run --user 0: root again" 0 "0" --user 0 user.img -- id -u
run_case "uk run --entrypoint with ARGS" 0 "hi there" --entrypoint /bin/echo user.img -- hi there
run_case "uk run --entrypoint drops the image's arguments" 0 "" --entrypoint /bin/echo user.img
run_case "uk run --entrypoint: a path with a space" 0 "a  b" \
    --entrypoint "/my dir/echo" user.img -- "a  b"
rm -rf users user.img

# --- a big tree: uk run's default memory grows with the image --------------------------------
# Without --mem uk run gives max(128 MiB, 2 x image + 64 MiB), rounded up to 2 MiB: enough
# even when every file is copied out of the archive (an -initrd module's are). The image's
# own archive lends its page-aligned file data in place, so the 100 MiB file costs no second
# copy and fits in 128 MiB; copying it does not, and 64 MiB cannot even hold the image.
mkdir -p big/bin big/data
cp /bin/busybox big/bin/busybox
head -c 100M /dev/zero >big/data/zeros
"$UK" pack big -o big.img -- /bin/busybox wc -c /data/zeros
rm -rf big
image_mib=$((($(stat -c %s big.img) + 1048575) / 1048576))
boot --print-cmd big.img
expect_out " -m $((2 * image_mib + 64))M " "the default memory is twice the image plus 64 MiB"
run_case "a 100 MiB tree with the default memory" 0 "104857600 /data/zeros" big.img
run_case "the same tree in 128 MiB (the file's data used in place)" 0 "104857600 /data/zeros" \
    --mem 128M big.img
boot --mem 128M big.img -- /bin/busybox sh -c 'cat /data/zeros /data/zeros >/tmp/z'
expect_status 137 "copying it twice in 128 MiB"
expect_out 'out of memory' "the guest says it ran out of memory"
boot --mem 64M big.img
expect_status 125 "the image in 64 MiB"
expect_err 'fills guest memory up to 10[0-9] MiB; --mem 64M cannot hold it' "uk run says the image does not fit"
rm -f big.img
finish
