#!/usr/bin/env bash
# Requests per second of the login page and /healthz under gunicorn (2 workers),
# against a bare Flask "hello" app served the same way, measured in the same run.
#
#   benchmarks/http_throughput.sh            # or: make bench
#   ROUNDS=9 DURATION=10 CONNECTIONS=32 benchmarks/http_throughput.sh
#
# Needs wrk (apt-get install wrk). Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-2}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export LMS_ENV=production
export LMS_SECRET_KEY=benchmark-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
export LMS_DATABASE_URL="sqlite:///$work/lms.sqlite"
export LMS_QUEUE_URL="sqlite:///$work/queue.sqlite"
# Signing keys made like production keys: production refuses a developer's instance/keys (after `make run`).
eval "$(PYTHONPATH=. "$BIN/python" -P benchmarks/signing_keys.py "$work/keys")"
"$BIN/flask" --app wsgi db upgrade >/dev/null 2>&1
"$BIN/flask" --app wsgi lms seed-demo >/dev/null

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
APP_PORT=$(free_port); HELLO_PORT=$(free_port)
"$BIN/gunicorn" --workers "$WORKERS" --bind "127.0.0.1:$APP_PORT" --log-level warning wsgi:app &
pids+=($!)
"$BIN/gunicorn" --workers "$WORKERS" --bind "127.0.0.1:$HELLO_PORT" --log-level warning --chdir benchmarks hello_app:app &
pids+=($!)
for port in "$APP_PORT" "$HELLO_PORT"; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
done

rate() {  # url -> requests per second
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ {print $2}'
}
status() { curl -s -o /dev/null -w '%{http_code}' "$1"; }
[ "$(status "http://127.0.0.1:$APP_PORT/login")" = 200 ] || { echo "login page did not answer 200" >&2; exit 1; }
[ "$(status "http://127.0.0.1:$APP_PORT/healthz")" = 200 ] || { echo "/healthz did not answer 200" >&2; exit 1; }

# Warm up, then measure in interleaved rounds: on a shared or throttled CPU the
# rate drifts over a run, so each endpoint is compared with the bare app
# measured next to it, and medians are reported.
for url in "http://127.0.0.1:$HELLO_PORT/" "http://127.0.0.1:$APP_PORT/login" "http://127.0.0.1:$APP_PORT/healthz"; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$url" >/dev/null
done
results="$work/results.txt"
for round in $(seq "$ROUNDS"); do
  hello=$(rate "http://127.0.0.1:$HELLO_PORT/")
  login=$(rate "http://127.0.0.1:$APP_PORT/login")
  health=$(rate "http://127.0.0.1:$APP_PORT/healthz")
  echo "$hello $login $health" >> "$results"
  echo "round $round: hello $hello, login $login, healthz $health" >&2
done

"$BIN/python" - "$results" "$WORKERS" "$THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" <<'PY'
import datetime, os, statistics, sys
path, workers, threads, connections, duration, rounds = sys.argv[1:]
rows = [tuple(map(float, line.split())) for line in open(path)]
hello = statistics.median(r[0] for r in rows)
def line(name, index):
    rate = statistics.median(r[index] for r in rows)
    share = statistics.median(r[index] / r[0] for r in rows)
    return f"| {name} | {rate:,.0f} | {share:.1%} |"
print()
print(f"gunicorn {workers} sync workers; wrk -t{threads} -c{connections}, {rounds} interleaved rounds of {duration} s; "
      f"{os.cpu_count()} CPUs; {datetime.date.today()}")
print()
print("| endpoint | requests/s (median) | share of bare Flask (median of rounds) |")
print("|---|---:|---:|")
print(f"| bare Flask hello `/` | {hello:,.0f} | 100% |")
print(line("login page `GET /login`", 1))
print(line("health `GET /healthz`", 2))
PY
