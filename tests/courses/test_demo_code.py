"""The demo course's code assignments grade as intended in the real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale

from courses import sandbox
from courses.grading import code
from courses.importers.folder import read_course_folder
from tests.conftest import IN_CI

DEMO = Path(__file__).resolve().parents[2] / "courses" / "demo" / "ai-fundamentals"
SOLUTIONS = {
    "python": "def accuracy(predictions, labels):\n"
    "    if not predictions:\n        return 0.0\n"
    "    return sum(p == l for p, l in zip(predictions, labels)) / len(predictions)\n",
    "data": "import pandas as pd\n\n\ndef mean_by_region(df):\n"
    "    return df.groupby('region', as_index=False)['score'].mean().sort_values('region', ignore_index=True)\n",
}

pytestmark = pytest.mark.skipif(
    sandbox.detect_level().rank < sandbox.Level.BUBBLEWRAP.rank and not IN_CI,
    reason="needs the bubblewrap level (under CI=true it must have it)",
)


def code_items():
    draft = read_course_folder(DEMO)
    return [item for module in draft.modules for a in module.assignments for item in a.items if item.type == "code"]


def run(spec, source):
    job = code.job(spec, source)
    result = sandbox.run(
        job.files,
        ["harness.py"],
        stdin=job.stdin,
        limits=sandbox.Limits(**{**job.limits, "memory_mb": int(job.limits["memory_mb"])}),
        profile=job.profile,
    )
    with force_locale("en"):
        graded = code.score(spec, result.stdout, job.nonce, str(result.outcome))
        return graded.score, graded.max_score, [str(line) for line in graded.feedback]


def test_the_demo_has_a_unit_item_and_a_pandas_values_item():
    kinds = {(item.spec["mode"], item.spec["profile"]) for item in code_items()}
    assert kinds == {("unit", "python"), ("values", "data")}


@pytest.mark.parametrize("profile", ["python", "data"])
def test_a_right_solution_scores_full_and_the_starter_scores_zero(app, profile):
    item = next(item for item in code_items() if item.spec["profile"] == profile)
    score, maximum, feedback = run(item.spec, SOLUTIONS[profile])
    assert score == maximum, feedback
    score, _maximum, feedback = run(item.spec, item.spec["starter"])
    assert score == 0, feedback
