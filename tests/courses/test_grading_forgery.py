"""Forged grades: hostile student code that tries to pass tests it does not pass, in the real sandbox.

The sandbox keeps the student's code away from the machine (``test_code_attacks.py``); these attacks
go for the grading instead: the harness shares an interpreter with the student's code, so whatever it
knows (the run's nonce, the tests, an expected value written in a test) the student's code can read,
and whatever it prints the student's code can print too. Each attack is a submission to the demo
course's accuracy task (10 tests) whose ``accuracy`` is wrong, dressed up to pass anyway. Every attack
must score 0, while a right answer scores full, at the detected sandbox level (cgroups where the machine
has them) and at the bubblewrap level without cgroups. No hidden test's code reaches the feedback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from courses import sandbox
from courses.grading import code
from tests.conftest import IN_CI
from tests.courses.test_code_attacks import grade_in_sandbox

ROOT = Path(__file__).resolve().parents[2]
# Room in the output for a forged line of 100,000 brackets: it must reach the parser outside.
LIMITS = {"cpu_seconds": 2, "wall_seconds": 5, "memory_mb": 128, "output_bytes": 256 * 1024}

pytestmark = pytest.mark.skipif(
    sandbox.detect_level().rank < sandbox.Level.BUBBLEWRAP.rank and not IN_CI,
    reason="the forgery suite needs the bubblewrap level (under CI=true it must have it)",
)


def accuracy_spec() -> dict[str, Any]:
    """The demo course's accuracy task, as the course folder defines it."""
    course = yaml.safe_load((ROOT / "courses" / "demo" / "ai-fundamentals" / "course.yaml").read_text())
    for module in course["modules"]:
        for assignment in module.get("assignments", []):
            for item in assignment.get("items", []):
                if item.get("type") == "code" and item["spec"]["mode"] == "unit":
                    return {**item["spec"], "limits": LIMITS}
    raise AssertionError("the demo course has no unit-mode code task")


SPEC = accuracy_spec()
RIGHT = (
    "def accuracy(predictions, labels):\n"
    "    if not predictions:\n        return 0.0\n"
    "    return sum(p == l for p, l in zip(predictions, labels)) / len(predictions)\n"
)
#: The wrong answer every attack wraps: it scored 10/10 on the old harness with a forged report.
WRONG = "def accuracy(predictions, labels):\n    return -1\n"

