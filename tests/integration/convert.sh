#!/usr/bin/env bash
# uk convert: Docker/OCI images become bootable images. oci_fixtures.py writes OCI layouts;
# each is converted and the image's root file system (the cpio archive in .uk.initrd) is
# compared, entry by entry, with what umoci unpacks from the same layout (type, mode with
# setuid/setgid/sticky, owner, size, content or link target, file mtimes, hardlink groups),
# and booted:
#   multilayer      whiteouts, an opaque directory, hardlinks, symlinks, replacements, modes
#                   and owners over 4 layers (gzip and plain tar), from oci:, oci-archive:,
#                   docker-archive: (skopeo's) and bare paths; its Cmd prints what it sees.
#                   --json, --cache-dir (a cached conversion is byte-identical), --no-cache,
#                   --format uk; uk run -- ARGS, --entrypoint, --user.
#   python          Debian's python3: User app (uid 1234, extra group 2000), Env, WorkingDir,
#                   HOME from /etc/passwd, Cmd replaced by uk run -- ARGS.
#   multi-platform  an image index with arm64 and amd64 manifests: amd64 is picked.
#   broken layouts  (bad digest or diff_id, truncated gzip, ../ and absolute entries, writes
#                   through a symlink, bad JSON, missing config, arm64 only): a non-zero exit,
#                   a message naming the problem, no output file left, nothing written outside.
#   docker:         a private dockerd (vfs, own socket and data root, stopped on exit) loads
#                   the image; docker:NAME converts like `docker create` + `docker export`.
for tool in /usr/bin/python3 /bin/busybox skopeo umoci cpio; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is missing (./setup.sh installs it)"
        exit 77
    fi
done
OBJCOPY=$(command -v llvm-objcopy || command -v llvm-objcopy-14 || true)
if [ -z "$OBJCOPY" ]; then
    echo "SKIP: llvm-objcopy is missing (./setup.sh installs llvm)"
    exit 77
fi
source "$(dirname "$0")/lib.sh"

HERE="$UK_SOURCE_DIR/tests/integration"
PY=/usr/bin/python3
# Nothing of this test may land in the user's cache.
export XDG_CACHE_HOME="$UK_WORK_DIR/xdg-cache"
unset DOCKER_HOST

# --- helpers ----------------------------------------------------------------------------------

# convert ARGS...: `uk convert` with a hard timeout. Sets OUT, ERR, STATUS (as boot does).
convert() {
    set +e
    timeout --kill-after=5 300 "$UK" convert "$@" >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err"
    STATUS=$?
    set -e
    OUT=$(cat "$UK_WORK_DIR/out")
    ERR=$(cat "$UK_WORK_DIR/err")
}

# fx NAME KEY: a value from fixtures.json (the expected output of a fixture, its error regexes).
fx() {
    "$PY" -c 'import json, sys
v = json.load(open("fx/fixtures.json"))[sys.argv[1]][sys.argv[2]]
print("\n".join(v) if isinstance(v, list) else v, end="")' "$1" "$2"
}

# unpack_image IMAGE DIR: unpacks IMAGE's .uk.initrd (a cpio newc archive) into DIR, as root, so
# that owners, modes, hardlinks and FIFOs come out as archived.
unpack_image() {
    local image=$1 dir=$2
    rm -rf "$dir" "$dir.cpio"
    mkdir -p "$dir"
    # With only IMAGE, objcopy rewrites IMAGE in place (the bytes change): write a scratch copy.
    if ! "$OBJCOPY" --dump-section ".uk.initrd=$dir.cpio" "$image" "$dir.objcopy" 2>"$dir.err"; then
        fail "$image: no .uk.initrd section: $(cat "$dir.err")"
        return 1
    fi
    rm -f "$dir.objcopy"
    (cd "$dir" && cpio -idm --no-absolute-filenames --quiet <"$UK_WORK_DIR/$dir.cpio")
}

# expect_tree WHAT DIR REFERENCE-LIST: DIR's listing (tree_list.py) equals the reference.
expect_tree() {
    "$PY" "$HERE/tree_list.py" "$2" >"$2.list"
    if diff -u "$3" "$2.list" >"$2.diff"; then
        pass "$1: the tree matches"
    else
        fail "$1: the tree differs from $3 (- expected, + image)"
        head -40 "$2.diff" >&2
    fi
}

