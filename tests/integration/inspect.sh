#!/usr/bin/env bash
# uk inspect: a packed busybox tree (summary, --list and --json checked against `find` on the
# tree and the options it was packed with), `uk build` images (compressed, stripped, plain), a
# corrupted archive, files that are not images and wrong command lines. Nothing boots.
if [ ! -x /bin/busybox ]; then
    echo "SKIP: /bin/busybox is missing (Debian's busybox-static; ./setup.sh installs it)"
    exit 77
fi
source "$(dirname "$0")/lib.sh"

# inspect [uk inspect args...]: runs it. Sets OUT, ERR, STATUS.
inspect() {
    set +e
    "$UK" inspect "$@" >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err"
    STATUS=$?
    set -e
    OUT=$(cat "$UK_WORK_DIR/out")
    ERR=$(cat "$UK_WORK_DIR/err")
}

# expect_line EXACT WHAT: stdout has exactly this line.
expect_line() {
    if grep -Fxq -- "$1" <<<"$OUT"; then
        pass "$2"
    else
        fail "$2: no stdout line is '$1'"
        show
    fi
}

# --- a packed tree ---------------------------------------------------------------------------
mkdir -p bb/bin bb/data/sub bb/empty
cp /bin/busybox bb/bin/busybox
ln -s busybox bb/bin/sh
ln -s /bin/busybox bb/bin/ls
printf 'pear\napple\nfig\n' >bb/data/fruit
ln bb/data/fruit bb/data/fruit.link
printf 'alpha beta\n' >bb/data/sub/words
: >bb/data/sub/empty
mkfifo bb/data/pipe
"$UK" pack bb -o bb.img -e GREETING=hello -e 'SPACED=a b' -w /data -- /bin/sh -c 'echo hi; exit 3'
pass "uk pack of a busybox tree"

count() { find bb "$@" | wc -l; }
entries=$(count)
files=$(count -type f)
dirs=$(count -type d)
links=$(count -type l)
fifos=$(count -type p)
# Each linked file's data is in the archive once.
data=$(find bb -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s }')

inspect bb.img
expect_status 0 "inspect a packed image"
expect_line "image:          bb.img" "inspect: the image's name"
expect_out "^size: +$(stat -c %s bb.img) bytes \([0-9.]+ MiB\)$" "inspect: the file's size"
expect_line "compressed:     no" "inspect: not compressed"
expect_out '^application: +none linked: the entrypoint is a program in the root file system$' \
    "inspect: no application linked"
expect_line "  Entrypoint:   /bin/sh" "inspect: Entrypoint"
expect_line "  Cmd:          -c 'echo hi; exit 3'" "inspect: Cmd, shell-quoted"
expect_line "  Env:          GREETING=hello" "inspect: first Env"
expect_line "  Env:          SPACED=a b" "inspect: second Env"
expect_line "  WorkingDir:   /data" "inspect: WorkingDir"
expect_line "  entries:      $entries" "inspect: entries = find's ($entries)"
expect_line "  files:        $files" "inspect: files = find -type f ($files)"
expect_line "  directories:  $dirs" "inspect: directories = find -type d ($dirs)"
expect_line "  symlinks:     $links" "inspect: symlinks = find -type l ($links)"
expect_line "  hard links:   1 (names beyond a file's first)" "inspect: one hard link"
expect_line "  special:      $fifos (device nodes, FIFOs, sockets)" "inspect: the FIFO"
expect_out "^  data: +$data bytes" "inspect: data bytes ($data)"
expect_out '^root file system: [0-9]+ bytes of cpio archive' "inspect: the archive's size"

inspect --list bb.img
expect_status 0 "inspect --list"
expect_count '.' "$entries" "inspect --list: one line per entry"
if [ "$(printf '%s\n' "$OUT" | sed -E 's/^([^ ]+ +){5}//; s/ -> .*//' | LC_ALL=C sort)" = \
     "$(cd bb && find . | sed -e 's|^\./||' | LC_ALL=C sort)" ]; then
    pass "inspect --list: the names are find's"
else
    fail "inspect --list: the names differ from find's"
    show
fi
owner="$(id -u)/$(id -g)"
expect_out "^drwxr-xr-x +$owner +0 [0-9-]+ [0-9:]+ \.$" "inspect --list: the root directory"
expect_out "^lrwxrwxrwx +$owner +7 .* bin/sh -> busybox$" "inspect --list: a symlink and its target"
expect_out "^-rw-r--r-- +$owner +$(stat -c %s bb/data/fruit) $(date -u -r bb/data/fruit \
    '+%Y-%m-%d %H:%M') data/fruit.link$" "inspect --list: mode, owner, size, UTC mtime"
expect_out "^p[-rwx]{9} +$owner +0 .* data/pipe$" "inspect --list: the FIFO"
if [ "$(printf '%s\n' "$OUT" | head -1 | awk '{ print $NF }')" = "." ] &&
    [ "$(printf '%s\n' "$OUT" | sed -n 2p | awk '{ print $NF }')" = "bin" ]; then
    pass "inspect --list: archive order"
else
    fail "inspect --list: not in archive order"
    show
fi

inspect --json --list bb.img
expect_status 0 "inspect --json --list"
if python3 - "$UK_WORK_DIR/out" "$entries" "$files" "$dirs" "$links" "$fifos" "$data" \
    "$(stat -c %s bb.img)" <<'EOF'; then
import json, sys
j = json.load(open(sys.argv[1]))
entries, files, dirs, links, fifos, data, size = map(int, sys.argv[2:])
want = {"image": "bb.img", "size": size, "compressed": False, "application": "rootfs"}
for k, v in want.items():
    assert j[k] == v, (k, j[k], v)
