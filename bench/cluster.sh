#!/usr/bin/env bash
# Scale-out, proven on one machine: two app "hosts" (two gunicorn masters with the repository's
# gunicorn.conf.py, 2 workers each, on two loopback ports) behind a real nginx as the load
# balancer, with PostgreSQL and Redis. Shows that
#   1. a session opened on one host works on the other (signed cookies, one SECRET_KEY);
#   2. the login rate limit is shared (counters in Redis), not counted per host;
#   3. a booking made through one host is seen at once on the other;
#   4. stopping one host in the middle of a load run loses no acknowledged booking
#      (bench/load.py through nginx, then its SQL checks).
# It stops everything it started (gunicorns, nginx) and drops its database.
#
#   bench/cluster.sh            # needs nginx (apt-get install -y nginx), PostgreSQL on
#                               # 127.0.0.1:5432 (user postgres, trust) and Redis on 6379
# CLUSTER_SECONDS (default 20) and CLUSTER_MEMBERS (default 20) size the load run.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx is not installed: apt-get install -y nginx"; exit 2; }
WORK="$(mktemp -d /tmp/mutualise-cluster.XXXXXX)"
DB_NAME="mutualise_cluster_$$"
REDIS_DB="${CLUSTER_REDIS_DB:-7}"
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT_A="$(free_port)"; PORT_B="$(free_port)"; PORT_LB="$(free_port)"

export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$DB_NAME"
export SECRET_KEY="cluster-secret-$(date +%s)"
export RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/$REDIS_DB"
export TRUSTED_PROXIES=1 LOG_LEVEL=WARNING API_RATE_LIMIT="5000 per minute"
export LOGIN_RATE_LIMIT="10 per minute" FLASK_APP=wsgi.py GUNICORN_WORKERS=2 GUNICORN_THREADS=4
PIDS=()

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    [ -f "$WORK/nginx.pid" ] && "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -s quit 2>/dev/null
    sleep 1
    "$PY" - <<EOF
import psycopg, redis
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
    c.execute("DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)")
redis.Redis.from_url("$RATELIMIT_STORAGE_URI").flushdb()
EOF
    echo "stopped: gunicorn hosts, nginx; dropped $DB_NAME; logs in $WORK"
}
trap cleanup EXIT

"$PY" - <<EOF
import psycopg, redis
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
    c.execute("CREATE DATABASE $DB_NAME")
redis.Redis.from_url("$RATELIMIT_STORAGE_URI").flushdb()
EOF
cd "$ROOT"
"$ROOT/.venv/bin/flask" db upgrade >/dev/null 2>&1
"$ROOT/.venv/bin/flask" create-user --email cluster@example.org --name "Cluster Member" \
    --password "cluster password" >/dev/null
TOKEN="$("$ROOT/.venv/bin/flask" create-token cluster@example.org)"
"$PY" -c 'import sys; sys.path.append("bench"); import load; load.prepare(sys.argv[1], 1)' \
    "$DATABASE_URL" >/dev/null 2>&1   # the studios bench/load.py books

start_host() {  # name port
    GUNICORN_BIND="127.0.0.1:$2" "$ROOT/.venv/bin/gunicorn" -c gunicorn.conf.py wsgi:app \
        >"$WORK/$1.log" 2>&1 &
    PIDS+=("$!")
    echo "$!" >"$WORK/$1.pid"
}
start_host host-a "$PORT_A"
start_host host-b "$PORT_B"

mkdir -p "$WORK/logs" "$WORK/tmp"
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
user root root;
events { worker_connections 512; }
http {
    access_log $WORK/logs/access.log;
    client_body_temp_path $WORK/tmp/body;
    proxy_temp_path $WORK/tmp/proxy;
    fastcgi_temp_path $WORK/tmp/fastcgi;
    uwsgi_temp_path $WORK/tmp/uwsgi;
    scgi_temp_path $WORK/tmp/scgi;
    upstream mutualise_app {
        server 127.0.0.1:$PORT_A max_fails=1 fail_timeout=10s;
        server 127.0.0.1:$PORT_B max_fails=1 fail_timeout=10s;
        keepalive 16;
    }
    server {
        listen 127.0.0.1:$PORT_LB;
        location / {
            proxy_pass http://mutualise_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Request-ID \$request_id;
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 2s;
        }
    }
}
EOF
"$NGINX" -t -q -p "$WORK" -c "$WORK/nginx.conf"
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf"

export PORT_A PORT_B PORT_LB TOKEN
"$PY" - <<'EOF'
"""Checks 1 to 3, straight at the hosts and through nginx."""
import http.client, json, os, re, sys, time
from http.cookies import SimpleCookie