# convert_tree WHAT SOURCE OUTPUT [options]: converts, checks the status, unpacks and
# compares the tree with umoci's (ml.list).
convert_tree() {
    local what=$1 source=$2 output=$3
    shift 3
    convert "$source" -o "$output" "$@"
    expect_status 0 "$what"
    if [ "$STATUS" -eq 0 ] && unpack_image "$output" "${output%.img}-tree"; then
        expect_tree "$what" "${output%.img}-tree" ml.list
    fi
}

# expect_json WHAT OUTPUT LAYERS: stdout is one JSON object with files, bytes, layers,
# warnings (a list) and output (the image written). files lies between the number of distinct
# regular files (a hardlink group counts once) and the number of entries (+1 for the root) of
# the reference listing.
expect_json() {
    local msg
    if msg=$("$PY" - "$UK_WORK_DIR/out" "$2" "$3" ml.list <<'EOF'
import json, os, sys


def die(msg):
    print(msg)
    sys.exit(1)


text = open(sys.argv[1]).read()
try:
    d = json.loads(text)
except ValueError as e:
    die("stdout is not one JSON object (%s): %r" % (e, text[:200]))
if not isinstance(d, dict):
    die("stdout is JSON but not an object")
missing = [k for k in ("files", "bytes", "layers", "warnings", "output") if k not in d]
if missing:
    die("keys missing: %s (has %s)" % (missing, sorted(d)))
if d["layers"] != int(sys.argv[3]):
    die("layers is %r, expected %s" % (d["layers"], sys.argv[3]))
if not isinstance(d["warnings"], list):
    die("warnings is not a list: %r" % d["warnings"])
if not isinstance(d["output"], str) or os.path.realpath(d["output"]) != os.path.realpath(sys.argv[2]):
    die("output is %r, expected %s" % (d["output"], sys.argv[2]))
if not isinstance(d["bytes"], int) or d["bytes"] <= 0:
    die("bytes is %r" % d["bytes"])
lines = open(sys.argv[4]).read().splitlines()
regular = len({l.split()[8] if l.split()[8] != "-" else l.split()[0]
               for l in lines if l.split()[1] == "f"})
if not isinstance(d["files"], int) or not regular <= d["files"] <= len(lines) + 1:
    die("files is %r: not between %d and %d" % (d["files"], regular, len(lines) + 1))
EOF
    ); then
        pass "$1: --json prints files, bytes, layers, warnings, output"
    else
        fail "$1: --json: $msg"
    fi
}

# expect_failure WHAT DIR: the conversion failed (not by the timeout) and left nothing in
# DIR, the otherwise empty directory the output was to be written to.
expect_failure() {
    if [ "$STATUS" -ne 0 ] && [ "$STATUS" -ne 124 ] && [ "$STATUS" -ne 137 ]; then
        pass "$1: fails (status $STATUS)"
    else
        fail "$1: status $STATUS, expected a failure"
        show
    fi
    if [ -z "$(ls -A "$2")" ]; then
        pass "$1: no output file left"
    else
        fail "$1: left in the output directory: $(ls -A "$2" | tr '\n' ' ')"
    fi
}

# --- fixtures ---------------------------------------------------------------------------------
"$PY" "$HERE/oci_fixtures.py" fx
pass "oci_fixtures.py wrote $(find fx -mindepth 1 -maxdepth 1 -type d | wc -l) fixtures"
# The references: umoci's unpacking (as root: owners kept) and skopeo's docker-archive and
# oci-archive copies.
umoci unpack --image fx/multilayer:latest bundle >/dev/null
"$PY" "$HERE/tree_list.py" bundle/rootfs >ml.list
skopeo copy -q oci:fx/multilayer:latest docker-archive:ml-docker.tar:example/multilayer:latest
skopeo copy -q oci:fx/multilayer:latest oci-archive:ml-oci.tar:latest
pass "umoci unpack and skopeo copy of multilayer"

