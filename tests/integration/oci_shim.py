#!/usr/bin/env python3
"""A stand-in for containerd's runc shim, for the uk-runtime tests (oci_runtime.sh).

    oci_shim.py OUTDIR [--console] -- RUNTIME... create ... --pid-file PIDFILE ... ID

Like the shim it becomes a child subreaper, runs `create` with its stdout and stderr going to
OUTDIR/stdout and OUTDIR/stderr (stdin /dev/null), and then waits for the container process
named in the pid file, which passes to it when `create` exits. It writes OUTDIR/create-status
(create's exit status) and, once the container process ends, OUTDIR/exit-status (its exit
status, 128+N for signal N). With --console it listens on OUTDIR/console.sock, adds
--console-socket to the create command, receives the pty master as the shim does and copies
what the container writes there to OUTDIR/stdout.
"""

import array
import ctypes
import os
import socket
import subprocess
import sys
import threading

PR_SET_CHILD_SUBREAPER = 36


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def receive_fd(server):
    conn, _ = server.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    conn.close()
    return fds[0], msg.decode()


def copy_console(master, out_path):
    with open(out_path, "ab", buffering=0) as out:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: every slave descriptor is closed
                break
            if not data:
                break
            out.write(data)


def main(argv):
    sep = argv.index("--")
    outdir, options, command = argv[1], argv[2:sep], argv[sep + 1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    pid_file = command[command.index("--pid-file") + 1]
    server = None
    if "--console" in options:
        path = os.path.join(outdir, "console.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(1)
        command = command[:-1] + ["--console-socket", path, command[-1]]
    with open(os.path.join(outdir, "stdout"), "wb") as out, \
         open(os.path.join(outdir, "stderr"), "wb") as err:
        status = subprocess.call(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    write(os.path.join(outdir, "create-status"), str(status))
    if status != 0:
        return 0
    copier = None
    if server is not None:
        master, name = receive_fd(server)
        write(os.path.join(outdir, "pty-name"), name)
        copier = threading.Thread(target=copy_console,
                                  args=(master, os.path.join(outdir, "stdout")))
        copier.start()
    pid = int(open(pid_file).read())
    while True:
        try:
            done, wstatus = os.wait()
        except ChildProcessError:
            write(os.path.join(outdir, "exit-status"), "lost")
            return 1
        if done == pid:
            break
    code = os.waitstatus_to_exitcode(wstatus)
    if copier is not None:
        copier.join(timeout=5)
    write(os.path.join(outdir, "exit-status"), str(code if code >= 0 else 128 - code))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
