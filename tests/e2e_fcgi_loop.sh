#!/bin/bash
# End to end: the visit worker's own FastCGI server (lib/serve/fcgi_loop.c)
# against a client that is not nginx: libfcgi's cgi-fcgi (Debian
# libfcgi-bin), which sends every variable of its environment as a
# parameter and the body on its stdin, and raw bytes for what no client
# sends. Kafka is unreachable: the worker answers anyway, as always.
# Checked: each intake answered as nginx gets it (mirror 204, event 202,
# pixel GIF, refusals 4xx), parameters past the server's bound answered
# 431, GET_VALUES answered, a protocol error or a stalled request closing
# only its own connection, many idle connections at once (no thread each)
# with requests still answered, and the clean stop.
. "$top_srcdir/tests/broker.sh"

command -v cgi-fcgi >/dev/null || fail "cgi-fcgi is not installed (bin/bootstrap installs libfcgi-bin)"
command -v python3 >/dev/null || fail "python3 is not installed (bin/bootstrap installs it)"
T=$(mktemp -d /tmp/visits-fcgi-loop.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && { kill -KILL "$pid"; wait "$pid"; } 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
sock=$T/record.sock
"$top_builddir/cgi-bin/visits-record" --socket "$sock" --threads 2 --connections 600 \
    --brokers 127.0.0.1:1 --sites "example.com www.example.com" >"$T/record.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || fail "visits-record did not listen: $(cat "$T/record.log")"

# fcgi NAME=VALUE...: one request through cgi-fcgi with only these
# parameters (and the body on stdin); prints the answer.
fcgi() {
    env -i "$@" cgi-fcgi -bind -connect "$sock"
}
# metric NAME: the worker's value of NAME from its /metrics.
metric() {
    fcgi VISITS_PROBE=metrics REQUEST_METHOD=GET </dev/null \
        | awk -v n="$1" '$1 == n {print $2}'
}

# --- the intakes, through libfcgi's client ---
out=$(fcgi VISITS_INTAKE=mirror REQUEST_METHOD=GET REQUEST_URI=/pricing HTTP_HOST=example.com \
    REMOTE_ADDR=192.0.2.1 HTTP_USER_AGENT=test </dev/null)
grep -q '^Status: 204 No Content' <<<"$out" || fail "a mirrored page view got: $out"
body='{"site":"example.com","url":"https://www.example.com/a"}'
out=$(printf '%s' "$body" | fcgi VISITS_INTAKE=event REQUEST_METHOD=POST \
    CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} REMOTE_ADDR=192.0.2.1)
grep -q '^Status: 202 Accepted' <<<"$out" && grep -q '^accepted' <<<"$out" \
    || fail "an event got: $out"
out=$(printf '{"site":"example.com","bogus":1}' | fcgi VISITS_INTAKE=event REQUEST_METHOD=POST \
    CONTENT_TYPE=application/json CONTENT_LENGTH=32)
grep -q '^Status: 400' <<<"$out" && grep -q 'unknown field "bogus"' <<<"$out" \
    || fail "a bad event got: $out"
big=$(head -c 3000 /dev/zero | tr '\0' 'x')
out=$(printf '%s' "$big" | fcgi VISITS_INTAKE=event REQUEST_METHOD=POST \
    CONTENT_TYPE=text/plain CONTENT_LENGTH=100)
grep -q '^Status: 413' <<<"$out" || fail "a body larger than its length said got: $out"
fcgi VISITS_INTAKE=pixel REQUEST_METHOD=GET \
    'QUERY_STRING=site=example.com&url=https%3A%2F%2Fexample.com%2Fp' </dev/null >"$T/pixel"
grep -q '^Status: 200' "$T/pixel" && grep -qa 'Content-Type: image/gif' "$T/pixel" \
    && grep -qa 'GIF89a' "$T/pixel" || fail "the pixel got: $(head -c 300 "$T/pixel")"
