#!/usr/bin/env python3
"""The sandbox's cost: one sandboxed run against a plain interpreter start, and gradings per core.

    .venv/bin/python benchmarks/sandbox.py [--runs 40] [--gradings 60]

1. Start-up overhead: the median wall time of ``sandbox.run`` on an empty program against the
   median of ``/usr/bin/python3 -c pass`` (the sandbox's own interpreter), in alternating blocks
   of ten in the same run. The overhead is what the sandbox adds (sandboxed minus plain). Target: at most
   1.5 times the plain start. The whole sandboxed run's ratio to the plain start is shown too.
2. Submissions per second per core: the process (and so every sandbox it starts) is pinned to
   one CPU, and the demo course's two code items are graded one after another with a right
   solution through the grading path (harness, sandbox, scoring): the 10-test pure-Python item
   and the pandas item. Target: at least 15 per second for the pure-Python item.

Prints the sandbox level and a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from courses import sandbox  # noqa: E402
from courses.grading import code  # noqa: E402
from courses.importers.folder import read_course_folder  # noqa: E402
from tests.courses.test_demo_code import SOLUTIONS  # noqa: E402

PYTHON = "/usr/bin/python3"


def plain_start() -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "-c", "pass"], check=True)
    return time.perf_counter() - started


def sandboxed_start() -> float:
    started = time.perf_counter()
    result = sandbox.run({"main.py": "pass\n"}, ["main.py"])
    elapsed = time.perf_counter() - started
    if result.outcome != sandbox.Outcome.OK:
        raise SystemExit(f"the empty program did not run: {result.outcome} {result.detail} {result.stderr[-300:]!r}")
    return elapsed


def grade_once(spec: dict, source: str) -> float:
    job = code.job(spec, source)
    result = sandbox.run(
        job.files,
        ["harness.py"],
        stdin=job.stdin,
        limits=sandbox.Limits(**job.limits),
        profile=job.profile,
    )
    graded = code.score(spec, result.stdout, job.nonce, str(result.outcome))
    if graded.score != graded.max_score:
        raise SystemExit(f"the right solution did not score full marks: {graded}")
    return graded.score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="start-ups of each kind")
    parser.add_argument("--gradings", type=int, default=60, help="gradings of each item")
    args = parser.parse_args()

    level = sandbox.detect_level()
    print(f"sandbox level: {level.value}; CPUs: {os.cpu_count()}; python: {PYTHON}")

    for _ in range(3):  # warm the page cache
        plain_start()
        sandboxed_start()
    # Alternating blocks of ten: close in time (the VM's speed drifts), without one kind of start
    # disturbing the next one's caches.
    plain, boxed = [], []
    for _ in range(max(1, args.runs // 10)):
        plain.extend(plain_start() for _ in range(10))
        boxed.extend(sandboxed_start() for _ in range(10))
    plain_ms, boxed_ms = statistics.median(plain) * 1000, statistics.median(boxed) * 1000

    draft = read_course_folder(ROOT / "courses" / "demo" / "ai-fundamentals")
    items = {
        item.spec["profile"]: item.spec
        for module in draft.modules
        for assignment in module.assignments
        for item in assignment.items
        if item.type == "code"
    }
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rates = {}
    for profile, spec in items.items():
        grade_once(spec, SOLUTIONS[profile])
        started = time.perf_counter()
        for _ in range(args.gradings):
            grade_once(spec, SOLUTIONS[profile])
        rates[profile] = args.gradings / (time.perf_counter() - started)

    print()
    print("| measurement | figure | target |")
    print("|---|---:|---:|")
    print(f"| plain `python3 -c pass` (median of {args.runs}) | {plain_ms:.1f} ms | |")
    print(f"| sandboxed empty program (median of {args.runs}) | {boxed_ms:.1f} ms | |")
    extra = boxed_ms - plain_ms
    print(f"| overhead: what the sandbox adds ({extra:.1f} ms) | {extra / plain_ms:.2f}× the plain start | ≤ 1.5× |")
    print(f"| sandboxed run against the plain start | {boxed_ms / plain_ms:.2f}× | |")
    tests = len(items["python"]["tests"])
    print(f"| pure-Python item, {tests} tests, one core | {rates['python']:.1f} submissions/s | ≥ 15/s |")
    print(f"| pandas item ({len(items['data']['tests'])} tests), one core | {rates['data']:.1f} submissions/s | |")


if __name__ == "__main__":
    main()
