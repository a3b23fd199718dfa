# Shared by the PostgreSQL load benchmarks (courses_load.sh, certificates_verify.sh); sourced, not run.
# Expects BIN; sets work (a scratch folder), APP_PORT and HELLO_PORT, and cleans up on exit.

SERVER=${BENCH_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

work=$(mktemp -d)
pids=()
database="lms_bench_$$"

_sql_on_server() {  # statement: run on the server's maintenance database, outside a transaction
  "$BIN/python" -c "import sqlalchemy as sa,sys; e=sa.create_engine(sys.argv[1], isolation_level='AUTOCOMMIT'); e.connect().exec_driver_sql(sys.argv[2])" "$SERVER" "$1"
}
_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true
  _sql_on_server "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" || true
  rm -rf "$work"
}
trap _cleanup EXIT

# A fresh database, migrated and seeded, and the platform's production settings pointing at it, with
# signing keys of its own made like production keys (production refuses a developer's instance/keys).
prepare_database() {
  # -P: the scripts in benchmarks/ must import the certificates package, not benchmarks/certificates.py.
  eval "$(PYTHONPATH=. "$BIN/python" -P benchmarks/signing_keys.py "$work/keys")"
  _sql_on_server "CREATE DATABASE \"$database\""
  export LMS_ENV=production
  export LMS_SECRET_KEY=benchmark-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  export LMS_DATABASE_URL="${SERVER%/*}/$database"
  export LMS_QUEUE_URL="sqlite:///$work/queue.sqlite"
  export LMS_STORAGE_DIR="$work/storage"
  export LMS_SESSION_COOKIE_SECURE=false
  "$BIN/flask" --app wsgi db upgrade >/dev/null 2>&1
  "$BIN/flask" --app wsgi lms seed-demo >/dev/null
}

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The platform and the bare Flask app, each under gunicorn with 2 sync workers (GUNICORN_ARGS adds options).
start_servers() {
  APP_PORT=$(free_port); HELLO_PORT=$(free_port)
  "$BIN/gunicorn" --workers 2 ${GUNICORN_ARGS:-} --bind "127.0.0.1:$APP_PORT" --log-level warning wsgi:app & pids+=($!)
  "$BIN/gunicorn" --workers 2 ${GUNICORN_ARGS:-} --bind "127.0.0.1:$HELLO_PORT" --log-level warning --chdir benchmarks hello_app:app & pids+=($!)
  local port
  for port in "$APP_PORT" "$HELLO_PORT"; do
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 || curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
  done
}

# CPU time (ms, user and system) used so far by the running processes whose command line matches the
# extended regex $1: compared before and after a measurement, it gives each side's CPU per request, which
# tells the code's cost apart from the VM's speed (that varies several-fold between days here).
cpu_ms() {
  local pids
  pids=$(pgrep -f -- "$1" | tr '\n' ' ')
  [ -n "$pids" ] || { echo 0; return; }
  # shellcheck disable=SC2046,SC2086 - one stat file per process
  (cd /proc && cat $(printf '%s/stat ' $pids) 2>/dev/null) \
    | awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); ticks += $12 + $13} END {printf "%d\n", ticks * 1000 / hz}'
}
app_cpu() { cpu_ms "127\.0\.0\.1:$APP_PORT( |$)"; }            # the platform's gunicorn (master and workers)
hello_cpu() { cpu_ms "127\.0\.0\.1:$HELLO_PORT( |$)"; }        # the bare app's
database_cpu() { cpu_ms "^postgres: .* $database "; }     # this run's PostgreSQL backends

# wrk's requests per second (any non-2xx answer is reported on stderr).
rate() { wrk -t2 -c16 -d"${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx " $0 > "/dev/stderr"}'; }

# wrk's Lua script at $1: each request asks for the next serial of SERIALS_FILE (wrk's threads start at
# different places).
verification_lua() {
  cat > "$1" <<LUA
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
}


# The browser the benchmark's learners use: their sessions are bound to it (Flask-Login's session protection).
UA="Mozilla/5.0 (lms-benchmark)"