A, B, LB = (int(os.environ[k]) for k in ("PORT_A", "PORT_B", "PORT_LB"))
failures = []

def call(port, method, path, body=None, headers=None, cookies=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in cookies.items())
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if cookies is not None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    return response.status, data

for port in (A, B, LB):
    deadline = time.monotonic() + 60
    while True:
        try:
            if call(port, "GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"port {port} never answered /healthz")
        time.sleep(0.5)
print(f"hosts on {A} and {B}, nginx on {LB}: /healthz answers on all three")
status, body = call(LB, "GET", "/readyz")
print(f"/readyz through nginx: {status} {body.decode()}")

# 1. A session opened on host A is valid on host B.
jar = SimpleCookie()
status, page = call(A, "GET", "/login", cookies=jar)
form = "email=cluster%40example.org&password=cluster+password"
found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
if found:
    form += "&csrf_token=" + found.group(1).decode()
status, _ = call(A, "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"},
                 cookies=jar)
status_b, _ = call(B, "GET", "/bookings/mine", cookies=jar)
print(f"1. signed in on host A ({status}); host B shows 'my bookings' with that cookie: {status_b}")
if status != 302 or status_b != 200:
    failures.append("sessions are not shared across hosts")

# 2. The login rate limit (10 per minute per address) is counted once for both hosts.
statuses = []
other = SimpleCookie()
status, page = call(A, "GET", "/login", cookies=other)
token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
csrf = "&csrf_token=" + token.group(1).decode() if token else ""
for attempt in range(12):
    port = (A, B)[attempt % 2]
    statuses.append(call(port, "POST", "/login",
                         "email=nobody%40example.org&password=wrong" + csrf,
                         {"Content-Type": "application/x-www-form-urlencoded",
                          "X-Forwarded-For": "198.51.100.7"}, cookies=other)[0])
first_refusal = statuses.index(429) + 1 if 429 in statuses else None
print(f"2. wrong passwords alternating hosts A and B: {statuses}")
if first_refusal is None or first_refusal > 11:
    failures.append("the login rate limit is not shared (Redis)")
else:
    print(f"   refused from attempt {first_refusal}: one counter for both hosts "
          "(per host, 20 attempts would pass)")

# 3. A booking made through host A is seen at once on host B.
auth = {"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"}
from datetime import UTC, datetime, timedelta
start = (datetime.now(UTC) + timedelta(days=5)).replace(hour=9, minute=0, second=0,
                                                        microsecond=0)
status, body = call(LB, "GET", "/api/v1/spaces", headers=auth)
spaces = json.loads(body)
if spaces:
    status, body = call(A, "POST", "/api/v1/bookings", json.dumps({
        "space_id": spaces[0]["id"], "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(), "title": "Cluster"}), auth)
    booking_id = json.loads(body).get("id") if status == 201 else None
    seen = call(B, "GET", f"/api/v1/bookings/{booking_id}", headers=auth)[0] if booking_id else None
    print(f"3. booking {booking_id} made on host A ({status}); host B reads it: {seen}")
    if seen != 200:
        failures.append("a booking made on one host is not seen on the other")
else:
    failures.append("no space to book")
if failures:
    sys.exit("FAILED: " + "; ".join(failures))
EOF

# 4. Load through nginx; host A stopped (SIGTERM: graceful) a third of the way in.
SECONDS_RUN="${CLUSTER_SECONDS:-20}"
STOP_AT=$(( SECONDS_RUN / 3 ))
echo "4. load through nginx for ${SECONDS_RUN} s, host A stopped after ${STOP_AT} s"
"$PY" bench/load.py --url "http://127.0.0.1:$PORT_LB" --database-url "$DATABASE_URL" \
    --members "${CLUSTER_MEMBERS:-20}" --seconds "$SECONDS_RUN" >"$WORK/load.out" 2>&1 &
LOAD_PID=$!
sleep "$STOP_AT"
kill -TERM "$(cat "$WORK/host-a.pid")"
echo "   host A stopped at $(date +%T)"
set +e
wait "$LOAD_PID"
LOAD_STATUS=$?
set -e
grep -v "alembic" "$WORK/load.out"
echo "   nginx's error log (host A refusing, its requests passed to host B):"
grep -E "connect\(\) failed|upstream" "$WORK/logs/error.log" | tail -3 || true
if [ "$LOAD_STATUS" -ne 0 ]; then
    echo "FAILED: the load run's checks"
    exit 1
fi
echo "cluster: all checks passed"