out=$(fcgi VISITS_INTAKE=mirror REQUEST_METHOD=GET REQUEST_URI=/ HTTP_HOST=other.example </dev/null)
grep -q '^Status: 403' <<<"$out" || fail "an unknown host got: $out"
note "cgi-fcgi: mirror 204, event 202, bad event 400, long body 413, pixel 200 GIF, unknown host 403"

# Parameters past the server's bound (32 KB): 431, nothing else read.
ua=$(head -c 40000 /dev/zero | tr '\0' 'u')
out=$(fcgi VISITS_INTAKE=mirror REQUEST_METHOD=GET REQUEST_URI=/ HTTP_HOST=example.com \
    "HTTP_USER_AGENT=$ua" </dev/null)
grep -q '^Status: 431' <<<"$out" || fail "40 KB of parameters got: ${out:0:300}"
[ "$(metric visits_record_fastcgi_too_large_total)" = 1 ] \
    || fail "the 431 is not counted: $(metric visits_record_fastcgi_too_large_total)"
[ "$(metric 'visits_record_page_views_total{intake="mirror"}')" = 1 ] \
    || fail "page views recorded: $(metric 'visits_record_page_views_total{intake="mirror"}'), expected 1"
note "40 KB of parameters answered 431 and counted; only the one page view recorded"

# --- raw bytes ---
python3 - "$sock" >"$T/raw.out" 2>&1 <<'EOF' || fail "raw protocol checks: $(cat "$T/raw.out")"
import socket, struct, sys, time
path = sys.argv[1]
def rec(t, i, c=b'', pad=0):
    return struct.pack('>BBHHBB', 1, t, i, len(c), pad, 0) + c + b'\0' * pad
def pair(n, v):
    return bytes([len(n), len(v)]) + n + v
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s
def read_records(s, until_type, until_id):
    data = b''
    while True:
        while len(data) >= 8:
            _, t, i, n, p, _ = struct.unpack('>BBHHBB', data[:8])
            if len(data) < 8 + n + p:
                break
            yield t, i, data[8:8 + n]
            data = data[8 + n + p:]
            if t == until_type and i == until_id:
                return
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit('closed before the answer')
        data += chunk
# GET_VALUES, then a request with padding, kept, on the same connection.
s = conn()
s.sendall(rec(9, 0, pair(b'FCGI_MPXS_CONNS', b'') + pair(b'FCGI_MAX_CONNS', b'')))
got = list(read_records(s, 10, 0))
assert got[-1][2] == pair(b'FCGI_MAX_CONNS', b'600') + pair(b'FCGI_MPXS_CONNS', b'0') \
    or got[-1][2] == pair(b'FCGI_MPXS_CONNS', b'0') + pair(b'FCGI_MAX_CONNS', b'600'), got
params = pair(b'VISITS_PROBE', b'healthz') + pair(b'REQUEST_METHOD', b'GET')
for rid in (1, 2):
    s.sendall(rec(1, rid, bytes([0, 1, 1, 0, 0, 0, 0, 0])) + rec(4, rid, params, 5) + rec(4, rid)
              + rec(5, rid))
    out = b''.join(c for t, i, c in read_records(s, 3, rid) if t == 6)
    assert out.startswith(b'Status: 200') and b'alive' in out, out
# A protocol error closes that connection only.
bad = conn()
bad.sendall(b'\x02\x01\x00\x01\x00\x08\x00\x00' + b'\0' * 8)
assert bad.recv(100) == b'', 'a version 2 record did not close the connection'
# A stalled request: half a header, then nothing (closed after 10 s, not
# waited for here), while the kept connection is still answered.
stalled = conn()
stalled.sendall(b'\x01\x01')
s.sendall(rec(1, 3, bytes([0, 1, 1, 0, 0, 0, 0, 0])) + rec(4, 3, params) + rec(4, 3) + rec(5, 3))
out = b''.join(c for t, i, c in read_records(s, 3, 3) if t == 6)
assert b'alive' in out, out
# 500 idle connections at once, and a request on the last still answered.
many = [conn() for _ in range(500)]
last = many[-1]
last.sendall(rec(1, 1, bytes([0, 1, 0, 0, 0, 0, 0, 0])) + rec(4, 1, params) + rec(4, 1) + rec(5, 1))
out = b''.join(c for t, i, c in read_records(last, 3, 1) if t == 6)
assert b'alive' in out, out
assert last.recv(100) == b'', 'a request without FCGI_KEEP_CONN did not close its connection'
print('ok')
EOF
[ "$(metric visits_record_fastcgi_protocol_errors_total)" = 1 ] \
    || fail "the protocol error is not counted: $(metric visits_record_fastcgi_protocol_errors_total)"
