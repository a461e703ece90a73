#!/usr/bin/env python3
"""Writes OCI image layouts for the `uk convert` tests (convert.sh). Standard library only.

    oci_fixtures.py OUTDIR [NAME...]

Each NAME becomes OUTDIR/NAME: an OCI image layout (oci-layout, index.json, blobs/sha256/...)
whose index.json entry carries org.opencontainers.image.ref.name=latest, so that
`skopeo inspect oci:OUTDIR/NAME:latest` and `umoci unpack --image OUTDIR/NAME:latest` find it.
Without NAMEs every fixture is written. OUTDIR/fixtures.json describes them: for each, whether
it is valid, and for the broken ones the regular expressions (case-insensitive) that
`uk convert`'s error message must match. Every byte is deterministic: entries have fixed
mtimes, uid/gid and no user names, gzip streams have mtime 0 and no file name, JSON is
written in a fixed key order (the python fixture copies the host's python3, so it is
deterministic per host).

Fixtures (all linux/amd64 unless said otherwise):
  multilayer      4 layers (gzip, uncompressed tar, gzip with "./" names, gzip) over a static
                  busybox: file and directory whiteouts, an opaque directory whose marker comes
                  after new entries of the same layer, hardlinks (one across layers, one whose
                  target a later layer replaces), relative/absolute/dangling symlinks,
                  file<->directory replacements, a replaced file with a new mode and owner,
                  uid/gid 1000, modes 0600/0700/04755/02775/01777, a fixed mtime, a FIFO, a
                  file under parent directories the layer does not list. Boots: its Cmd
                  prints what it sees (MULTILAYER_OUTPUT below).
  small           busybox and one small layer (hello.txt and 64 KiB of incompressible data).
  multi-platform  index.json -> an image index with linux/arm64 (first) and linux/amd64
                  manifests; /platform says which one was picked (valid: pick amd64).
  python          Debian's python3 with the libraries it needs and a pruned standard library,
                  over 3 layers; User app (1234:1234, also in group extra 2000), Env,
                  WorkingDir, ExposedPorts, Volumes, Labels; Cmd /work/show.py prints what
                  the process sees (see SHOW_PY; docker run prints "groups 1234 2000": the
                  primary group too).
  Broken, each derived from `small`:
  bad-digest      layer 2's bytes differ from its manifest digest (same size, same content
                  once decompressed: only the digest check can catch it)
  bad-diffid      config's diff_id of layer 2 is wrong
  truncated-gzip  layer 2's gzip stream cut in half, digest and size those of the cut bytes
  traversal       layer 2 holds an entry ../../evil
  absolute        layer 2 holds an entry /etc/evil (leading slash)
  symlink-escape  layer 2: symlink esc -> ../../..; layer 3: esc/pwned (writes through it)
  symlink-escape-abs  the same with esc -> /tmp
  bad-json        the manifest blob is not JSON (its digest matches the bytes)
  missing-config  the manifest's config blob is absent
  arm64-only      index.json -> an image index holding only a linux/arm64 manifest
  arm64-config    index.json -> a manifest without a platform whose config says arm64
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tarfile

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"

MTIME = 1700000000  # every entry's mtime unless said otherwise (2023-11-14T22:13:20Z)
DATED_MTIME = 1234567890  # /etc/dated in multilayer
CREATED = "2024-01-02T03:04:05Z"
BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "ls", "cat", "id", "env", "pwd", "echo", "test", "[", "stat", "readlink",
           "wc", "head", "sort", "find", "md5sum", "sha256sum", "printf", "mkdir", "true",
           "false", "uname", "tr"]


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def jbytes(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def gzip_bytes(data, level=6):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=level) as f:
        f.write(data)
    return buf.getvalue()


def noise(n, seed=b"uk"):
    """n deterministic, incompressible bytes."""
    out = bytearray()
    h = hashlib.sha256(seed).digest()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])


class Layer:
    """A layer's tar stream, built entry by entry in the order the calls are made."""

    def __init__(self, prefix=""):
        self.prefix = prefix  # "./" makes names like tar -C DIR -c . does
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)
        self._bytes = None

    def _info(self, name, kind, mode, uid, gid, mtime, raw_name=False):
        ti = tarfile.TarInfo(name if raw_name else self.prefix + name)
        ti.type = kind
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.uname = ti.gname = ""
        ti.mtime = mtime
        return ti

    def dir(self, name, mode=0o755, uid=0, gid=0, mtime=MTIME):
        self.tar.addfile(self._info(name.rstrip("/") + "/", tarfile.DIRTYPE, mode, uid, gid, mtime))
        return self

    def file(self, name, data, mode=0o644, uid=0, gid=0, mtime=MTIME, raw_name=False):
        if isinstance(data, str):
            data = data.encode()
        ti = self._info(name, tarfile.REGTYPE, mode, uid, gid, mtime, raw_name)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))
        return self

    def symlink(self, name, target, uid=0, gid=0):
        ti = self._info(name, tarfile.SYMTYPE, 0o777, uid, gid, MTIME)
        ti.linkname = target
        self.tar.addfile(ti)
        return self

    def hardlink(self, name, target):
        ti = self._info(name, tarfile.LNKTYPE, 0o644, 0, 0, MTIME)
        ti.linkname = self.prefix + target
        self.tar.addfile(ti)
        return self

    def fifo(self, name, mode=0o644):
        self.tar.addfile(self._info(name, tarfile.FIFOTYPE, mode, 0, 0, MTIME))
        return self

    def whiteout(self, path):
        """Hides PATH of the layers below: an empty file .wh.BASENAME next to it."""
        head, base = os.path.split(path)
        return self.file(os.path.join(head, ".wh." + base), b"", mode=0o644)

    def opaque(self, directory):
        """Hides everything the layers below have in DIRECTORY."""
        return self.file(directory.rstrip("/") + "/.wh..wh..opq", b"", mode=0o644)

    def host_file(self, name, path, mode=None):
        with open(path, "rb") as f:
            data = f.read()
        if mode is None:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        return self.file(name, data, mode=mode)

    def bytes(self):
        if self._bytes is None:
            self.tar.close()
            self._bytes = self.buf.getvalue()
        return self._bytes