c = j["config"]
assert c["entrypoint"] == ["/bin/sh"], c
assert c["cmd"] == ["-c", "echo hi; exit 3"], c
assert c["env"] == ["GREETING=hello", "SPACED=a b"], c
assert c["workingDir"] == "/data", c
assert c["user"] is None and c["groups"] == [] and c["labels"] == {}, c
r = j["rootfs"]
got = {k: r[k] for k in ("entries", "files", "directories", "symlinks", "hardLinks", "special",
                         "dataBytes")}
assert got == {"entries": entries, "files": files, "directories": dirs, "symlinks": links,
               "hardLinks": 1, "special": fifos, "dataBytes": data}, got
assert r["archiveBytes"] > data, r
assert len(j["entries"]) == entries
sh = [e for e in j["entries"] if e["name"] == "bin/sh"][0]
assert sh["target"] == "busybox" and sh["type"] == "symlink", sh
EOF
    pass "inspect --json: valid JSON whose counts are find's"
else
    fail "inspect --json: wrong JSON"
    show
fi
inspect --json bb.img
if python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); assert "entries" not in j' \
    "$UK_WORK_DIR/out"; then
    pass "inspect --json: no entries without --list"
else
    fail "inspect --json: entries without --list"
fi

# --- images made by uk build ----------------------------------------------------------------
"$UK" build --strip "$UK_SOURCE_DIR/apps/hello-c/hello.c" -o small.img
inspect small.img
expect_status 0 "inspect a compressed image"
expect_out '^compressed: +yes' "inspect: compressed"
expect_out '^application: +linked into the image' "inspect: the application is linked"
expect_out '^  Entrypoint: +[^ (]+$' "inspect: the Entrypoint inside the compressed payload"
expect_line "root file system: none" "inspect: no root file system"
inspect --json small.img
if python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
assert j["compressed"] is True and j["application"] == "linked" and j["rootfs"] is None, j
assert len(j["config"]["entrypoint"]) == 1, j' "$UK_WORK_DIR/out"; then
    pass "inspect --json: the compressed image"
else
    fail "inspect --json: the compressed image"
    show
fi
inspect --list small.img
expect_status 0 "inspect --list without a root file system"
expect_err 'has no root file system' "inspect --list: says there is none"

# Stripped but not compressed: no symbols, so the configuration is found by its header.
"$UK" build --strip --no-compress "$UK_SOURCE_DIR/apps/hello-c/hello.c" -o plain.img
inspect plain.img
expect_status 0 "inspect a stripped, uncompressed image"
expect_out '^compressed: +no$' "inspect: stripped, not compressed"
expect_out '^  Entrypoint: +plain$' "inspect: the Entrypoint of a stripped image"

hello=$(image hello-c "$UK_SOURCE_DIR/apps/hello-c/hello.c")
inspect "$hello"
expect_status 0 "inspect an uncompressed uk build image"
expect_out '^compressed: +no$' "inspect: uncompressed"
expect_out '^application: +linked into the image' "inspect: linked"
expect_out '^  Entrypoint: +hello-c$' "inspect: uk build's Entrypoint is the image's name"

# --- errors ----------------------------------------------------------------------------------
python3 - <<'EOF'
# A bad hex digit in the mode of the archive's second entry ("bin", after the 112 bytes of
# "."), in the section .uk.initrd found by its section header.
import struct
data = bytearray(open("bb.img", "rb").read())
shoff, = struct.unpack_from("<Q", data, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
def section(i):
    name, _, _, _, offset, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
    return name, offset, size
names = section(shstrndx)[1]
for i in range(shnum):
    name, offset, size = section(i)
    if data[names + name:].split(b"\0")[0] == b".uk.initrd":
        assert data[offset + 112:offset + 118] == b"070701"
        data[offset + 112 + 6 + 8 + 2] = ord("z")
open("corrupt.img", "wb").write(data)
EOF
inspect corrupt.img
expect_status 1 "inspect a corrupt archive"
expect_err '^uk inspect: error: corrupt\.img: the root file system \(\.uk\.initrd\) is corrupt at offset 126: the header.s mode field is not hexadecimal' \
    "inspect: names the image, the offset and the problem"

echo "not an image" >notes.txt
inspect notes.txt
expect_status 1 "inspect a text file"
expect_err '^uk inspect: error: notes\.txt: not a uk image: not an ELF file' "inspect: not an ELF file"
inspect /bin/busybox
expect_status 1 "inspect a Linux program"
expect_err '^uk inspect: error: /bin/busybox: not a uk image: it has no PVH entry note' \
    "inspect: no PVH note"
inspect missing.img
expect_status 1 "inspect a missing file"
expect_err '^uk inspect: error: missing\.img: no such file$' "inspect: no such file"
inspect bb
expect_status 1 "inspect a directory"

inspect
expect_status 2 "inspect without an image"
expect_err '^uk inspect: error: no image given' "inspect: says an image is needed"
inspect --bogus bb.img
expect_status 2 "inspect with an unknown option"
expect_err "^usage: uk inspect IMAGE" "inspect: usage after a usage error"
inspect bb.img small.img
expect_status 2 "inspect with two images"
inspect --help
expect_status 0 "inspect --help"
expect_out '^usage: uk inspect IMAGE \[--json\] \[--list\]$' "inspect --help: usage"
"$UK" --help >help.txt
if grep -Eq '^  inspect +show ' help.txt; then
    pass "uk --help lists inspect"
else
    fail "uk --help does not list inspect"
fi

finish
