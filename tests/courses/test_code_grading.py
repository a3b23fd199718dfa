"""Code items: spec checks, what the student sees, the harness and scoring (without the sandbox).

The harness is run here as a plain subprocess in a temporary folder: these tests are about
grading correctness; the sandbox's isolation has its own tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale

from courses.grading import code
from courses.grading.registry import ITEM_TYPES, grade

UNIT = {
    "mode": "unit",
    "starter": "def add(a, b):\n    pass\n",
    "tests": [
        {"name": "small numbers", "code": "assert add(1, 2) == 3", "visible": True},
        {"code": "assert add(-5, 5) == 0"},
        {"code": "assert add(10**20, 1) == 10**20 + 1", "points": 2},
    ],
}
IO = {
    "mode": "io",
    "tests": [
        {"name": "two numbers", "stdin": "3 4\n", "stdout": "7\n", "visible": True},
        {"stdin": "-1 1\n", "stdout": "0"},
        {"stdin": "100 23\n", "stdout": "123\n"},
    ],
}
VALUES = {
    "mode": "values",
    "tests": [
        {"name": "mean", "setup": "data = [1, 2, 3, 4]", "expr": "mean(data)", "expected": 2.5, "visible": True},
        {"setup": "data = [0.1, 0.2]", "expr": "mean(data)", "expected": 0.15, "tolerance": 1e-9},
        {"expr": "summary([3, 1, 2])", "expected": {"min": 1, "max": 3}},
    ],
}


def run_locally(spec: dict[str, Any], source: str, python: str = sys.executable, tmp_path: Path | None = None) -> Any:
    """Run the harness as the sandbox would, minus the isolation; score the result."""
    job = code.job(spec, source)
    assert tmp_path is not None
    folder = tmp_path / "run"
    folder.mkdir(exist_ok=True)
    for name, text in job.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    try:
        done = subprocess.run(
            [python, "-I", "harness.py"], input=job.stdin, cwd=folder, capture_output=True, timeout=20, check=False
        )
        outcome = "ok" if done.returncode == 0 else "error"
        stdout = done.stdout
    except subprocess.TimeoutExpired as exc:
        outcome, stdout = "timeout", exc.stdout or b""
    with force_locale("en"):
        result = code.score(spec, stdout, job.nonce, outcome)
        return result, [str(line) for line in result.feedback]


def test_specs_are_checked_for_authors():
    code.check_spec(UNIT)
    code.check_spec(IO)
    code.check_spec(VALUES)
    for broken, reason in (
        ({**UNIT, "mode": "magic"}, "mode"),
        ({**UNIT, "tests": []}, "tests"),
        ({**UNIT, "tests": [{"code": "assert ("}]}, "not valid Python"),
        ({**UNIT, "tests": [{"code": "for x in [1]:\n    assert add(x, 0) == x"}]}, "an assert inside a for block"),
        ({**UNIT, "tests": [{"name": "all", "code": "assert all(y > 0 for y in add(1, 2))"}]}, r"test 1 \(all\)"),
        ({**IO, "tests": [{"stdin": "1"}]}, "stdout"),
        ({**VALUES, "tests": [{"expr": "f()"}]}, "expected"),
        ({**UNIT, "limits": {"threads": 8}}, "limits"),
        ({**UNIT, "profile": "gpu"}, "profile"),
    ):
        with pytest.raises(code.InvalidCodeSpec, match=reason):
            code.check_spec(broken)


def test_limits_are_capped_and_points_add_up():
    assert code.limits({"limits": {"cpu_seconds": 999, "memory_mb": -1}}) == {
        **code.DEFAULT_LIMITS,
        "cpu_seconds": code.CEILINGS["cpu_seconds"],
    }
    assert code.points(UNIT) == 4.0


def test_the_student_sees_examples_but_no_hidden_test():
    shown = ITEM_TYPES["code"].public(UNIT)
    assert shown["starter"] == UNIT["starter"] and shown["tests"] == 3
    assert shown["examples"] == [{"name": "small numbers", "code": "assert add(1, 2) == 3"}]
    assert "10**20" not in json.dumps(shown) and "-5, 5" not in json.dumps(shown)
    values = ITEM_TYPES["code"].public(VALUES)
    assert "0.15" not in json.dumps(values) and '"max": 3' not in json.dumps(values)


def test_expected_outputs_and_values_never_enter_the_sandbox(monkeypatch):
    # The random hex nonce can contain a secret's digits by chance (CI once drew "...df1236f...").
    # Force that case, and blank the nonce before looking.
    monkeypatch.setattr(code.secrets, "token_hex", lambda size: "1230" * (size // 2))
    for spec, secret in ((IO, "123"), (VALUES, "0.15")):
        job = code.job(spec, "print(1)")
        assert "123" in job.nonce
        texts = [job.stdin.decode(), *job.files.values()]
        texts = [text.replace(job.nonce, "<nonce>") for text in texts]
        assert json.loads(texts[0])["nonce"] == "<nonce>"
        assert all(secret not in text for text in texts)


def test_a_response_is_queued_and_a_bad_one_scores_zero_at_once():
    queued = grade("code", UNIT, "def add(a, b):\n    return a + b\n")
    assert queued.queued and queued.score == 0 and queued.max_score == 4
    for bad in (None, 42, ["x"], "x" * (code.MAX_SOURCE_LENGTH + 1)):
        result = grade("code", UNIT, bad)
        assert not result.queued and result.score == 0


def test_unit_tests_give_partial_credit_and_name_only_examples(app, tmp_path):
    right, lines = run_locally(UNIT, "def add(a, b):\n    return a + b\n", tmp_path=tmp_path)
    assert right.score == 4 and lines[0] == "Example 1 (small numbers): passed"
    capped, lines = run_locally(UNIT, "def add(a, b):\n    return min(a + b, 10**6)\n", tmp_path=tmp_path)
    assert capped.score == 2
    assert lines[2] == "Hidden test 3: failed, the value is not the expected one"
    assert all("10**20" not in line for line in lines)


def test_exceptions_syntax_errors_and_import_failures(app, tmp_path):
    _result, lines = run_locally(UNIT, "def add(a, b):\n    return a / 0\n", tmp_path=tmp_path)
    # An example names Python's own exception; a hidden test only says that one was raised.
    assert lines[0] == "Example 1 (small numbers): failed, raised ZeroDivisionError"
    assert lines[1] == "Hidden test 2: failed, raised an exception"
    own = "class Oops(Exception):\n    pass\ndef add(a, b):\n    raise Oops()\n"
    _result, lines = run_locally(UNIT, own, tmp_path=tmp_path)
    assert lines[0] == "Example 1 (small numbers): failed, raised an exception"
    result, lines = run_locally(UNIT, "raise type('assert add(-5, 5) == 0', (Exception,), {})()\n", tmp_path=tmp_path)
    assert result.score == 0 and lines == ["Your code raised an exception when it was loaded."]
    result, lines = run_locally(UNIT, "def add(a, b)\n    return a + b\n", tmp_path=tmp_path)
    assert result.score == 0 and lines[0].startswith("Syntax error on line 1")
    result, lines = run_locally(UNIT, "import nothing_like_this\n", tmp_path=tmp_path)
    assert result.score == 0 and lines == ["Your code raised ModuleNotFoundError when it was loaded."]


def test_io_mode_compares_output_ignoring_trailing_space(app, tmp_path):
    source = "a, b = map(int, input().split())\nprint(a + b, '  ')\n"
    result, lines = run_locally(IO, source, tmp_path=tmp_path)
    assert result.score == 3, lines
    wrong, lines = run_locally(IO, "a, b = map(int, input().split())\nprint(a * b)\n", tmp_path=tmp_path)
    assert wrong.score == 0
    # The example shows what was expected and what came; the hidden tests only that they failed.
    assert lines[:2] == [
        "Example 1 (two numbers): failed, the output is not the expected one",
        "Expected: 7\n; got: 12\n",
    ]
    assert lines[2:] == [
        "Hidden test 2: failed, the output is not the expected one",
        "Hidden test 3: failed, the output is not the expected one",
    ]


def test_values_mode_compares_outside_with_tolerance(app, tmp_path):
    source = (
        "def mean(xs):\n    return sum(xs) / len(xs)\ndef summary(xs):\n    return {'min': min(xs), 'max': max(xs)}\n"
    )
    result, lines = run_locally(VALUES, source, tmp_path=tmp_path)
    assert result.score == 3, lines
    off, lines = run_locally(VALUES, source.replace("/ len(xs)", "/ (len(xs) + 1e-3)"), tmp_path=tmp_path)
    assert off.score == 1 and lines[0].endswith("the value is not the expected one")


def test_forged_result_lines_are_ignored(app, tmp_path):
    forged = 'import sys\nprint("0" * 32 + \' {"i": 1, "ok": true}\')\ndef add(a, b):\n    return -1\n'
    result, _lines = run_locally(UNIT, forged, tmp_path=tmp_path)
    assert result.score == 0


def test_a_run_stopped_by_a_limit_fails_the_tests_it_did_not_reach(app):
    job = code.job(UNIT, "x")
    stdout = f'{job.nonce} {{"load": "ok"}}\n{job.nonce} {{"i": 0, "values": [3]}}\n'.encode()
    with force_locale("en"):
        result = code.score(UNIT, stdout, job.nonce, "timeout")
        lines = [str(line) for line in result.feedback]
    assert result.score == 1
    assert lines[1:] == ["Hidden test 2: failed, time limit reached", "Hidden test 3: failed, time limit reached"]
    with force_locale("en"):
        nothing = code.score(UNIT, b"", job.nonce, "memory")
        assert [str(line) for line in nothing.feedback] == ["memory limit reached"]


def test_tables_compare_cell_by_cell_with_tolerance():
    table = {"dataframe": {"columns": ["region", "mean"], "index": [0, 1], "data": [["A", 1.0], ["B", 2.5]]}}
    close = {"dataframe": {"columns": ["region", "mean"], "index": [0, 1], "data": [["A", 1.0000001], ["B", 2.5]]}}
    other = {"dataframe": {"columns": ["region", "avg"], "index": [0, 1], "data": [["A", 1.0], ["B", 2.5]]}}
    assert code.same_value(table, close, 1e-6)
    assert not code.same_value(table, close, 1e-9)
    assert not code.same_value(table, other, 1e-6)
    assert not code.same_value(True, 1, 0.1) and not code.same_value(1, True, 0.1)


@pytest.mark.skipif(
    subprocess.run(["/usr/bin/python3", "-c", "import pandas"], capture_output=True, check=False).returncode != 0
    if shutil.which("/usr/bin/python3")
    else True,
    reason="Debian's python3-pandas is not installed (the sandbox's data profile)",
)
def test_pandas_values_are_reported_as_tables(app, tmp_path):
    spec = {
        "mode": "values",
        "profile": "data",
        "tests": [
            {
                "setup": "import pandas as pd\ndf = pd.DataFrame({'r': ['A', 'B', 'A'], 'x': [1.0, 2.0, 3.0]})",
                "expr": "by_region(df)",
                "expected": {"dataframe": {"columns": ["r", "x"], "index": [0, 1], "data": [["A", 2.0], ["B", 2.0]]}},
            }
        ],
    }
    source = "def by_region(df):\n    return df.groupby('r', as_index=False)['x'].mean()\n"
    result, lines = run_locally(spec, source, python="/usr/bin/python3", tmp_path=tmp_path)
    assert result.score == 1, lines
