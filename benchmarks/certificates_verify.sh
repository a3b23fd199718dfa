#!/usr/bin/env bash
# Certificate verification JSON (GET /api/v1/certificates/<serial>) under gunicorn (2 workers,
# PostgreSQL), against the bare Flask "hello" app in the same run.
#   benchmarks/certificates_verify.sh     (needs wrk and a PostgreSQL server; BENCH_PG_URL overrides)
# Target (issue 5): >= 50% of the bare app's requests per second.
# The per-address rate limit stays on (its cost is measured) but is raised: wrk is one address.
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
export LMS_STORAGE_DIR="$work/storage"
export LMS_VERIFY_RATE_LIMIT="1000000/minute"
# -P: the scripts in benchmarks/ must import the certificates package, not benchmarks/certificates.py.
eval "$(PYTHONPATH=. "$BIN/python" -P benchmarks/signing_keys.py "$work/keys")"
"$BIN/flask" --app wsgi db upgrade >/dev/null 2>&1
"$BIN/flask" --app wsgi lms seed-demo >/dev/null
eval "$(PYTHONPATH=. "$BIN/python" -P benchmarks/certificates_setup.py)"

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
APP_PORT=$(free_port); HELLO_PORT=$(free_port)
"$BIN/gunicorn" --workers 2 ${GUNICORN_ARGS:-} --bind "127.0.0.1:$APP_PORT" --log-level warning wsgi:app & pids+=($!)
"$BIN/gunicorn" --workers 2 ${GUNICORN_ARGS:-} --bind "127.0.0.1:$HELLO_PORT" --log-level warning --chdir benchmarks hello_app:app & pids+=($!)
for port in "$APP_PORT" "$HELLO_PORT"; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 || curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APP_PORT/api/v1/certificates/$SERIAL")" = 200 ] \
  || { echo "the verification API did not answer 200" >&2; exit 1; }

# Each request asks for the next of the issued certificates (wrk's threads start at different places).
cat > "$work/get.lua" <<LUA
local serials = {}
for line in io.lines("$SERIALS_FILE") do serials[#serials + 1] = line end
local threads = 0
function setup(thread) thread:set("start", threads * 97); threads = threads + 1 end
function init(args) n = start or 0 end
function request()
  n = n % #serials + 1
  return wrk.format("GET", "/api/v1/certificates/" .. serials[n])
end
LUA

rate() { wrk -t2 -c16 -d"${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx " $0 > "/dev/stderr"}'; }
wrk -t2 -c16 -d2s "http://127.0.0.1:$HELLO_PORT/" >/dev/null
wrk -t2 -c16 -d2s -s "$work/get.lua" "http://127.0.0.1:$APP_PORT" >/dev/null
hello=$(rate "http://127.0.0.1:$HELLO_PORT/")
verify=$(rate -s "$work/get.lua" "http://127.0.0.1:$APP_PORT")
hello2=$(rate "http://127.0.0.1:$HELLO_PORT/")
rm -f "$SERIALS_FILE"
"$BIN/python" - "$hello" "$hello2" "$verify" "$DURATION" <<'PY'
import sys
hello, hello2, verify, duration = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
bare = (hello + hello2) / 2
print(f"\ngunicorn 2 sync workers, PostgreSQL; wrk -t2 -c16, {duration} s per measurement\n")
print("| measurement | figure | target |\n|---|---:|---:|")
print(f"| bare Flask hello (mean of the runs before and after) | {bare:,.0f} req/s | |")
print(f"| verification JSON, GET /api/v1/certificates/<serial> | {verify:,.0f} req/s = {verify / bare:.0%} of bare | >= 50% |")
PY
