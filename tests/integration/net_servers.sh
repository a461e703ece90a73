#!/usr/bin/env bash
# Unmodified Debian servers in binary mode, reached from the host through `uk run -p`:
# - nginx (Debian's package, its binary and libraries packed with uk pack) with the stock
#   nginx.conf, mime.types and default site (which listens on 0.0.0.0:80 and [::]:80), run as
#   `nginx -g 'daemon off; master_process off;'`: the stock index page twice on one kept-alive
#   connection, a gzip-compressed copy, a 404, and a 3 MB file (sendfile) byte for byte.
# - python3 -m http.server (Debian's python3 and standard library, packed as python.sh
#   does), serving a directory on a dual-stack [::] socket: a known file, directory
#   listings, a 1 MB file, a 404, and its request log naming the host's IPv4-mapped address.
# Each VM gets a free host port (the test runs beside others), is polled with curl until it
# answers (with a deadline), and is stopped when its checks end or the script exits.
for tool in /usr/sbin/nginx /usr/bin/python3 ldd curl; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is missing (./setup.sh installs it)"
        exit 77
    fi
done
source "$(dirname "$0")/lib.sh"

vm_pid=
stop_vm() {
    if [ -n "$vm_pid" ]; then
        kill "$vm_pid" 2>/dev/null || true
        wait "$vm_pid" 2>/dev/null || true
        vm_pid=
    fi
}
trap stop_vm EXIT

# serve NAME IMAGE GUESTPORT [uk run args...]: boots IMAGE in the background with a free host
# port published to GUESTPORT and waits until an HTTP request to it gets a response. Sets
# PORT and URL; output goes to NAME.out and NAME.err. Returns 1 (after a FAIL) if the server
# does not answer within the deadline or its VM ends first. A port taken between choosing
# and booting (uk run says so before booting) is chosen again.
serve() {
    local name=$1 img=$2 guest=$3 try
    shift 3
    for try in 1 2 3; do
        PORT=$(free_port)
        URL="http://127.0.0.1:$PORT"
        timeout --kill-after=5 200 "$UK" run --timeout 180 -p "127.0.0.1:$PORT:$guest" "$img" "$@" \
            >"$name.out" 2>"$name.err" &
        vm_pid=$!
        local start=$SECONDS deadline=$((SECONDS + 120))
        while [ "$SECONDS" -lt "$deadline" ]; do
            if curl -s -o /dev/null -m 5 "$URL/"; then
                pass "$name answers on host port $PORT after $((SECONDS - start)) s"
                return 0
            fi
            kill -0 "$vm_pid" 2>/dev/null || break
            sleep 0.2
        done
        stop_vm
        grep -q 'is already in use' "$name.err" || break
    done
    fail "$name does not answer on $URL"
    collect "$name"
    show
    return 1
}

# collect NAME: the stopped VM's output, in OUT and ERR.
collect() {
    OUT=$(cat "$1.out")
    ERR=$(cat "$1.err")
    STATUS=0
}

# fetch [curl args...]: OUT is curl's output, STATUS its status; stderr kept in ERR.
fetch() {
    set +e
    OUT=$(curl -sS -m 30 "$@" 2>"$UK_WORK_DIR/curl.err")
    STATUS=$?
    set -e
    ERR=$(cat "$UK_WORK_DIR/curl.err")
}

# guest_clean NAME: after stop_vm, the guest met no unsupported call and no fault.
guest_clean() {
    collect "$1"
    expect_no_out '^\[uk\] (unsupported|fatal|panic)' "$1: no unsupported system calls or faults"
}

# --- nginx ----------------------------------------------------------------------------------
mkdir -p ngx/usr/sbin ngx/etc ngx/var/www/html ngx/var/log/nginx ngx/var/lib/nginx ngx/run ngx/tmp
cp /usr/sbin/nginx ngx/usr/sbin/nginx
copy_libs ngx /usr/sbin/nginx
cp -a /etc/nginx ngx/etc/nginx
# The page nginx's postinst installs as /var/www/html/index.nginx-debian.html.
cp /usr/share/nginx/html/index.html ngx/var/www/html/index.nginx-debian.html
# Dynamic modules, where the package in use enables some (nginx-light, -full: modules-enabled).
for d in /usr/lib/nginx /usr/share/nginx/modules-available; do
    if [ -d "$d" ]; then
        mkdir -p "ngx$(dirname "$d")"
        cp -a "$d" "ngx$d"
    fi
