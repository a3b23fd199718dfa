#!/usr/bin/env bash
# The floor under the load targets: the lesson page's and the verification API's unavoidable work
# (benchmarks/floor_app.py: no Flask, no SQLAlchemy) under gunicorn, against the bare Flask "hello"
# app in the same run. It shows how much of each target's budget the database, the signatures and
# gunicorn take before any framework does.
#   benchmarks/floor.sh      (needs wrk and a PostgreSQL server; BENCH_PG_URL overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
. benchmarks/lib.sh
prepare_database
eval "$(PYTHONPATH=. "$BIN/python" -P benchmarks/courses_setup.py)"
eval "$(CERTIFICATES=100 PYTHONPATH=. "$BIN/python" -P benchmarks/certificates_setup.py)"
rm -f "$TOKENS_FILE" "$BODY_FILE"
start_servers
FLOOR_PORT=$(free_port)
"$BIN/gunicorn" --workers 2 ${GUNICORN_ARGS:-} --bind "127.0.0.1:$FLOOR_PORT" --log-level warning --chdir benchmarks floor_app:app & pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$FLOOR_PORT/" >/dev/null 2>&1 && break; sleep 0.1; done

# The lesson page's session: signed in on the platform, then shown to the floor app (same secret key).
cookie=$(signed_in_cookie "$APP_PORT" "$LESSON_ID")
lesson_url="http://127.0.0.1:$FLOOR_PORT/lessons/$LESSON_ID"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$lesson_url")" = 200 ] || { echo "the floor's lesson page did not answer 200" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$FLOOR_PORT/api/v1/certificates/$SERIAL")" = 200 ] || { echo "the floor's verification did not answer 200" >&2; exit 1; }

verification_lua "$work/get.lua"

wrk -t2 -c16 -d2s "http://127.0.0.1:$HELLO_PORT/" >/dev/null
results="$work/results.txt"
for round in $(seq "$ROUNDS"); do
  hello=$(rate "http://127.0.0.1:$HELLO_PORT/")
  verify=$(rate -s "$work/get.lua" "http://127.0.0.1:$FLOOR_PORT")
  lesson=$(rate -H "User-Agent: $UA" -H "Cookie: $cookie" "$lesson_url")
  hello2=$(rate "http://127.0.0.1:$HELLO_PORT/")
  echo "$hello $hello2 $verify $lesson" >> "$results"
  echo "round $round: hello $hello/$hello2, floor verification $verify, floor lesson page $lesson" >&2
done
rm -f "$SERIALS_FILE"
"$BIN/python" - "$results" "$DURATION" <<'PY'
import statistics, sys
rounds = [list(map(float, line.split())) for line in open(sys.argv[1])]
bare = [(r[0] + r[1]) / 2 for r in rounds]
def spread(values, fmt): return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"
print(f"\ngunicorn 2 sync workers, PostgreSQL; {len(rounds)} interleaved rounds, wrk -t2 -c16, {sys.argv[2]} s per measurement\n")
print("| measurement | requests/s, median (range) | share of bare, median (range) |\n|---|---:|---:|")
print(f"| bare Flask hello (mean of the runs either side) | {spread(bare, lambda v: f'{v:,.0f}')} | |")
for name, column in (("floor: verification JSON", 2), ("floor: lesson page", 3)):
    values = [r[column] for r in rounds]
    share = [v / b for v, b in zip(values, bare)]
    print(f"| {name} | {spread(values, lambda v: f'{v:,.0f}')} | {spread(share, lambda v: f'{v:.0%}')} |")
PY
