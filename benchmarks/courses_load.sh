#!/usr/bin/env bash
# Lesson page and quiz submission under gunicorn (2 sync workers, PostgreSQL), against the bare Flask
# "hello" app in the same run.
#   benchmarks/courses_load.sh        (needs wrk and a PostgreSQL server; BENCH_PG_URL overrides)
#   LEARNERS=200 DURATION=10 ROUNDS=3 BIN=.venv/bin (the defaults); PROFILE=1 adds where the time goes
#   (benchmarks/courses_profile.py)
# The lesson page is asked for by LEARNERS signed-in learners (each with a session cookie of their own)
# over every lesson open to them, in turn: consecutive requests are different learners on different
# lessons, so no per-learner or per-page cache answers them all. The quiz submissions come from the same
# learners, each with an API token of their own.
# Targets: lesson page >= 25% of the bare app's requests/s; quiz submission p99 < 150 ms at 32
# concurrent clients.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
export LEARNERS=${LEARNERS:-200}
. benchmarks/lib.sh
export UA # lib.sh's browser User-Agent: the learners' sessions are made for it, and wrk sends it
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
machine="${cpu_model:-unknown CPU}, $(nproc) cores; load average at the start $(cut -d' ' -f1 /proc/loadavg)"
echo "machine: $machine" >&2

prepare_database
# -P: benchmarks/certificates.py must not shadow the certificates package. The setup opens every
# (learner, lesson) pair once in-process and fails unless each answers 200 without setting a cookie.
settings=$(PYTHONPATH=. "$BIN/python" -P benchmarks/courses_setup.py "$work" 2> >(grep -v "Rate limits are kept" >&2))
eval "$settings"

start_servers

# A sample of the pairs checked against gunicorn before measuring: the first 2×LESSONS requests of the
# rotation (every lesson, each time for another learner) answer 200 with that lesson's page and set no
# cookie (a cookie re-set per request would mean the session is not accepted as it is).
head -n "$((2 * LESSONS))" "$PAIRS_FILE" | while IFS=$'\t' read -r lesson_id cookie; do
  status=$(curl -s -A "$UA" -H "Cookie: $cookie" -D "$work/headers" -o "$work/page" -w '%{http_code}' \
    "http://127.0.0.1:$APP_PORT/lessons/$lesson_id")
  [ "$status" = 200 ] || { echo "lesson $lesson_id answered $status, not 200" >&2; exit 1; }
  ! grep -qi '^set-cookie' "$work/headers" \
    || { echo "lesson $lesson_id set a cookie: $(grep -i '^set-cookie' "$work/headers")" >&2; exit 1; }
  grep -q "/lessons/$lesson_id/complete" "$work/page" || { echo "lesson $lesson_id: not the lesson page" >&2; exit 1; }
done
submit_url="http://127.0.0.1:$APP_PORT/api/v1/assignments/$ASSIGNMENT_ID/attempts"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(head -1 "$TOKENS_FILE")" \
  -H "Content-Type: application/json" --data @"$BODY_FILE" "$submit_url")
[ "$status" = 201 ] || { echo "quiz submission answered $status, not 201" >&2; exit 1; }

