#!/usr/bin/env bash
# Lesson page and quiz submission under gunicorn (2 workers, PostgreSQL), against the bare Flask
# "hello" app in the same run.
#   benchmarks/courses_load.sh        (needs wrk and a PostgreSQL server; BENCH_PG_URL overrides)
# Targets (issue 3): lesson page >= 40% of the bare app's requests/s; quiz submission p99 < 100 ms
# at 32 concurrent clients.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
DURATION=${DURATION:-10}
SERVER=${BENCH_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

work=$(mktemp -d)
pids=()
database="lms_bench_$$"
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true
  "$BIN/python" -c "import sqlalchemy as sa,sys; e=sa.create_engine(sys.argv[1], isolation_level='AUTOCOMMIT'); e.connect().exec_driver_sql('DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)')" "$SERVER" || true
  rm -rf "$work"
}
trap cleanup EXIT
"$BIN/python" -c "import sqlalchemy as sa,sys; e=sa.create_engine(sys.argv[1], isolation_level='AUTOCOMMIT'); e.connect().exec_driver_sql('CREATE DATABASE \"$database\"')" "$SERVER"

export LMS_ENV=production
export LMS_SECRET_KEY=benchmark-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
export LMS_DATABASE_URL="${SERVER%/*}/$database"
export LMS_QUEUE_URL="sqlite:///$work/queue.sqlite"
export LMS_SESSION_COOKIE_SECURE=false
"$BIN/flask" --app wsgi db upgrade >/dev/null 2>&1
"$BIN/flask" --app wsgi lms seed-demo >/dev/null
eval "$(PYTHONPATH=. "$BIN/python" -P benchmarks/courses_setup.py)"  # -P: not benchmarks/certificates.py as the package

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
APP_PORT=$(free_port); HELLO_PORT=$(free_port)
"$BIN/gunicorn" --workers 2 ${GUNICORN_ARGS:-} --bind "127.0.0.1:$APP_PORT" --log-level warning wsgi:app & pids+=($!)
"$BIN/gunicorn" --workers 2 ${GUNICORN_ARGS:-} --bind "127.0.0.1:$HELLO_PORT" --log-level warning --chdir benchmarks hello_app:app & pids+=($!)
for port in "$APP_PORT" "$HELLO_PORT"; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 || curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
done

# A signed-in browser session for the lesson page: one browser, so one User-Agent throughout (the
# session is bound to it; a different one marks the session not fresh and re-sets the cookie).
UA="Mozilla/5.0 (lms-benchmark)"
jar="$work/cookies"
token=$(curl -s -A "$UA" -c "$jar" "http://127.0.0.1:$APP_PORT/login" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -A "$UA" -b "$jar" -c "$jar" -o /dev/null -d "csrf_token=$token&email=bench@example.org&password=benchmark-password" "http://127.0.0.1:$APP_PORT/login"
# A browser keeps the cookie each page sets: take it after one page view (the CSRF token is in it).
curl -s -A "$UA" -b "$jar" -c "$jar" -o /dev/null "http://127.0.0.1:$APP_PORT/lessons/$LESSON_ID"
cookie=$(awk '$6 == "lms_session" {print "lms_session=" $7}' "$jar")
[ -z "$(curl -s -A "$UA" -o /dev/null -D - -H "Cookie: $cookie" "http://127.0.0.1:$APP_PORT/lessons/$LESSON_ID" | grep -i '^set-cookie')" ] \
  || { echo "the lesson page re-sets the session cookie on every request: fix the session set-up" >&2; exit 1; }
[ "$(curl -s -A "$UA" -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$APP_PORT/lessons/$LESSON_ID")" = 200 ] \
  || { echo "could not open the lesson page signed in" >&2; exit 1; }

# Each request comes from one of the learners in turn (wrk's threads start at different places).
cat > "$work/post.lua" <<LUA
local tokens, n = {}, 0
for line in io.lines("$TOKENS_FILE") do tokens[#tokens + 1] = line end
local f = io.open("$BODY_FILE", "r"); local body = f:read("*a"); f:close()
local threads = 0
function setup(thread) thread:set("start", threads * 31); threads = threads + 1 end
function init(args) n = start or 0 end
function request()
  n = n % #tokens + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[n]}, body)
end
LUA

rate() { wrk -t2 -c16 -d"${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
wrk -t2 -c16 -d2s "http://127.0.0.1:$HELLO_PORT/" >/dev/null
wrk -t2 -c16 -d2s -H "User-Agent: $UA" -H "Cookie: $cookie" "http://127.0.0.1:$APP_PORT/lessons/$LESSON_ID" >/dev/null
hello=$(rate "http://127.0.0.1:$HELLO_PORT/")
lesson=$(rate -H "User-Agent: $UA" -H "Cookie: $cookie" "http://127.0.0.1:$APP_PORT/lessons/$LESSON_ID")
hello2=$(rate "http://127.0.0.1:$HELLO_PORT/")
submit=$(wrk -t2 -c32 -d"${DURATION}s" --latency -s "$work/post.lua" "http://127.0.0.1:$APP_PORT/api/v1/assignments/$ASSIGNMENT_ID/attempts")
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
  --data @"$BODY_FILE" "http://127.0.0.1:$APP_PORT/api/v1/assignments/$ASSIGNMENT_ID/attempts")
[ "$status" = 201 ] || { echo "quiz submission answered $status, not 201" >&2; exit 1; }

rm -f "$TOKENS_FILE" "$BODY_FILE"
"$BIN/python" - "$hello" "$hello2" "$lesson" "$ITEMS" "$DURATION" <<PY
import sys
hello, hello2, lesson, items, duration = (float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]),
                                          int(sys.argv[4]), sys.argv[5])
bare = (hello + hello2) / 2
submit = """$submit"""
lines = {line.split()[0]: line.split()[1] for line in submit.splitlines() if line.strip().startswith(("50%", "90%", "99%"))}
rps = next(line.split()[1] for line in submit.splitlines() if line.startswith("Requests/sec"))
errors = [line.strip() for line in submit.splitlines() if "Non-2xx" in line or "Socket errors" in line]
print(f"\ngunicorn 2 sync workers, PostgreSQL; wrk {duration} s per measurement\n")
print("| measurement | figure | target |\n|---|---:|---:|")
print(f"| bare Flask hello (mean of the runs before and after) | {bare:,.0f} req/s | |")
print(f"| lesson page, signed in (wrk -c16) | {lesson:,.0f} req/s = {lesson / bare:.0%} of bare | >= 40% |")
print(f"| quiz submission, {items} items, 64 learners (wrk -c32) | {float(rps):,.0f} req/s; p50 {lines.get('50%')}, "
      f"p90 {lines.get('90%')}, p99 {lines.get('99%')} | p99 < 100 ms |")
for line in errors:
    print(f"| errors | {line} | |")
PY
