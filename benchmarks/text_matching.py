"""Short-text grading against adversarial answers: wildcards and regular expressions on 10,000 characters.

    .venv/bin/python -P benchmarks/text_matching.py [--repeat 20]

Each case is an answer a student can send (the longest short text is 10,000 characters) built so that a
backtracking matcher would explore every way to split it. Reports the median and the slowest of
``--repeat`` gradings through ``courses.grading.registry.grade`` (normalisation included). Target: under
100 ms each. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

from courses.grading.registry import grade

CASES = [
    ("wildcard `*data*science*model*ai*`", {"text": "*data*science*model*ai*"}, ("data science model " * 527)[:10_000]),
    ("wildcard `*a*a*a*a*a*a*a*a*b`", {"text": "*a*a*a*a*a*a*a*a*b"}, "a" * 10_000),
    ("wildcard `*x*y*`, 5,000 lines", {"text": "*x*y*"}, "x\n" * 5_000),
    ("regex `(a+)+$`", {"regex": "(a+)+$"}, "a" * 9_999 + "!"),
    ("regex `(a\\|aa)*c`", {"regex": "(a|aa)*c"}, "a" * 10_000),
    ("regex `(.*a){12}`", {"regex": "(.*a){12}"}, "a" * 10_000),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    print("| answer pattern | student's text | median | slowest | target |\n|---|---:|---:|---:|---:|")
    for label, answer, response in CASES:
        spec = {"answers": [answer]}
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            grade("short_text", spec, response)
            timings.append((time.perf_counter() - started) * 1000)
        slowest = max(timings)
        verdict = "met" if slowest < 100 else "MISSED"
        print(
            f"| {label} | {len(response):,} chars | {statistics.median(timings):.2f} ms | {slowest:.2f} ms "
            f"| < 100 ms — {verdict} |"
        )


if __name__ == "__main__":
    main()