class Layout:
    """An OCI image layout directory."""

    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            shutil.rmtree(path)
        os.makedirs(os.path.join(path, "blobs", "sha256"))
        with open(os.path.join(path, "oci-layout"), "wb") as f:
            f.write(jbytes({"imageLayoutVersion": "1.0.0"}))

    def blob_path(self, digest):
        return os.path.join(self.path, "blobs", "sha256", digest.split(":", 1)[1])

    def blob(self, data, media_type, digest=None):
        """Stores DATA (under DIGEST if given: a lie) and returns its descriptor."""
        digest = digest or sha256(data)
        with open(self.blob_path(digest), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def image(self, layers, config, arch="amd64", history=None, tamper=None):
        """Stores an image: LAYERS are (Layer, gzip?) pairs; CONFIG is the config's "config"
        object. TAMPER(kind, index, blob, descriptor) may alter what is stored. Returns the
        manifest's descriptor (with its platform) and the descriptors of its parts."""
        layer_descs, diff_ids = [], []
        for i, (layer, compress) in enumerate(layers):
            raw = layer.bytes()
            diff_ids.append(sha256(raw))
            data = gzip_bytes(raw) if compress else raw
            mt = MT_LAYER_GZIP if compress else MT_LAYER_TAR
            if tamper:
                data, mt, digest = tamper("layer", i, data, mt)
            else:
                digest = None
            layer_descs.append(self.blob(data, mt, digest))
        if history is None:
            history = [{"created": CREATED, "created_by": "oci_fixtures.py layer %d" % i}
                       for i in range(len(layers))]
        cfg = {
            "created": CREATED,
            "architecture": arch,
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        }
        if tamper:
            cfg = tamper("config", None, cfg, None)
        config_desc = self.blob(jbytes(cfg), MT_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": config_desc,
            "layers": layer_descs,
        }
        mdata = jbytes(manifest)
        if tamper:
            mdata = tamper("manifest", None, mdata, None)
        desc = self.blob(mdata, MT_MANIFEST)
        desc["platform"] = {"architecture": arch, "os": "linux"}
        return desc, {"config": config_desc, "layers": layer_descs, "diff_ids": diff_ids}

    def index(self, manifests, media_type=MT_MANIFEST):
        """Writes index.json with one entry tagged latest: the manifest itself, or (with
        several, or media_type MT_INDEX) an image index blob listing them."""
        if len(manifests) == 1 and media_type == MT_MANIFEST:
            entry = dict(manifests[0])
        else:
            nested = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests}
            entry = self.blob(jbytes(nested), MT_INDEX)
        entry["annotations"] = {REF_NAME: "latest"}
        top = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [entry]}
        with open(os.path.join(self.path, "index.json"), "wb") as f:
            f.write(jbytes(top))


