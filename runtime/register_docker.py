#!/usr/bin/env python3
"""Registers uk-runtime with Docker: adds "runtimes": {NAME: {"path": RUNTIME}} to Docker's
daemon.json, keeping every other key (and every other runtime) as it was.

    register_docker.py RUNTIME [--config FILE] [--name NAME]

FILE defaults to /etc/docker/daemon.json (made if missing), NAME to "uk". The file is
replaced atomically, keeping its mode. Docker reads runtimes again on SIGHUP
(`systemctl reload docker` or `kill -HUP $(pidof dockerd)`); then `docker run --runtime uk`.
"""

import argparse
import json
import os
import sys
import tempfile


def main():
    p = argparse.ArgumentParser(description="Register uk-runtime in Docker's daemon.json.")
    p.add_argument("runtime", help="the uk-runtime executable")
    p.add_argument("--config", default="/etc/docker/daemon.json")
    p.add_argument("--name", default="uk")
    a = p.parse_args()

    runtime = os.path.abspath(a.runtime)
    if not os.access(runtime, os.X_OK):
        sys.exit("register_docker.py: %s is not an executable (build uk-runtime first)" % runtime)
    config = {}
    mode = 0o644
    if os.path.exists(a.config):
        text = open(a.config).read()
        mode = os.stat(a.config).st_mode & 0o7777
        if text.strip():
            try:
                config = json.loads(text)
            except ValueError as e:
                sys.exit("register_docker.py: %s is not JSON (%s); fix it first" % (a.config, e))
        if not isinstance(config, dict):
            sys.exit("register_docker.py: %s is not a JSON object" % a.config)
    runtimes = config.setdefault("runtimes", {})
    if not isinstance(runtimes, dict):
        sys.exit("register_docker.py: %s: \"runtimes\" is not an object" % a.config)
    entry = {"path": runtime}
    if runtimes.get(a.name) == entry:
        print("%s: runtime %r already registered (%s)" % (a.config, a.name, runtime))
        return 0
    runtimes[a.name] = entry
    directory = os.path.dirname(os.path.abspath(a.config))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".daemon.json.")
    with os.fdopen(fd, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    os.chmod(tmp, mode)
    os.rename(tmp, a.config)
    print("%s: runtime %r -> %s" % (a.config, a.name, runtime))
    return 0


if __name__ == "__main__":
    sys.exit(main())