# --- multilayer -------------------------------------------------------------------------------
convert_tree "convert oci:DIR:REF" oci:fx/multilayer:latest ml.img --json --cache-dir cache
expect_json "convert oci:DIR:REF" ml.img 4
boot ml.img
expect_status 0 "multilayer boots"
expect_exact "$(fx multilayer output)" "multilayer: whiteouts, opaque dir, links, modes seen inside"

convert_tree "convert oci:DIR (no ref)" oci:fx/multilayer ml-noref.img --no-cache
convert_tree "convert a bare OCI layout directory" fx/multilayer ml-bare.img --no-cache
convert_tree "convert oci-archive:TAR:REF" oci-archive:ml-oci.tar:latest ml-ociarch.img --no-cache
convert_tree "convert a bare oci-archive" ml-oci.tar ml-ociarch-bare.img --no-cache
convert_tree "convert docker-archive:TAR (skopeo's)" docker-archive:ml-docker.tar ml-docker.img \
    --cache-dir cache
convert_tree "convert a bare docker-archive" ml-docker.tar ml-docker-bare.img --no-cache
boot ml-docker.img
expect_status 0 "multilayer from docker-archive boots"
expect_exact "$(fx multilayer output)" "multilayer from docker-archive: the same output"

# The cache: a second conversion with the same cache reads the layers from it; every way of
# converting the same layout gives the same bytes.
if [ -n "$(ls -A cache 2>/dev/null)" ]; then
    pass "--cache-dir: the cache holds something"
else
    fail "--cache-dir: the cache directory is empty or missing"
fi
convert oci:fx/multilayer:latest -o ml-cached.img --cache-dir cache -v
expect_status 0 "a cached second conversion"
for other in ml-cached.img ml-noref.img ml-bare.img; do
    if cmp -s ml.img "$other"; then
        pass "$other is byte-identical to ml.img"
    else
        fail "$other differs from ml.img"
    fi
done
convert oci:fx/multilayer:latest -o ml-format.img --format uk --no-cache
expect_status 0 "--format uk"
if cmp -s ml.img ml-format.img; then pass "--format uk is the default"; else fail "--format uk differs from the default"; fi
mkdir -p badformat
convert oci:fx/multilayer:latest -o badformat/x.img --format nonsense --no-cache
expect_failure "--format nonsense" badformat

# uk run's overrides of the image's configuration.
# shellcheck disable=SC2016 # $FOO expands in the guest
boot ml.img -- 'echo replaced; cat /etc/motd; echo $FOO'
expect_status 0 "uk run -- ARGS replaces Cmd"
expect_exact "replaced
converted by uk
bar" "uk run -- ARGS: the entrypoint (sh -c) stays, Env too"
boot --entrypoint /bin/cat ml.img -- /etc/alt /data/h2
expect_status 0 "uk run --entrypoint"
expect_exact "the real file
h1 version 1" "uk run --entrypoint /bin/cat with ARGS"
boot --user 1000:1000 ml.img -- 'id -u; id -g; cat /home/user/secret; pwd'
expect_status 0 "uk run --user 1000:1000"
expect_exact "1000
1000
secret
/data" "uk run --user: uid, gid, the user's 0600 file"
boot ml.img -- 'exit 7'
expect_status 7 "the program's exit status"

# --- python -----------------------------------------------------------------------------------
convert oci:fx/python:latest -o py.img --no-cache
expect_status 0 "convert the python image"
boot py.img
expect_status 0 "python boots as user app"
expect_out '^uid 1234 gid 1234$' "python: User app gives uid 1234 gid 1234"
expect_out '^groups( [0-9]+)* 2000( [0-9]+)*$' "python: supplementary group extra (2000) from /etc/group"
expect_out '^cwd /work$' "python: WorkingDir"
expect_out '^GREETING hello from env$' "python: Env"
expect_out '^HOME /home/app$' "python: HOME from /etc/passwd"
expect_out '^args \[\]$' "python: Cmd is /work/show.py without arguments"
boot py.img -- /work/show.py a 'b c'
expect_status 0 "python with uk run -- ARGS"
expect_out '^args \["a", "b c"\]$' "python: uk run -- /work/show.py a 'b c' replaces Cmd"
expect_out '^uid 1234 gid 1234$' "python: still user app"
boot --user 0:0 py.img
expect_status 0 "python with --user 0:0"
expect_out '^uid 0 gid 0$' "python: --user 0:0 overrides User"
boot --entrypoint /usr/bin/python3 py.img -- -c 'import os; print(6 * 7, os.getcwd())'
expect_status 0 "python with --entrypoint"
expect_out '^42 /work$' "python: --entrypoint with -c"