# --- busybox -------------------------------------------------------------------------------

def busybox_layer():
    layer = Layer()
    layer.dir("bin")
    layer.host_file("bin/busybox", BUSYBOX, mode=0o755)
    for applet in APPLETS:
        layer.symlink("bin/" + applet, "busybox")
    return layer


# --- multilayer ----------------------------------------------------------------------------

MULTILAYER_SCRIPT = r"""echo "alt: $(cat /etc/alt)"
echo "rel: $(cat /data/rel)"
echo "a b c: $(cat /data/a) $(cat /data/b) $(cat /data/c)"
echo "h1: $(cat /data/h1)"
echo "h2: $(cat /data/h2)"
echo "config: $(cat /etc/config.txt)"
echo "opq: $(ls /opq | tr '\n' ' ')"
echo "swap: $(ls /swap | tr '\n' ' ')"
test -e /data/gone.txt || echo "gone.txt: whited out"
test -e /olddir || echo "olddir: whited out"
test -f /swap/d2f && echo "d2f: $(cat /swap/d2f)"
test -d /swap/f2d && echo "f2d: $(cat /swap/f2d/child)"
test -d /swap/f2d-wh && echo "f2d-wh: $(cat /swap/f2d-wh/c)"
test -p /run/fifo && echo "fifo: a fifo"
test -L /data/dangling && echo "dangling: $(readlink /data/dangling)"
echo "implicit: $(cat /implicit/parent/file)"
stat -c '%a %u %g %n' /etc/config.txt /home/user /home/user/secret /bin/suid /scratch /shared
echo "pwd: $(pwd) FOO=$FOO"
echo "id: $(id -u) $(id -g)"
"""

# What MULTILAYER_SCRIPT prints (convert.sh checks it line by line).
MULTILAYER_OUTPUT = """alt: the real file
rel: the real file
a b c: linked linked linked
h1: h1 version 2
h2: h1 version 1
config: config version 2
opq: new1 new2 newsub 
swap: d2f f2d f2d-wh keep 
gone.txt: whited out
olddir: whited out
d2f: now a file
f2d: child
f2d-wh: c
fifo: a fifo
dangling: /nonexistent
implicit: implicit parents
600 1000 1000 /etc/config.txt
700 1000 1000 /home/user
600 1000 1000 /home/user/secret
4755 0 0 /bin/suid
1777 0 0 /scratch
2775 0 1000 /shared
pwd: /data FOO=bar
id: 0 0
"""