grep -q 'closed a FastCGI connection: not a FastCGI version 1 record count=1' "$T/record.log" \
    || fail "no log line names the protocol error: $(cat "$T/record.log")"
note "raw: GET_VALUES answered (FCGI_MPXS_CONNS 0), padding and kept connections, a protocol error closes its connection only (counted, logged), 500 idle connections with a request answered, no FCGI_KEEP_CONN closes after the answer"

# The clean stop: exits 0 and removes its socket.
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || fail "visits-record exited $rc on SIGTERM: $(tail -5 "$T/record.log")"
[ ! -e "$sock" ] || fail "the socket is still there after the stop"
grep -q 'stopped accepting: closed_idle=[0-9]* kept connections' "$T/record.log" \
    || fail "no stop line: $(tail -5 "$T/record.log")"
# The connection bound: with 3 slots a fourth connection waits in the
# backlog, unanswered, until one of the three closes; then it is served.
"$top_builddir/cgi-bin/visits-record" --socket "$sock" --threads 1 --connections 3 \
    --brokers 127.0.0.1:1 --sites example.com >>"$T/record.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || fail "visits-record did not listen again: $(tail -5 "$T/record.log")"
python3 - "$sock" >"$T/bound.out" 2>&1 <<'EOF2' || fail "the connection bound: $(cat "$T/bound.out")"
import socket, struct, sys, time
path = sys.argv[1]
def rec(t, i, c=b''):
    return struct.pack('>BBHHBB', 1, t, i, len(c), 0, 0) + c
def pair(n, v):
    return bytes([len(n), len(v)]) + n + v
params = pair(b'VISITS_PROBE', b'healthz') + pair(b'REQUEST_METHOD', b'GET')
req = rec(1, 1, bytes([0, 1, 1, 0, 0, 0, 0, 0])) + rec(4, 1, params) + rec(4, 1) + rec(5, 1)
def ask(s):
    s.sendall(req)
    got = b''
    while b'alive' not in got or not got.endswith(bytes(8)):
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit('closed before the answer')
        got += chunk
held = []
for _ in range(3):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    ask(s)
    held.append(s)
extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
extra.connect(path)             # the backlog takes it
extra.sendall(req)
extra.settimeout(0.5)
try:
    extra.recv(100)
    raise SystemExit('a fourth connection was served past --connections 3')
except socket.timeout:
    pass
held[0].close()
extra.settimeout(5)
got = b''
t0 = time.time()
while b'alive' not in got:
    chunk = extra.recv(4096)
    if not chunk:
        raise SystemExit('the fourth connection was closed, not served')
    got += chunk
ask(held[1])
print('ok %.0f ms' % ((time.time() - t0) * 1000))
EOF2
note "connection bound: with --connections 3 a fourth waited in the backlog until one closed, then was served ($(cat "$T/bound.out"))"
kill -TERM "$pid"
wait "$pid" || fail "visits-record (--connections 3) did not stop cleanly"
pid=

# Built with a sanitizer (make check-sanitizers, check-thread-sanitizer),
# the worker must not have reported anything (tests/lib.sh's rule).
if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error: ' \
        "$T/record.log"; then
    fail "the worker printed a sanitizer report: $(grep -E -A20 'Sanitizer|runtime error' "$T/record.log" | head -40)"
fi
note "ok: SIGTERM: exit 0, socket removed"
