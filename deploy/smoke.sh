#!/usr/bin/env bash
# The deployment of docs/deploy.md on this machine, loopback only, built from the files in
# deploy/ themselves: the environment file template, the ExecStart lines of the systemd
# units (two app servers from minping-web@.service, the worker, the daily jobs),
# gunicorn.conf.py and the nginx site and upstream files. Only the paths, ports and the
# host name are rewritten; nothing runs as a service and nothing outside a temporary
# folder and one temporary database is touched. Then a smoke check:
#   - /healthz through nginx over TLS, and from each app server;
#   - http:// is redirected to https://;
#   - a static file from `minping collectstatic`, served by nginx;
#   - sign-in as the organiser and the console's home page, served by both app servers;
#   - the cache and rate limits in Redis;
#   - an invitation path (/s/i/…) and static files are not in the access log;
#   - a background task queued and finished by the worker;
#   - the daily jobs (scrub, audit anchor if this version has it, overdue cases, backup).
# Everything started is stopped and everything made is removed at the end, even on failure.
#
#   deploy/smoke.sh                       needs nginx, redis-server, PostgreSQL, openssl, curl
#   MINPING_VENV=/path/to/venv            the virtualenv with minping (default .venv)
#   SMOKE_PG_URL=postgres://postgres@127.0.0.1:5432   a PostgreSQL role that may create databases
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
VENV=${MINPING_VENV:-$REPO/.venv}
PG_URL=${SMOKE_PG_URL:-postgres://postgres@127.0.0.1:5432}
HOST=pingyi.example.gov.cn
DB="minping_smoke_$$"
ROOT=$(mktemp -d /tmp/minping-smoke.XXXXXX)
chmod 755 "$ROOT"  # nginx's workers read the static files
PIDS=()

say() { printf '== %s\n' "$*"; }
fail() {
  printf 'SMOKE FAILED: %s\n' "$*" >&2
  for log in "$ROOT"/logs/*.log; do
    [ -s "$log" ] && { printf -- '--- %s (last lines)\n' "$log" >&2; tail -n 25 "$log" >&2; }
  done
  exit 1
}

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$ROOT"
  [ "$status" -eq 0 ] && say "smoke check passed; everything stopped and removed"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for tool in nginx redis-server psql openssl curl; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install nginx-light redis-server postgresql-client openssl curl)"
done
[ -x "$VENV/bin/minping" ] || fail "no minping in $VENV (python3 dev.py check creates .venv, or set MINPING_VENV)"

# Five free loopback ports: two app servers, nginx https and http, Redis.
read -r WEB1 WEB2 HTTPS HTTP REDIS_PORT < <("$VENV/bin/python" - <<'PY'
import socket
sockets = [socket.socket() for _ in range(5)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
for s in sockets:
    s.close()
PY
)
BASE="https://$HOST:$HTTPS"
mkdir -p "$ROOT"/{data,logs,ssl,backups,nginx/tmp}

# The deployment's paths, ports and host, as a sed script applied to every deploy/ file.
REWRITE=(
  -e "s|/opt/minping/.venv|$VENV|g" -e "s|/opt/minping|$REPO|g"
  -e "s|/var/lib/minping|$ROOT/data|g" -e "s|/var/backups/minping|$ROOT/backups|g"
  -e "s|/etc/minping/minping.env|$ROOT/minping.env|g" -e "s|/etc/ssl/minping|$ROOT/ssl|g"
  -e "s|/var/log/nginx|$ROOT/logs|g" -e "s|127.0.0.1:8001|127.0.0.1:$WEB1|g"
  -e "s|127.0.0.1:8002|127.0.0.1:$WEB2|g" -e "/listen \[::\]/d"
  -e "s|listen 443 ssl|listen 127.0.0.1:$HTTPS ssl|" -e "s|listen 80;|listen 127.0.0.1:$HTTP;|"
)
# A unit's ExecStart, with systemd's escapes undone and %i set.
execstart() {
  sed -n 's/^ExecStart=//p' "$REPO/deploy/systemd/$1" | sed "${REWRITE[@]}" \
    -e "s|%i|${2:-}|g" -e 's/%%/%/g' -e 's/\$\$/$/g'
}
# Start a long-running unit's command in the background, as systemd would.
start() {
  local name=$1 command=$2
  (cd "$REPO" && exec bash -c "exec $command") >"$ROOT/logs/$name.log" 2>&1 &
  PIDS+=("$!")
}
secret() { "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))'; }

say "environment file from deploy/minping.env.example"
sed "${REWRITE[@]}" "$REPO/deploy/minping.env.example" \
  | sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$(secret)|" \
        -e "s|^MINPING_SURVEY_KEY=.*|MINPING_SURVEY_KEY=$(secret)|" \
        -e "s|^MINPING_AUDIT_KEY=.*|MINPING_AUDIT_KEY=$(secret)|" \
        -e "s|^CSRF_TRUSTED_ORIGINS=.*|CSRF_TRUSTED_ORIGINS=$BASE|" \
        -e "s|^MINPING_PUBLIC_URL=.*|MINPING_PUBLIC_URL=$BASE|" \
        -e "s|^DATABASE_URL=.*|DATABASE_URL=$PG_URL/$DB|" \
        -e "s|^REDIS_URL=.*|REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0|" \
        -e "s|^MINPING_WEB_WORKERS=.*|MINPING_WEB_WORKERS=2|" \
        -e "s|^MINPING_WEB_THREADS=.*|MINPING_WEB_THREADS=2|" \
        -e "s|^MINPING_EMAIL_BACKEND=.*|MINPING_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend|" \
  >"$ROOT/minping.env"
set -a
# shellcheck disable=SC1091
. "$ROOT/minping.env"
set +a
# This checkout is what runs, whatever else the virtualenv has installed.
export PYTHONPATH=$REPO
MINPING="$VENV/bin/minping"

say "PostgreSQL database $DB, Redis on 127.0.0.1:$REDIS_PORT"
psql "$PG_URL/postgres" -qc "CREATE DATABASE \"$DB\"" >/dev/null || fail "cannot create $DB"
start redis "redis-server --bind 127.0.0.1 --port $REDIS_PORT --save '' --appendonly no --dir $ROOT"
CLI_REDIS=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")

say "migrate, collectstatic, check --deploy, the first organiser (docs/deploy.md)"
(cd "$REPO" && "$MINPING" migrate --noinput -v 0) || fail "migrate"
(cd "$REPO" && "$MINPING" collectstatic --noinput -v 0) || fail "collectstatic"
(cd "$REPO" && "$MINPING" check --deploy) >"$ROOT/logs/check.log" 2>&1 || fail "minping check --deploy"
DJANGO_SUPERUSER_PASSWORD=smoke-Organiser-2026 "$MINPING" createsuperuser --noinput \
  --username zuzhi --email zuzhi@example.gov.cn >/dev/null || fail "createsuperuser"

say "two app servers (minping-web@$WEB1, minping-web@$WEB2) and the worker"
start web1 "$(execstart minping-web@.service "$WEB1")"
start web2 "$(execstart minping-web@.service "$WEB2")"
start worker "$(execstart minping-worker.service)"

say "nginx on 127.0.0.1:$HTTPS (TLS) and :$HTTP"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:$HOST" -keyout "$ROOT/ssl/privkey.pem" \
  -out "$ROOT/ssl/fullchain.pem" 2>/dev/null
sed "${REWRITE[@]}" "$REPO/deploy/nginx/minping.conf" >"$ROOT/nginx/minping.conf"
sed "${REWRITE[@]}" "$REPO/deploy/nginx/upstream.conf" >"$ROOT/nginx/upstream.conf"
cat >"$ROOT/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $ROOT/nginx/nginx.pid;
error_log $ROOT/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $ROOT/nginx/tmp/body;
    proxy_temp_path $ROOT/nginx/tmp/proxy;
    fastcgi_temp_path $ROOT/nginx/tmp/fastcgi;
    uwsgi_temp_path $ROOT/nginx/tmp/uwsgi;
    scgi_temp_path $ROOT/nginx/tmp/scgi;
    include $ROOT/nginx/upstream.conf;
    include $ROOT/nginx/minping.conf;
}
EOF
nginx -t -q -e "$ROOT/logs/nginx-error.log" -p "$ROOT/nginx" -c "$ROOT/nginx/nginx.conf" \
  || fail "nginx -t"
start nginx "nginx -e $ROOT/logs/nginx-error.log -p $ROOT/nginx -c $ROOT/nginx/nginx.conf -g 'daemon off;'"

CURL=(curl -sS --max-time 30 --cacert "$ROOT/ssl/fullchain.pem" --resolve "$HOST:$HTTPS:127.0.0.1")
JAR="$ROOT/cookies.txt"

say "waiting for /healthz through nginx"
for _ in $(seq 1 120); do
  [ "$("${CURL[@]}" "$BASE/healthz" 2>/dev/null || true)" = ok ] && break
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a process exited early"; done
  sleep 1
done
[ "$("${CURL[@]}" "$BASE/healthz")" = ok ] || fail "/healthz through nginx"
for port in "$WEB1" "$WEB2"; do
  [ "$(curl -sS -H 'X-Forwarded-Proto: https' -H "Host: $HOST" "http://127.0.0.1:$port/healthz")" = ok ] \
    || fail "/healthz on app server $port"
done

say "http:// redirects to https://"
location=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: $HOST" \
  "http://127.0.0.1:$HTTP/login/")
[ "$location" = "301 https://$HOST/login/" ] || fail "redirect to https: $location"

say "a static file served by nginx"
static=$(cd "$ROOT/data/static" && find . -name '*.css' -type f | head -n 1)
[ -n "$static" ] || fail "collectstatic wrote no CSS"
"${CURL[@]}" -f -o "$ROOT/static.out" "$BASE/static/${static#./}" || fail "static file"
cmp -s "$ROOT/static.out" "$ROOT/data/static/$static" || fail "static file differs"

say "sign in and open the console, through both app servers"
csrf() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' "$1" | head -n 1; }
"${CURL[@]}" -f -c "$JAR" -b "$JAR" -o "$ROOT/login.html" "$BASE/login/" || fail "GET /login/"
answer=$("${CURL[@]}" -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code} %{redirect_url}' \
  -H "Origin: $BASE" -H "Referer: $BASE/login/" \
  --data-urlencode "csrfmiddlewaretoken=$(csrf "$ROOT/login.html")" \
  --data-urlencode "username=zuzhi" --data-urlencode "password=smoke-Organiser-2026" \
  --data-urlencode "next=/console/" "$BASE/login/")
[ "$answer" = "302 $BASE/console/" ] || fail "sign-in answered $answer"
for _ in 1 2 3 4; do
  "${CURL[@]}" -f -b "$JAR" -o "$ROOT/console.html" "$BASE/console/" || fail "GET /console/"
  grep -q "<h1>工作台</h1>" "$ROOT/console.html" || fail "the console page is not the organiser's"
done
for port in "$WEB1" "$WEB2"; do
  grep -q "\"GET /console/ HTTP/[0-9.]*\" 200 .* 127.0.0.1:$port\$" "$ROOT/logs/minping.access.log" \
    || fail "app server $port served no signed-in page"
done

say "rate limits in Redis"
"${CURL[@]}" -f -c "$JAR" -b "$JAR" -o "$ROOT/check.html" "$BASE/cases/check/" || fail "GET /cases/check/"
status=$("${CURL[@]}" -b "$JAR" -o /dev/null -w '%{http_code}' -H "Origin: $BASE" \
  -H "Referer: $BASE/cases/check/" --data-urlencode "csrfmiddlewaretoken=$(csrf "$ROOT/check.html")" \
  --data-urlencode "number=SMOKE-0000" --data-urlencode "code=000000" "$BASE/cases/check/")
[ "$status" = 404 ] || fail "a wrong case number answered $status"
[ "$("${CLI_REDIS[@]}" dbsize)" -gt 0 ] || fail "the wrong check left no counter in Redis"

say "the access log: no invitation link, no static file, no health check"
"${CURL[@]}" -o /dev/null "$BASE/s/i/smoke-invitation-token/" || true
sleep 1
grep -q '"GET /login/ ' "$ROOT/logs/minping.access.log" || fail "the access log is not written"
! grep -q 'smoke-invitation-token\|/s/i/' "$ROOT/logs/minping.access.log" \
  || fail "an invitation path is in the access log"
! grep -q '/static/\|/healthz' "$ROOT/logs/minping.access.log" \
  || fail "static files or /healthz are in the access log"

say "a background task, queued and run by the worker"
task=$(cd "$REPO" && "$MINPING" shell -v 0 <<'PY'
import time
from minping.cases.tasks import mark_overdue_cases
result = mark_overdue_cases.enqueue()
deadline = time.monotonic() + 90
while not result.is_finished and time.monotonic() < deadline:
    time.sleep(0.5)
    result.refresh()
print(result.status, len(result.worker_ids))
PY
)
[ "$task" = "SUCCESSFUL 1" ] || fail "background task: $task"

say "the daily jobs, as their timers start them"
for unit in scrub overdue purge backup; do
  (cd "$REPO" && bash -c "$(execstart "minping-$unit.service")") >"$ROOT/logs/$unit.log" 2>&1 \
    || fail "minping-$unit.service"
done
if "$MINPING" audit --help 2>/dev/null | grep -q anchor; then
  (cd "$REPO" && bash -c "$(execstart minping-anchor.service)") >"$ROOT/logs/anchor.log" 2>&1 \
    || fail "minping-anchor.service"
else
  say "(minping audit anchor is not in this version: skipped)"
fi
backup=$(find "$ROOT/backups" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -f "$backup/manifest.json" ] && [ -f "$backup/database.pgdump" ] || fail "no backup written"