def multilayer(out):
    lay = Layout(os.path.join(out, "multilayer"))

    # Layer 1 (gzip): busybox and everything the later layers change.
    l1 = busybox_layer()
    l1.file("bin/suid", "#!/bin/sh\necho suid\n", mode=0o4755)
    l1.dir("etc")
    l1.file("etc/real", "the real file\n")
    l1.symlink("etc/alt", "/etc/real")  # absolute: means the image's own /etc/real
    l1.file("etc/config.txt", "config version 1\n", mode=0o644)
    l1.file("etc/dated", "dated\n", mtime=DATED_MTIME)
    l1.dir("data")
    l1.file("data/a", "linked\n")
    l1.hardlink("data/b", "data/a")
    l1.file("data/h1", "h1 version 1\n")
    l1.hardlink("data/h2", "data/h1")  # layer 3 replaces h1: h2 keeps version 1
    l1.file("data/gone.txt", "layer 2 deletes this\n")
    l1.symlink("data/rel", "../etc/real")
    l1.symlink("data/dangling", "/nonexistent")
    l1.dir("olddir")
    l1.file("olddir/x", "x\n")
    l1.dir("olddir/sub")
    l1.file("olddir/sub/y", "y\n")
    l1.dir("opq")
    l1.file("opq/old1", "old1\n")
    l1.dir("opq/oldsub")
    l1.file("opq/oldsub/old2", "old2\n")
    l1.dir("swap")
    l1.dir("swap/d2f")
    l1.file("swap/d2f/inner", "inner\n")
    l1.file("swap/f2d", "was a file\n")
    l1.file("swap/f2d-wh", "was a file too\n")
    l1.file("swap/keep", "kept\n")
    l1.dir("home")
    l1.dir("home/user", mode=0o700, uid=1000, gid=1000)
    l1.file("home/user/secret", "secret\n", mode=0o600, uid=1000, gid=1000)
    l1.dir("scratch", mode=0o1777)
    l1.dir("shared", mode=0o2775, gid=1000)
    l1.dir("run")
    l1.fifo("run/fifo")

    # Layer 2 (uncompressed tar): whiteouts, an opaque directory, replacements.
    l2 = Layer()
    l2.dir("data")
    l2.whiteout("data/gone.txt")
    l2.hardlink("data/c", "data/a")  # a hardlink to a lower layer's file
    l2.whiteout("olddir")  # a whole directory
    l2.dir("opq")
    l2.file("opq/new1", "new1\n")  # before the marker: must survive it
    l2.opaque("opq")
    l2.file("opq/new2", "new2\n")
    l2.dir("opq/newsub")
    l2.file("opq/newsub/n3", "n3\n")
    l2.dir("swap")
    l2.file("swap/d2f", "now a file\n")  # a directory replaced by a file, no whiteout
    l2.dir("swap/f2d")  # a file replaced by a directory, no whiteout
    l2.file("swap/f2d/child", "child\n")
    l2.whiteout("swap/f2d-wh")  # a file whited out, then a directory in its place
    l2.dir("swap/f2d-wh")
    l2.file("swap/f2d-wh/c", "c\n")
    l2.file("implicit/parent/file", "implicit parents\n")  # no entries for its parents

    # Layer 3 (gzip, names as `tar -C DIR -c .` writes them, the root included).
    l3 = Layer(prefix="./")
    l3.dir("")  # "./"
    l3.dir("data")
    l3.file("data/h1", "h1 version 2\n")
    l3.dir("etc")
    l3.file("etc/config.txt", "config version 2\n", mode=0o600, uid=1000, gid=1000)

    # Layer 4 (gzip): one more file, so the config's history has an empty layer in between.
    l4 = Layer()
    l4.dir("etc")
    l4.file("etc/motd", "converted by uk\n")

    history = [
        {"created": CREATED, "created_by": "ADD busybox and the base tree"},
        {"created": CREATED, "created_by": "RUN whiteouts and replacements"},
        {"created": CREATED, "created_by": "ENV FOO=bar", "empty_layer": True},
        {"created": CREATED, "created_by": "COPY . /"},
        {"created": CREATED, "created_by": "WORKDIR /data", "empty_layer": True},
        {"created": CREATED, "created_by": "COPY motd /etc/motd"},
    ]
    config = {
        "Env": ["PATH=/bin", "FOO=bar"],
        "Entrypoint": ["/bin/sh", "-c"],
        "Cmd": [MULTILAYER_SCRIPT],
        "WorkingDir": "/data",
    }
    desc, parts = lay.image([(l1, True), (l2, False), (l3, True), (l4, True)], config,
                            history=history)
    lay.index([desc])
    return {"valid": True, "layers": 4, "output": MULTILAYER_OUTPUT}


# --- small and the broken variants ---------------------------------------------------------