done
if [ -d /usr/lib/nginx/modules ]; then copy_libs ngx /usr/lib/nginx/modules/*.so; fi
# `user www-data;` makes nginx look the user up (getpwnam) even without a master process.
grep -E '^(root|www-data|nobody):' /etc/passwd >ngx/etc/passwd
grep -E '^(root|www-data|nogroup):' /etc/group >ngx/etc/group
head -c 3000000 /dev/urandom >ngx/var/www/html/big.bin
"$UK" pack ngx -o nginx.img -- /usr/sbin/nginx -g 'daemon off; master_process off;'
pass "uk pack of nginx with its stock configuration ($(du -sm ngx | cut -f1) MB)"

if serve nginx nginx.img 80; then
    # Two requests on one connection: curl reuses it (num_connects 0 for the second).
    fetch -w '\n@@ %{http_code} %{num_connects} %{content_type}\n' "$URL/" "$URL/"
    expect_status 0 "nginx: curl of the index page, twice"
    expect_count '<h1>Welcome to nginx!</h1>' 2 "nginx: the stock index page, twice"
    expect_out '^@@ 200 1 text/html$' "nginx: first request 200 text/html on a new connection"
    expect_out '^@@ 200 0 text/html$' "nginx: second request 200 on the kept-alive connection"

    fetch --compressed -D - "$URL/"
    expect_status 0 "nginx: curl --compressed"
    expect_out $'^Content-Encoding: gzip\r?$' "nginx: gzip on (zlib in the guest)"
    expect_out '<title>Welcome to nginx!</title>' "nginx: the gzipped page decompresses"

    fetch -o /dev/null -w '%{http_code}\n' "$URL/nothere"
    expect_exact 404 "nginx: a missing file is 404"

    fetch -o big.got -w '%{http_code} %{size_download}\n' "$URL/big.bin"
    expect_exact "200 3000000" "nginx: 3 MB file, status and size"
    if cmp -s big.got ngx/var/www/html/big.bin; then
        pass "nginx: 3 MB file byte for byte"
    else
        fail "nginx: 3 MB file differs from the one packed"
    fi
    stop_vm
    guest_clean nginx
    # What nginx meets before it opens error.log goes to stderr, on the guest's console.
    expect_no_out '\[(emerg|alert|crit)\]' "nginx: no emergency, alert or critical messages"
fi

# --- python3 -m http.server -----------------------------------------------------------------
mkdir -p py/tmp py/srv/sub
copy_python3 py
echo "known content: uk serves python 42" >py/srv/hello.txt
echo "inner file" >py/srv/sub/inner.txt
head -c 1000000 /dev/urandom >py/srv/blob.bin
"$UK" pack py -o httpserver.img -- /usr/bin/python3 -m http.server 8000 --directory /srv
pass "uk pack of python3 -m http.server ($(du -sm py | cut -f1) MB)"

if serve http.server httpserver.img 8000; then
    fetch "$URL/hello.txt"
    expect_status 0 "http.server: curl of a file"
    expect_exact "known content: uk serves python 42" "http.server: the file's content"

    fetch -w '\n@@ %{http_code}\n' "$URL/"
    expect_out '<title>Directory listing for /</title>' "http.server: directory listing of /"
    expect_out '<li><a href="hello.txt">hello.txt</a></li>' "http.server: the listing names the file"
    expect_out '<li><a href="sub/">sub/</a></li>' "http.server: the listing names the directory"
    expect_out '^@@ 200$' "http.server: directory listing status 200"
    fetch "$URL/sub/"
    expect_out '<li><a href="inner.txt">inner.txt</a></li>' "http.server: listing of a subdirectory"

    fetch -o blob.got -w '%{http_code} %{size_download}\n' "$URL/blob.bin"
    expect_exact "200 1000000" "http.server: 1 MB file, status and size"
    if cmp -s blob.got py/srv/blob.bin; then
        pass "http.server: 1 MB file byte for byte"
    else
        fail "http.server: 1 MB file differs from the one packed"
    fi
    fetch -o /dev/null -w '%{http_code}\n' "$URL/nothere"
    expect_exact 404 "http.server: a missing file is 404"
    stop_vm
    guest_clean http.server
    expect_out '^Serving HTTP on :: port 8000 ' "http.server: listens on the dual-stack [::]"
    # Its log goes to stderr, which the guest's console carries with stdout.
    expect_out '^::ffff:10\.0\.2\.2 - - .* "GET /hello\.txt HTTP/1\.1" 200 ' \
        "http.server: logs the request from the host's IPv4-mapped address"
fi
finish
