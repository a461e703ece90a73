# Runs inside uk under Debian's unmodified python3 (tests/integration/python.sh): os, json,
# threading, tempfile, hashlib, subprocess and os.fork, each printing a line the test
# compares.
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading

print("python", sys.version_info[0], sys.version_info[1], "pid", os.getpid(), "ppid", os.getppid())
print("os", os.getcwd(), os.cpu_count() >= 1, os.path.exists("/proc/self/exe"), os.environ.get("GREETING"))

doc = {"name": "uk", "list": [1, 2.5, None, True], "nested": {"k": "v"}}
text = json.dumps(doc, sort_keys=True)
print("json", text, json.loads(text) == doc)

lock = threading.Lock()
totals = []
def work(n):
    h = hashlib.sha256()
    for i in range(200):
        h.update(b"%d:%d" % (n, i))
    with lock:
        totals.append(h.hexdigest()[:12])
threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threading", len(totals), sorted(totals)[0])

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "data.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(1 << 16))
    with open(path, "rb") as f:
        data = f.read()
    os.rename(path, path + ".moved")
    print("tempfile", len(data), sorted(os.listdir(d)), d.startswith("/tmp/"))
print("tempfile cleaned", os.listdir("/tmp") == [])

print("hashlib", hashlib.md5(b"uk").hexdigest(), hashlib.sha1(b"uk").hexdigest()[:16])

pid = os.posix_spawn("/bin/busybox", ["busybox", "echo", "posix_spawn child"], os.environ)
_, status = os.waitpid(pid, 0)
print("posix_spawn", os.waitstatus_to_exitcode(status))
r = subprocess.run(["/bin/busybox", "wc", "-c"], input=b"twelve bytes", capture_output=True)
print("subprocess", r.returncode, r.stdout.decode().strip())
r = subprocess.run("echo shell $((6 * 7)); exit 3", shell=True, capture_output=True, text=True)
print("shell", r.returncode, r.stdout.strip())
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    doc["child"] = True  # the child's own copy of memory
    os.write(w, json.dumps(doc, sort_keys=True).encode())
    os._exit(5)
os.close(w)
child_doc = json.loads(os.read(r, 4096))
_, status = os.waitpid(pid, 0)
print("fork", os.waitstatus_to_exitcode(status), child_doc.get("child"), "child" in doc)
print("check_output", subprocess.check_output([sys.executable, "-c", "print('nested python')"]).decode().strip())
sys.exit(9)