# --- multi-platform ---------------------------------------------------------------------------
convert oci:fx/multi-platform:latest -o mp.img --json --no-cache
expect_status 0 "convert an image index with arm64 and amd64"
if [ "$STATUS" -eq 0 ] && unpack_image mp.img mp-tree; then
    if [ "$(cat mp-tree/platform 2>/dev/null)" = amd64 ]; then
        pass "multi-platform: the amd64 manifest's layers"
    else
        fail "multi-platform: /platform is '$(cat mp-tree/platform 2>/dev/null)', expected amd64"
    fi
fi
boot mp.img
expect_status 0 "multi-platform boots"
expect_exact amd64 "multi-platform: the amd64 image runs"

# --- broken layouts ---------------------------------------------------------------------------
convert oci:fx/small:latest -o small.img --no-cache
expect_status 0 "convert small (what the broken layouts are made from)"
touch marker
for name in $("$PY" -c 'import json
print(" ".join(k for k, v in sorted(json.load(open("fx/fixtures.json")).items()) if not v["valid"]))'); do
    mkdir -p "broken/$name"
    # A fresh cache each: a broken blob must not reach a cache either.
    convert "oci:fx/$name:latest" -o "broken/$name/out.img" --cache-dir "broken-cache/$name"
    expect_failure "$name" "broken/$name"
    while IFS= read -r re; do
        if grep -Eiq -- "$re" <<<"$ERR"; then
            pass "$name: stderr matches /$re/"
        else
            fail "$name: no stderr line matches /$re/ (case-insensitive)"
            show
        fi
    done < <(fx "$name" error; echo)
done
# Nothing written outside the image by ../, absolute names or symlinked parents.
leaked=$(find / /tmp "$UK_WORK_DIR" -xdev -maxdepth 4 -newer marker \( -name evil -o -name pwned \) \
    2>/dev/null | grep -v "^$UK_WORK_DIR/fx/" || true)
if [ -z "$leaked" ]; then
    pass "no evil or pwned file written anywhere"
else
    fail "files written outside the image: $leaked"
fi
# The bad-digest layout stores wrong bytes under small's real layer digest: with the cache
# that saw them, small must still convert to the right tree.
convert oci:fx/small:latest -o small-after.img --cache-dir broken-cache/bad-digest
expect_status 0 "small with the cache bad-digest failed with"
if cmp -s small.img small-after.img; then
    pass "the failed bad-digest conversion cached nothing under the digest it claimed"
else
    fail "small converts differently after bad-digest used the cache"
fi

mkdir -p missing
convert oci:fx/no-such-layout:latest -o missing/out.img --no-cache
expect_failure "a missing layout" missing
expect_err 'no-such-layout' "a missing layout: the message names it"

# --- docker: ----------------------------------------------------------------------------------
# A private dockerd: vfs storage, its own data root, exec root and socket (short paths: unix
# socket names are limited to 108 bytes), stopped on exit whatever happens.
DK=$(mktemp -d /tmp/uk-convert-dockerd.XXXXXX)
stop_dockerd() { stop_dockerd_at "$DK"; }
trap stop_dockerd EXIT

if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    echo "SKIP: docker: part: dockerd or docker is missing (Debian's docker.io)"
else
    if ! start_dockerd "$DK"; then
        echo "SKIP: docker: part: the private dockerd did not start"
    else
        timeout 120 docker load -q -i ml-docker.tar >/dev/null
        convert_tree "convert docker:NAME:TAG" docker:example/multilayer:latest dk.img --no-cache
        # docker create + docker export: the container's tree is the image's plus what
        # docker's initlayer adds to every container (daemon/initlayer/setup_unix.go):
        # /.dockerenv, /etc/hostname, /etc/hosts, /etc/resolv.conf (empty files),
        # /etc/mtab -> /proc/mounts, /dev (with console, pts, shm), /proc and /sys.
        cid=$(timeout 60 docker create example/multilayer:latest)
        timeout 120 docker export "$cid" >dk-export.tar
        timeout 60 docker rm "$cid" >/dev/null
        mkdir -p dk-export
        tar -C dk-export --numeric-owner -xpf dk-export.tar
        # Docker (20.10) also creates the parents a layer does not list with mode 0600
        # (pkg/archive UnpackLayer), where umoci and containerd use 0755: /implicit and
        # /implicit/parent are compared with 0755.
        "$PY" "$HERE/tree_list.py" dk-export --exclude /.dockerenv --exclude /etc/hostname \
            --exclude /etc/hosts --exclude /etc/resolv.conf --exclude /etc/mtab \
            --exclude /dev --exclude /proc --exclude /sys |
            sed -E 's#^(/implicit(/parent)?) d 0600 #\1 d 0755 #' >dk-export.list
        if [ -f dk-tree.list ]; then
            if diff -u dk-export.list dk-tree.list >dk-export.diff; then
                pass "docker: the tree matches docker export's (less what docker adds)"
            else
                fail "docker: the tree differs from docker export's (- docker, + image)"
                head -40 dk-export.diff >&2
            fi
        fi
        # docker save's archive (the daemon's own layout, not skopeo's).
        timeout 120 docker save -o dk-save.tar example/multilayer:latest
        convert_tree "convert docker save's archive" docker-archive:dk-save.tar dk-save.img --no-cache
        # --format docker: `docker load` takes it; the original layers come back unchanged
        # (an ordinary runtime still runs the image's own programs: runc prints what the
        # converted image prints under uk) and one more layer holds /.uk/kernel, a uk image,
        # and /.uk/config.json.
        convert oci:fx/multilayer -o ml-uk.tar --format docker -t example/multilayer-uk --no-cache
        expect_status 0 "convert --format docker"
        if [ "$STATUS" -eq 0 ] && timeout 120 docker load -q -i ml-uk.tar >dk-load.out 2>&1; then
            pass "docker load takes the --format docker tarball"
            layers_in=$(timeout 60 docker image inspect -f '{{len .RootFS.Layers}}' example/multilayer:latest)
            layers_out=$(timeout 60 docker image inspect -f '{{len .RootFS.Layers}}' example/multilayer-uk:latest)
            expect_eq "$((layers_in + 1))" "$layers_out" "--format docker: the original layers plus one"
            label=$(timeout 60 docker image inspect -f '{{index .Config.Labels "io.uk.kernel"}}' example/multilayer-uk:latest)
            expect_eq "/.uk/kernel" "$label" "--format docker: the io.uk.kernel label"
            set +e
            OUT=$(timeout 120 docker run --rm --network none example/multilayer-uk:latest 2>&1)
            STATUS=$?
            set -e
            expect_status 0 "--format docker: runc runs the image's own program"
            expect_exact "$(fx multilayer output)" "--format docker: runc prints what uk prints"
            cid=$(timeout 60 docker create example/multilayer-uk:latest)
            timeout 120 docker cp "$cid:/.uk/kernel" dk-kernel >/dev/null
            timeout 120 docker cp "$cid:/.uk/config.json" dk-config.json >/dev/null
            timeout 60 docker rm "$cid" >/dev/null
            if "$UK" inspect dk-kernel >dk-kernel.txt 2>&1; then
                pass "--format docker: /.uk/kernel is a uk image"
            else
                fail "--format docker: /.uk/kernel is not a uk image: $(head -3 dk-kernel.txt)"
            fi
            if "$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["entrypoint"]==["/bin/sh","-c"], c; assert c["workingDir"]=="/data", c' dk-config.json; then
                pass "--format docker: /.uk/config.json holds the configuration"
            else
                fail "--format docker: /.uk/config.json: $(cat dk-config.json)"
            fi
        else
            fail "docker load of the --format docker tarball: $(cat dk-load.out 2>/dev/null) $ERR"
        fi
        mkdir -p dk-missing
        convert docker:example/no-such-image:latest -o dk-missing/out.img --no-cache
        expect_failure "docker: an image the daemon lacks" dk-missing
        expect_err 'no-such-image' "docker: an image the daemon lacks: the message names it"
    fi
fi
finish
