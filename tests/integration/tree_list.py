#!/usr/bin/env python3
"""Lists a directory tree, one line per entry, in a form two extractions of the same image can
be compared with diff (convert.sh compares uk convert's tree with umoci's and docker's).

    tree_list.py DIR [--exclude /PATH]...

Each line: /path type mode uid gid size content mtime link, sorted by path, DIR itself left
out. type is f d l p c b s; mode the permission bits in octal with setuid, setgid and sticky;
content the sha256 of a file (first 16 hex digits), the target of a symlink, the major:minor
of a device; mtime only for regular files: directory mtimes change as entries are created in
them after the directory (umoci puts them back, except for parents a layer did not list, cpio
and tar depend on the order), and cpio does not restore a symlink's. link names the
hardlink group of a file with several names (its first path), "-" otherwise. --exclude leaves
out /PATH and everything under it.
"""

import hashlib
import os
import stat
import sys


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: tree_list.py DIR [--exclude /PATH]...")
    top = argv[1]
    excludes = set()
    rest = argv[2:]
    while rest:
        if rest[0] != "--exclude" or len(rest) < 2:
            sys.exit("tree_list.py: unknown argument " + rest[0])
        excludes.add(rest[1].rstrip("/"))
        rest = rest[2:]

    entries = []
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = "/" + os.path.relpath(path, top)
            if rel in excludes or any(rel.startswith(e + "/") for e in excludes):
                continue
            entries.append((rel, path, os.lstat(path)))
    entries.sort()

    groups = {}
    for rel, path, st in entries:
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            groups.setdefault((st.st_dev, st.st_ino), []).append(rel)

    for rel, path, st in entries:
        m = st.st_mode
        size, content, mtime, link = "-", "-", "-", "-"
        if stat.S_ISREG(m):
            kind = "f"
            size = str(st.st_size)
            with open(path, "rb") as f:
                content = hashlib.sha256(f.read()).hexdigest()[:16]
            mtime = str(int(st.st_mtime))
            group = groups.get((st.st_dev, st.st_ino))
            if group and len(group) > 1:
                link = "link=" + min(group)
        elif stat.S_ISDIR(m):
            kind = "d"
        elif stat.S_ISLNK(m):
            kind = "l"
            content = "->" + os.readlink(path)
        elif stat.S_ISFIFO(m):
            kind = "p"
        elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
            kind = "c" if stat.S_ISCHR(m) else "b"
            content = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        elif stat.S_ISSOCK(m):
            kind = "s"
        else:
            kind = "?"
        print(rel, kind, "%04o" % stat.S_IMODE(m), st.st_uid, st.st_gid, size, content, mtime,
              link)


if __name__ == "__main__":
    main(sys.argv)