ATTACKS: list[tuple[str, str]] = [
    (
        "forged report lines: the nonce read from the harness's frames, every test reported passed",
        "import os, sys, json\n"
        "def _nonce():\n"
        "    frame = sys._getframe()\n"
        "    while frame:\n"
        "        config = frame.f_locals.get('config')\n"
        "        if isinstance(config, dict) and 'nonce' in config:\n"
        "            return config['nonce'], len(config['tests'])\n"
        "        frame = frame.f_back\n"
        "nonce, count = _nonce()\n"
        "os.write(1, (nonce + ' ' + json.dumps({'load': 'ok'}) + '\\n').encode())\n"
        "for i in range(count):\n"
        "    for event in ({'i': i, 'ok': True}, {'i': i, 'values': [1.0]}, {'i': i, 'values': [0.5, True]}):\n"
        "        os.write(1, (nonce + ' ' + json.dumps(event) + '\\n').encode())\n"
        "os._exit(0)\n",
    ),
    (
        "an int equal to anything, less than anything, with any absolute value",
        "class Anything(int):\n"
        "    def __eq__(self, other): return True\n"
        "    def __ne__(self, other): return False\n"
        "    def __lt__(self, other): return True\n"
        "    def __gt__(self, other): return True\n"
        "    def __abs__(self): return 0.0\n"
        "    def __sub__(self, other): return Anything(-1)\n"
        "    __hash__ = int.__hash__\n"
        "def accuracy(predictions, labels):\n    return Anything(-1)\n",
    ),
    (
        "an object of its own class that compares equal to anything",
        "class Anything:\n"
        "    def __eq__(self, other): return True\n"
        "    def __lt__(self, other): return True\n"
        "    def __sub__(self, other): return self\n"
        "    def __abs__(self): return 0\n"
        "def accuracy(predictions, labels):\n    return Anything()\n",
    ),
    (
        "patched built-ins: abs always 0, isinstance always true for float",
        "import builtins\n"
        "_isinstance = isinstance\n"
        "builtins.abs = lambda value: 0\n"
        "builtins.isinstance = lambda value, kind: True if kind is float else _isinstance(value, kind)\n" + WRONG,
    ),
    (
        "the expected value read from the caller's code and frames",
        "import sys\n"
        "def accuracy(predictions, labels):\n"
        "    frame = sys._getframe(1)\n"
        "    numbers = [c for c in frame.f_code.co_consts if isinstance(c, float)]\n"
        "    for value in frame.f_locals.values():\n"
        "        if isinstance(value, float):\n"
        "            numbers.append(value)\n"
        "    return numbers[-1] if numbers else -1\n",
    ),
    (
        "expected values searched for with gc",
        "import gc\n"
        "def accuracy(predictions, labels):\n"
        "    for thing in gc.get_objects():\n"
        "        if isinstance(thing, dict) and 'expected' in thing:\n"
        "            return thing['expected']\n"
        "    return -1\n",
    ),
    (
        "an early exit before the failing checks run",
        "import os\ndef accuracy(predictions, labels):\n    os._exit(0)\n",
    ),
    (
        "SystemExit and KeyboardInterrupt raised from the function",
        "calls = []\n"
        "def accuracy(predictions, labels):\n"
        "    calls.append(1)\n"
        "    raise (SystemExit(0) if len(calls) % 2 else KeyboardInterrupt())\n",
    ),
    (
        "an exception named after the hidden tests' code, to carry it into the feedback",
        "import sys\n"
        "def accuracy(predictions, labels):\n"
        "    frame = sys._getframe(1)\n"
        "    config = None\n"
        "    while frame:\n"
        "        config = frame.f_locals.get('config') or config\n"
        "        frame = frame.f_back\n"
        "    text = repr(config['tests'])[:200] if config else 'accuracy('\n"
        "    raise type(text, (Exception,), {})()\n",
    ),
    (
        "a value nested 100,000 deep",
        "def accuracy(predictions, labels):\n"
        "    value = 0.5\n"
        "    for _ in range(100_000):\n        value = [value]\n"
        "    return value\n",
    ),
    (
        "a forged report line nested 100,000 deep, to crash the parser outside",
        "import os, sys\n"
        "frame = sys._getframe()\n"
        "while frame and 'config' not in frame.f_locals:\n    frame = frame.f_back\n"
        "nonce = frame.f_locals['config']['nonce']\n"
        "os.write(1, (nonce + ' ' + '[' * 100_000 + '\\n').encode())\n" + WRONG,
    ),
    (
        "the harness's own modules patched to report every test passed",
        "import json\n"
        "_dumps = json.dumps\n"
        "def dumps(event, **kwargs):\n"
        "    if isinstance(event, dict) and 'i' in event:\n"
        "        event = {**event, 'ok': True, 'passed': True, 'reason': 'passed'}\n"
        "        event.pop('error', None)\n"
        "    return _dumps(event, **kwargs)\n"
        "json.dumps = dumps\n" + WRONG,
    ),
]

LEVELS = {"detected level": None, "bubblewrap without cgroups": sandbox.Level.BUBBLEWRAP}


def grade(source: str, level: sandbox.Level | None) -> tuple[float, list[str]]:
    """Grade the source against the accuracy task, the way the grading task does."""
    score, feedback, _outcome = grade_in_sandbox(SPEC, source, level)
    return score, feedback


@pytest.mark.parametrize("level", list(LEVELS.values()), ids=list(LEVELS))
def test_a_right_answer_scores_full_and_the_wrong_one_nothing(app, level):
    score, feedback = grade(RIGHT, level)
    assert score == code.points(SPEC), feedback
    assert all(line.endswith(": passed") for line in feedback), feedback
    wrong, feedback = grade(WRONG, level)
    assert wrong == 0, feedback


@pytest.mark.parametrize("level", list(LEVELS.values()), ids=list(LEVELS))
@pytest.mark.parametrize("source", [attack for _name, attack in ATTACKS], ids=[name for name, _attack in ATTACKS])
def test_the_forgery_scores_zero_and_leaks_no_hidden_test(app, level, source):
    score, feedback = grade(source, level)
    assert score == 0, feedback
    hidden = [line for line in feedback if line.startswith("Hidden test")]
    assert hidden and all(
        line.split(": failed, ", 1)[-1]
        in {
            "the value is not the expected one",
            "raised an exception",
            "time limit reached",
            "memory limit reached",
            "output limit reached",
            "the program stopped",
        }
        for line in hidden
    ), hidden
    for line in feedback:
        assert "accuracy([1, 1, 0]" not in line and "'steps'" not in line, line
