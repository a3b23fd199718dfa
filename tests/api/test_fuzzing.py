"""Schemathesis against /api/v1/openapi.json: generated requests, valid and not, never a server error.

Every operation of the documented API gets generated calls (bodies, paths and queries of the documented
shapes, and, in schemathesis' negative mode, ones that break them), signed in with a bearer token,
through the app's WSGI cycle on the test database (rolled back afterwards). Heavy: runs once in CI, in
the SQLite run, bounded by ``FUZZ_EXAMPLES`` calls per operation and mode (LMS_FUZZ_EXAMPLES overrides).
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error

from courses.services import learning
from lms.extensions import limiter
from lms.services import accounts
from tests import factories
from tests.conftest import TEST_DATABASE_URL

FUZZ_EXAMPLES = int(os.environ.get("LMS_FUZZ_EXAMPLES", "100"))

pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="fuzzing runs once per CI run, in the SQLite run")


def test_no_generated_request_makes_a_server_error(app: Any, db: Any) -> None:
    # The schema's operations are driven with Hypothesis directly: schemathesis' pytest plugin reaches into
    # pytest's private attributes, which pytest 9 no longer has.
    student = factories.user()
    course = factories.course()  # enrolled, so that small generated ids reach real assignments and attempts
    learning.enroll(student, course)
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation, mode in itertools.product(operations, list(schemathesis.GenerationMode)):

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: Any) -> None:
            with app.app_context():
                limiter.reset()  # the sign-in limits would answer 429 to most generated token requests
            # A token of its own for each call: a generated DELETE /auth/token revokes the one it is sent with.
            bearer = {"Authorization": "Bearer " + accounts.issue_api_token(student).secret}
            db.session.commit()
            case.call_and_validate(headers=bearer, checks=[not_a_server_error])

        try:
            call()
        except Unsatisfiable:
            # An operation with nothing to break (no parameters, no body) has no negative cases.
            assert mode is schemathesis.GenerationMode.NEGATIVE