_busybox_cache = {}


def cached_busybox_layer():
    if "l" not in _busybox_cache:
        _busybox_cache["l"] = busybox_layer()
    return _busybox_cache["l"]


def small_layer(extra=None):
    layer = Layer()
    layer.file("hello.txt", "hello from small\n")
    layer.dir("data")
    layer.file("data/noise", noise(64 * 1024))
    if extra:
        extra(layer)
    return layer


SMALL_CONFIG = {"Env": ["PATH=/bin"], "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["cat /hello.txt"]}


def small_image(out, name, tamper=None, extra=None, third=None, arch="amd64"):
    lay = Layout(os.path.join(out, name))
    layers = [(cached_busybox_layer(), True), (small_layer(extra), True)]
    if third:
        layers.append((third, True))
    desc, parts = lay.image(layers, dict(SMALL_CONFIG), arch=arch, tamper=tamper)
    return lay, desc, parts


def hex12(digest):
    return digest.split(":", 1)[1][:12]


def broken(out):
    fx = {}

    lay, desc, parts = small_image(out, "small")
    lay.index([desc])
    fx["small"] = {"valid": True, "layers": 2, "output": "hello from small\n"}

    # bad-digest: byte 9 of a gzip header is the OS field; changing it changes the digest but
    # not the size or the decompressed content.
    def bad_digest(kind, i, data, mt):
        if kind == "layer" and i == 1:
            real = sha256(data)
            data = data[:9] + bytes([(data[9] + 1) % 256]) + data[10:]
            return data, mt, real
        if kind == "layer":
            return data, mt, None
        return data

    lay, desc, parts = small_image(out, "bad-digest", tamper=bad_digest)
    lay.index([desc])
    d = parts["layers"][1]["digest"]
    fx["bad-digest"] = {"valid": False, "error": ["digest", hex12(d)], "layer": d}

    wrong = sha256(b"not the layer")

    def bad_diffid(kind, i, data, mt):
        if kind == "config":
            data["rootfs"]["diff_ids"][1] = wrong
            return data
        if kind == "layer":
            return data, mt, None
        return data

    lay, desc, parts = small_image(out, "bad-diffid", tamper=bad_diffid)
    lay.index([desc])
    d = parts["layers"][1]["digest"]
    fx["bad-diffid"] = {"valid": False, "error": [r"diff.?id|digest",
                                                  "|".join([hex12(d), hex12(wrong)])],
                        "layer": d}

    def truncated(kind, i, data, mt):
        if kind == "layer":
            return (data[: len(data) // 2] if i == 1 else data), mt, None
        return data

    lay, desc, parts = small_image(out, "truncated-gzip", tamper=truncated)
    lay.index([desc])
    d = parts["layers"][1]["digest"]
    fx["truncated-gzip"] = {"valid": False,
                            "error": [r"truncat|gzip|unexpected end|end of (file|stream|data)|eof",
                                      hex12(d)],
                            "layer": d}

    lay, desc, parts = small_image(
        out, "traversal", extra=lambda l: l.file("../../evil", "evil\n", raw_name=True))
    lay.index([desc])
    fx["traversal"] = {"valid": False, "error": [r"\.\./\.\./evil|\.\..*evil"]}

    lay, desc, parts = small_image(
        out, "absolute", extra=lambda l: l.file("/etc/evil", "evil\n", raw_name=True))
    lay.index([desc])
    fx["absolute"] = {"valid": False, "error": ["/etc/evil"]}

    for name, target in (("symlink-escape", "../../.."), ("symlink-escape-abs", "/tmp")):
        third = Layer().file("esc/pwned", "pwned\n")
        lay, desc, parts = small_image(out, name, extra=lambda l, t=target: l.symlink("esc", t),
                                       third=third)
        lay.index([desc])
        fx[name] = {"valid": False, "error": ["symlink", "esc"]}

    def bad_json(kind, i, data, mt):
        if kind == "manifest":
            return data[: len(data) // 2]  # cut mid-object: not JSON
        if kind == "layer":
            return data, mt, None
        return data

    lay, desc, parts = small_image(out, "bad-json", tamper=bad_json)
    lay.index([desc])
    fx["bad-json"] = {"valid": False, "error": ["json"], "manifest": desc["digest"]}

    lay, desc, parts = small_image(out, "missing-config")
    os.remove(lay.blob_path(parts["config"]["digest"]))
    lay.index([desc])
    fx["missing-config"] = {"valid": False, "error": ["config", hex12(parts["config"]["digest"])]}

    lay, desc, parts = small_image(out, "arm64-only", arch="arm64")
    lay.index([desc], media_type=MT_INDEX)
    fx["arm64-only"] = {"valid": False, "error": ["amd64|arm64"]}

    lay, desc, parts = small_image(out, "arm64-config", arch="arm64")
    del desc["platform"]
    lay.index([desc])
    fx["arm64-config"] = {"valid": False, "error": ["amd64|arm64"]}

    # multi-platform: a nested index, arm64 listed first.
    lay = Layout(os.path.join(out, "multi-platform"))
    descs = []
    for arch in ("arm64", "amd64"):
        layer = Layer().file("platform", arch + "\n")
        desc, parts = lay.image([(cached_busybox_layer(), True), (layer, True)],
                                {"Env": ["PATH=/bin"], "Entrypoint": ["/bin/cat"],
                                 "Cmd": ["/platform"]}, arch=arch)
        descs.append(desc)
    lay.index(descs)
    fx["multi-platform"] = {"valid": True, "layers": 2, "output": "amd64\n"}
    return fx


# --- python --------------------------------------------------------------------------------

SHOW_PY = """import os, sys, json
print("uid", os.getuid(), "gid", os.getgid())
print("groups", " ".join(str(g) for g in sorted(os.getgroups())))
print("cwd", os.getcwd())
print("GREETING", os.environ.get("GREETING"))
print("HOME", os.environ.get("HOME"))
print("args", json.dumps(sys.argv[1:]))
"""

PASSWD = """root:x:0:0:root:/root:/bin/sh
app:x:1234:1234:app:/home/app:/bin/sh
"""
GROUP = """root:x:0:
app:x:1234:
extra:x:2000:app
"""

# Parts of the standard library that `import os, json, sys` and site do not need.
STDLIB_PRUNE = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "__pycache__",
                "lib2to3", "pydoc_data", "distutils", "unittest", "asyncio", "multiprocessing",
                "email", "xml", "xmlrpc", "http", "urllib", "html", "wsgiref", "sqlite3",
                "curses", "dbm", "ctypes", "concurrent", "venv", "site-packages",
                "dist-packages"}


def elf_interpreter(path):
    """PT_INTERP of a 64-bit little-endian ELF file, or None."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data,
                                                                  phoff + i * phentsize)
        if p_type == 3:
            return data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
    return None


def ldd(path):
    """The absolute paths of the libraries ldd lists for PATH (interpreter excluded)."""
    try:
        text = subprocess.run(["ldd", path], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        sys.exit("oci_fixtures.py: ldd is missing")
    libs = []
    for line in text.splitlines():
        if "=>" in line:
            target = line.split("=>", 1)[1].split()
            if target and target[0].startswith("/"):
                libs.append(target[0])
    return libs


def usr_path(path):
    """Where PATH lives in a merged-/usr image: /lib/x and /lib64/x under /usr."""
    path = os.path.normpath(path)
    for top in ("/lib/", "/lib64/", "/bin/", "/sbin/"):
        if path.startswith(top):
            return "/usr" + path
    return path


def python(out):
    py = os.path.realpath("/usr/bin/python3")
    pyver = os.path.basename(py)  # python3.11
    stdlib = os.path.join("/usr/lib", pyver)
    interp = elf_interpreter(py)
    if not interp or not os.path.isdir(stdlib):
        sys.exit("oci_fixtures.py: cannot find /usr/bin/python3's interpreter or " + stdlib)
    base_libs = set(ldd(py))
    base_names = {os.path.basename(l) for l in base_libs}

    # Layer 1: merged-/usr skeleton, the loader, libraries, python itself.
    l1 = Layer()
    l1.dir("usr")
    l1.dir("usr/bin")
    l1.dir("usr/lib")
    l1.dir("usr/lib64")
    l1.symlink("bin", "usr/bin")
    l1.symlink("lib", "usr/lib")
    l1.symlink("lib64", "usr/lib64")
    made = {"usr", "usr/bin", "usr/lib", "usr/lib64"}

    def add(layer, src, dest):
        parts = dest.strip("/").split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d not in made:
                layer.dir(d)
                made.add(d)
        layer.host_file(dest.strip("/"), os.path.realpath(src))

    # The interpreter: the real file in usr/lib/<triplet>, usr/lib64's name a link to it,
    # as Debian has them.
    interp_real = os.path.realpath(interp)
    add(l1, interp_real, usr_path(interp_real))
    if usr_path(interp) != usr_path(interp_real):
        l1.symlink(usr_path(interp).strip("/"),
                   os.path.relpath(usr_path(interp_real), os.path.dirname(usr_path(interp))))
    add(l1, py, "/usr/bin/" + pyver)
    l1.symlink("usr/bin/python3", pyver)
    for lib in sorted(base_libs):
        add(l1, lib, usr_path(lib))

    # Layer 2: the standard library, pruned; extension modules that need libraries
    # python itself does not are left out.
    l2 = Layer()
    l2.dir("usr")
    l2.dir("usr/lib")
    for root, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs
                         if d not in STDLIB_PRUNE and not d.startswith("config-"))
        rel = os.path.relpath(root, "/")
        l2.dir(rel)
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith(".so"):
                if "_test" in name or "xxlimited" in name or "xxsub" in name:
                    continue
                if not {os.path.basename(l) for l in ldd(path)} <= base_names:
                    continue
            if os.path.islink(path):
                l2.symlink(os.path.join(rel, name), os.readlink(path))
            elif os.path.isfile(path):
                l2.host_file(os.path.join(rel, name), path)

    # Layer 3: users, groups, the application.
    l3 = Layer()
    l3.dir("etc")
    l3.file("etc/passwd", PASSWD)
    l3.file("etc/group", GROUP)
    l3.dir("root", mode=0o700)
    l3.dir("home")
    l3.dir("home/app", uid=1234, gid=1234)
    l3.dir("tmp", mode=0o1777)
    l3.dir("work")
    l3.file("work/show.py", SHOW_PY)

    config = {
        "User": "app",
        "ExposedPorts": {"8080/tcp": {}},
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "GREETING=hello from env"],
        "Entrypoint": ["/usr/bin/python3"],
        "Cmd": ["/work/show.py"],
        "Volumes": {"/data": {}},
        "WorkingDir": "/work",
        "Labels": {"org.example.role": "test"},
    }
    lay = Layout(os.path.join(out, "python"))
    desc, parts = lay.image([(l1, True), (l2, True), (l3, True)], config)
    lay.index([desc])
    return {"valid": True, "layers": 3,
            "output": "uid 1234 gid 1234\ngroups 1234 2000\ncwd /work\nGREETING hello from env\n"
                      "HOME /home/app\nargs []\n"}


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        sys.exit("usage: oci_fixtures.py OUTDIR [NAME...]")
    out = argv[1]
    wanted = set(argv[2:])
    os.makedirs(out, exist_ok=True)
    if not os.path.isfile(BUSYBOX):
        sys.exit("oci_fixtures.py: %s is missing (Debian's busybox-static)" % BUSYBOX)
    fixtures = {}
    if not wanted or "multilayer" in wanted:
        fixtures["multilayer"] = multilayer(out)
    if not wanted or wanted - {"multilayer", "python"}:
        for name, fx in broken(out).items():
            if not wanted or name in wanted:
                fixtures[name] = fx
            else:
                shutil.rmtree(os.path.join(out, name))
    if not wanted or "python" in wanted:
        fixtures["python"] = python(out)
    with open(os.path.join(out, "fixtures.json"), "w") as f:
        json.dump(fixtures, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
