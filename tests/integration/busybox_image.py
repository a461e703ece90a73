#!/usr/bin/env python3
"""Writes a small busybox image as a `docker save` tarball (docker load and uk convert take it),
without Docker or a registry. Standard library only.

    busybox_image.py OUTPUT.tar NAME:TAG [--entrypoint WORD]... [--cmd WORD]...
                     [--env NAME=VALUE]... [--expose PORT/PROTO]... [--workdir DIR]
                     [--file PATH=TEXT]... [--volume PATH]...

One layer: Debian's static busybox as /bin/busybox with a link for every applet it has,
/etc/passwd and /etc/group (root, nobody), /tmp (1777), and the --file entries.
"""

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile

BUSYBOX = "/bin/busybox"
MTIME = 1700000000


def add(tar, name, data=None, mode=0o644, kind=tarfile.REGTYPE, target=""):
    info = tarfile.TarInfo(name)
    info.mtime = MTIME
    info.mode = mode
    info.type = kind
    info.linkname = target
    if data is not None:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


def layer(files):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in ("bin", "etc", "www"):
            add(tar, d, mode=0o755, kind=tarfile.DIRTYPE)
        add(tar, "tmp", mode=0o1777, kind=tarfile.DIRTYPE)
        add(tar, "bin/busybox", open(BUSYBOX, "rb").read(), mode=0o755)
        applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                                 check=True).stdout.split()
        for applet in sorted(set(applets) - {"busybox"}):
            add(tar, "bin/" + applet, kind=tarfile.SYMTYPE, target="busybox")
        add(tar, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
                               b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
        add(tar, "etc/group", b"root:x:0:\nnogroup:x:65534:\n")
        for spec in files:
            path, _, text = spec.partition("=")
            add(tar, path.lstrip("/"), text.encode() + b"\n")
    return out.getvalue()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("output")
    p.add_argument("tag")
    p.add_argument("--entrypoint", action="append", default=[])
    p.add_argument("--cmd", action="append", default=[])
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--expose", action="append", default=[])
    p.add_argument("--workdir", default="")
    p.add_argument("--file", action="append", default=[])
    p.add_argument("--volume", action="append", default=[])
    a = p.parse_args()

    data = layer(a.file)
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2023-11-14T22:13:20Z",
        "config": {
            "Env": ["PATH=/bin"] + a.env,
            "Entrypoint": a.entrypoint or None,
            "Cmd": a.cmd or None,
            "WorkingDir": a.workdir,
            "ExposedPorts": {port: {} for port in a.expose} or None,
            "Volumes": {path: {} for path in a.volume} or None,
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "busybox_image.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_name = diff_id[len("sha256:"):] + "/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": [a.tag], "Layers": [layer_name]}]
    with tarfile.open(a.output, "w") as tar:
        add(tar, config_name, config_bytes)
        add(tar, layer_name.split("/")[0], mode=0o755, kind=tarfile.DIRTYPE)
        add(tar, layer_name, data)
        add(tar, "manifest.json", json.dumps(manifest).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