# wrk's Lua scripts. Each request is the next (lesson, learner) pair of the rotation, or the next
# learner's submission; wrk's two threads start half the list apart. The lesson script counts the
# answers that are not 200 (wrk counts only 4xx and 5xx: a redirect to the sign-in page would pass) and
# those that set a cookie.
cat > "$work/lessons.lua" <<LUA
local list, requests, threads = {}, {}, {}
for line in io.lines("$PAIRS_FILE") do
  local id, cookie = line:match("^(%d+)\t(.+)$")
  list[#list + 1] = {"/lessons/" .. id, cookie}
end
function setup(thread) thread:set("start", math.floor(#threads * #list / 2)); threads[#threads + 1] = thread end
function init(args)
  for i, pair in ipairs(list) do
    requests[i] = wrk.format("GET", pair[1], {["User-Agent"] = "$UA", ["Cookie"] = pair[2]})
  end
  n, not_ok, cookies = start or 0, 0, 0
end
function request() n = n % #requests + 1; return requests[n] end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
  if headers["Set-Cookie"] or headers["set-cookie"] then cookies = cookies + 1 end
end
function done(summary, latency, requests)
  local bad, set = 0, 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok"); set = set + thread:get("cookies") end
  print("Not 200: " .. bad); print("Set-Cookie: " .. set)
end
LUA
cat > "$work/post.lua" <<LUA
local tokens, threads = {}, 0
for line in io.lines("$TOKENS_FILE") do tokens[#tokens + 1] = line end
local f = io.open("$BODY_FILE", "r"); local body = f:read("*a"); f:close()
function setup(thread) thread:set("start", math.floor(threads * #tokens / 2)); threads = threads + 1 end
function init(args) n = start or 0 end
function request()
  n = n % #tokens + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[n]}, body)
end
LUA

# wrk with its arguments; prints its report, or fails on any error it reports (non-2xx answers, socket
# errors, and for the lesson page any answer not 200 or setting a cookie).
measure() {
  local out
  out=$(wrk "$@")
  if grep -Eq '^ *Non-2xx|^ *Socket errors|^Not 200: [1-9]|^Set-Cookie: [1-9]' <<<"$out"; then
    printf 'wrk %s\n%s\n' "$*" "$out" >&2
    echo "errors under load: the run is not valid" >&2
    return 1
  fi
  printf '%s\n' "$out"
}
requests_sec() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
requests_done() { awk '/requests in/ {print $1}' <<<"$1"; }

hello_url="http://127.0.0.1:$HELLO_PORT/"
lesson_url="http://127.0.0.1:$APP_PORT/"
measure -t2 -c16 -d2s "$hello_url" >/dev/null
measure -t2 -c16 -d2s -s "$work/lessons.lua" "$lesson_url" >/dev/null
measure -t2 -c32 -d2s -s "$work/post.lua" "$submit_url" >/dev/null
# Interleaved rounds: this VM's speed drifts within minutes, so each round compares the lesson page with
# the bare app measured either side of it, and the report gives medians and ranges over the rounds. The
# CPU each side uses (lib.sh's cpu_ms) is read around each run, for CPU per request (wrk counts them).
results="$work/results.txt"
for round in $(seq "$ROUNDS"); do
  h0=$(hello_cpu); hello=$(measure -t2 -c16 -d"${DURATION}s" "$hello_url"); h1=$(hello_cpu)
  a0=$(app_cpu); d0=$(database_cpu)
  lesson=$(measure -t2 -c16 -d"${DURATION}s" -s "$work/lessons.lua" "$lesson_url")
  a1=$(app_cpu); d1=$(database_cpu)
  h2=$(hello_cpu); hello2=$(measure -t2 -c16 -d"${DURATION}s" "$hello_url"); h3=$(hello_cpu)
  a2=$(app_cpu); d2=$(database_cpu)
  submit=$(measure -t2 -c32 -d"${DURATION}s" --latency -s "$work/post.lua" "$submit_url")
  a3=$(app_cpu); d3=$(database_cpu)
  p50=$(awk '$1 == "50%" {print $2}' <<<"$submit"); p90=$(awk '$1 == "90%" {print $2}' <<<"$submit")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$submit")
  echo "$(requests_sec "$hello") $(requests_sec "$hello2") $(requests_sec "$lesson") $(requests_sec "$submit")" \
    "$p50 $p90 $p99 $((h1 - h0 + h3 - h2)) $(($(requests_done "$hello") + $(requests_done "$hello2")))" \
    "$((a1 - a0)) $((d1 - d0)) $(requests_done "$lesson") $((a3 - a2)) $((d3 - d2)) $(requests_done "$submit")" >> "$results"
  echo "round $round: hello $(requests_sec "$hello")/$(requests_sec "$hello2"), lesson $(requests_sec "$lesson")," \
    "submission $(requests_sec "$submit") req/s p50 $p50 p90 $p90 p99 $p99" >&2
done

"$BIN/python" - "$results" "$ITEMS" "$DURATION" "$LEARNERS" "$LESSON_IDS" "$machine" <<'PY'
import statistics, sys
path, items, duration, learners, lesson_ids, machine = sys.argv[1:]
lessons = len(lesson_ids.split())
def ms(text):  # wrk's latency: 850.00us, 69.49ms, 1.23s
    if text.endswith("us"):
        return float(text[:-2]) / 1000
    return float(text[:-2]) if text.endswith("ms") else float(text[:-1]) * 1000
rounds = [line.split() for line in open(path)]
column = lambda i: [float(r[i]) for r in rounds]
bare = [(a + b) / 2 for a, b in zip(column(0), column(1))]
lesson, rps = column(2), column(3)
share = [page / b for page, b in zip(lesson, bare)]
p50, p90, p99 = ([ms(r[i]) for r in rounds] for i in (4, 5, 6))
per_request = lambda cpu, count: [c / n for c, n in zip(column(cpu), column(count))]
hello_cpu = per_request(7, 8)
lesson_app, lesson_db = per_request(9, 11), per_request(10, 11)
submit_app, submit_db = per_request(12, 14), per_request(13, 14)
def spread(values, fmt):
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"
rate = lambda v: f"{v:,.0f} req/s"
cpu = lambda v: f"{v:.3f} ms"
def verdict(value, ok, target): return f"{target}: {'met' if ok(value) else 'MISSED'}"
print(f"\nmachine: {machine}, at the end {open('/proc/loadavg').read().split()[0]}")
print(f"gunicorn 2 sync workers, PostgreSQL; {len(rounds)} interleaved rounds, wrk {duration} s per measurement")
print(f"lesson page: {learners} learners in turn over lessons {lesson_ids.replace(' ', ', ')}\n")
print("| measurement | median (range over rounds) | target |\n|---|---:|---:|")
print(f"| bare Flask hello (mean of the runs either side of the lesson page; wrk -c16) | {spread(bare, rate)} | |")
print(f"| lesson page, {learners} signed-in learners × {lessons} lessons in turn (wrk -c16) | {spread(lesson, rate)} | |")
share_verdict = verdict(statistics.median(share), lambda v: v >= 0.25, ">= 25%")
print(f"| lesson page, share of bare | {spread(share, lambda v: f'{v:.0%}')} | {share_verdict} |")
print(f"| quiz submission, {items} items, {learners} learners' tokens (wrk -c32) | {spread(rps, rate)} | |")
print(f"| submission latency p50 / p90 (32 clients) | {statistics.median(p50):.1f} / {statistics.median(p90):.1f} ms | |")
p99_verdict = verdict(statistics.median(p99), lambda v: v < 150, "< 150 ms")
print(f"| submission latency p99 (32 clients) | {spread(p99, lambda v: f'{v:.1f} ms')} | {p99_verdict} |")
print(f"| CPU per request, bare app's workers | {spread(hello_cpu, cpu)} | |")
print(f"| CPU per request, lesson page: platform's workers | {spread(lesson_app, cpu)} | |")
print(f"| CPU per request, lesson page: PostgreSQL | {spread(lesson_db, cpu)} | |")
print(f"| CPU per request, submission: platform's workers | {spread(submit_app, cpu)} | |")
print(f"| CPU per request, submission: PostgreSQL | {spread(submit_db, cpu)} | |")
print("\nCPU: user and system time of each side's processes (gunicorn master and workers; this run's"
      " PostgreSQL backends) over the run, divided by the requests wrk completed.")
PY

# Where the time goes (PROFILE=1): the same requests in-process under cProfile, on this run's database.
if [ -n "${PROFILE:-}" ]; then
  PAIRS_FILE=$PAIRS_FILE TOKENS_FILE=$TOKENS_FILE BODY_FILE=$BODY_FILE ASSIGNMENT_ID=$ASSIGNMENT_ID \
    PYTHONPATH=. "$BIN/python" -P benchmarks/courses_profile.py 2> >(grep -v "Rate limits are kept" >&2)
fi
