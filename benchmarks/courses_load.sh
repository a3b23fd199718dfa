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
ROUNDS=${ROUNDS:-3}
. benchmarks/lib.sh
prepare_database
eval "$(PYTHONPATH=. "$BIN/python" -P benchmarks/courses_setup.py)"  # -P: not benchmarks/certificates.py as the package

start_servers

# A signed-in browser session for the lesson page (benchmarks/lib.sh).
cookie=$(signed_in_cookie "$APP_PORT" "$LESSON_ID")
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

lesson_url="http://127.0.0.1:$APP_PORT/lessons/$LESSON_ID"
submit_url="http://127.0.0.1:$APP_PORT/api/v1/assignments/$ASSIGNMENT_ID/attempts"
wrk -t2 -c16 -d2s "http://127.0.0.1:$HELLO_PORT/" >/dev/null
wrk -t2 -c16 -d2s -H "User-Agent: $UA" -H "Cookie: $cookie" "$lesson_url" >/dev/null
# Interleaved rounds: this VM's speed drifts within minutes, so each round compares the lesson page with
# the bare app measured either side of it, and the report gives medians and ranges over the rounds.
results="$work/results.txt"
for round in $(seq "$ROUNDS"); do
  # The CPU each side uses (lib.sh's cpu_ms) is read around the bare app's first run, the lesson page's and
  # the submissions', for CPU per request.
  h0=$(hello_cpu); hello=$(rate "http://127.0.0.1:$HELLO_PORT/"); h1=$(hello_cpu)
  a0=$(app_cpu); d0=$(database_cpu)
  lesson=$(rate -H "User-Agent: $UA" -H "Cookie: $cookie" "$lesson_url")
  a1=$(app_cpu); d1=$(database_cpu)
  hello2=$(rate "http://127.0.0.1:$HELLO_PORT/")
  a2=$(app_cpu); d2=$(database_cpu)
  submit=$(wrk -t2 -c32 -d"${DURATION}s" --latency -s "$work/post.lua" "$submit_url")
  a3=$(app_cpu); d3=$(database_cpu)
  grep -E "Non-2xx|Socket errors" <<<"$submit" >&2 || true
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$submit")
  submitted=$(awk '/requests in/ {print $1}' <<<"$submit")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$submit"); p90=$(awk '$1 == "90%" {print $2}' <<<"$submit"); p99=$(awk '$1 == "99%" {print $2}' <<<"$submit")
  echo "$hello $hello2 $lesson $rps $p50 $p90 $p99 $((h1 - h0)) $((a1 - a0)) $((d1 - d0)) $((a3 - a2)) $((d3 - d2)) $submitted" >> "$results"
  echo "round $round: hello $hello/$hello2, lesson $lesson, submission $rps req/s p50 $p50 p90 $p90 p99 $p99" >&2
done
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
  --data @"$BODY_FILE" "$submit_url")
[ "$status" = 201 ] || { echo "quiz submission answered $status, not 201" >&2; exit 1; }

rm -f "$TOKENS_FILE" "$BODY_FILE"
"$BIN/python" - "$results" "$ITEMS" "$DURATION" <<'PY'
import statistics, sys
path, items, duration = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def ms(text):  # wrk's latency: 850.00us, 69.49ms, 1.23s
    if text.endswith("us"):
        return float(text[:-2]) / 1000
    return float(text[:-2]) if text.endswith("ms") else float(text[:-1]) * 1000
rounds = [line.split() for line in open(path)]
bare = [(float(r[0]) + float(r[1])) / 2 for r in rounds]
lesson = [float(r[2]) for r in rounds]
share = [page / b for page, b in zip(lesson, bare)]
rps = [float(r[3]) for r in rounds]
p50, p90, p99 = ([ms(r[i]) for r in rounds] for i in (4, 5, 6))
def spread(values, fmt): return f"{fmt(statistics.median(values))} (rounds: {fmt(min(values))}–{fmt(max(values))})"
# CPU per request (ms): the bare app's workers; the platform's workers and PostgreSQL, for each page. The
# submissions are counted by wrk; the hello and lesson runs as their rate times the run's duration.
hello_cpu = [float(r[7]) / (float(r[0]) * float(duration)) for r in rounds]
lesson_app = [float(r[8]) / (float(r[2]) * float(duration)) for r in rounds]
lesson_db = [float(r[9]) / (float(r[2]) * float(duration)) for r in rounds]
submit_app = [float(r[10]) / float(r[12]) for r in rounds]
submit_db = [float(r[11]) / float(r[12]) for r in rounds]
def cpu(values): return f"{statistics.median(values):.3f} ms"
print(f"\ngunicorn 2 sync workers, PostgreSQL; {len(rounds)} interleaved rounds, wrk {duration} s per measurement\n")
print("| measurement | median (range over rounds) | target |\n|---|---:|---:|")
print(f"| bare Flask hello (mean of the runs either side of the lesson page) | {spread(bare, lambda v: f'{v:,.0f} req/s')} | |")
print(f"| lesson page, signed in (wrk -c16) | {spread(lesson, lambda v: f'{v:,.0f} req/s')} | |")
print(f"| lesson page, share of bare | {spread(share, lambda v: f'{v:.0%}')} | >= 40% |")
print(f"| quiz submission, {items} items, 64 learners (wrk -c32) | {spread(rps, lambda v: f'{v:,.0f} req/s')} | |")
print(f"| submission latency p50 / p90 | {statistics.median(p50):.1f} / {statistics.median(p90):.1f} ms | |")
print(f"| submission latency p99 | {spread(p99, lambda v: f'{v:.1f} ms')} | < 100 ms |")
print("\nCPU per request under load (medians over the rounds; user and system time of each side's processes):\n")
print("| request | platform's workers | PostgreSQL | bare app's workers |\n|---|---:|---:|---:|")
print(f"| bare hello | | | {cpu(hello_cpu)} |")
print(f"| lesson page | {cpu(lesson_app)} | {cpu(lesson_db)} | |")
print(f"| quiz submission | {cpu(submit_app)} | {cpu(submit_db)} | |")
PY
