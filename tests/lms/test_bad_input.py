"""Input no column or parser can take answers a clear 4xx, never a 500 (the issue's outside security test)."""

from __future__ import annotations

import pytest

from lms.services import accounts
from tests import factories

HUGE = "9" * 20  # above 2**63: no database integer column holds it


@pytest.mark.parametrize(
    "path",
    [
        f"/certificates/status/{HUGE}",
        f"/lessons/{HUGE}",
        f"/assignments/{HUGE}",
        f"/attempts/{HUGE}",
        f"/attempts/{HUGE}/status",
        f"/classes/{HUGE}",
    ],
)
def test_ids_above_what_a_column_holds_are_404(client, login, path):
    login(factories.user())
    assert client.get(path).status_code == 404


def test_api_ids_above_what_a_column_holds_are_404(client, db):
    token = accounts.issue_api_token(factories.user()).secret
    answer = client.get(f"/api/v1/attempts/{HUGE}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"email": "a@b.kz", "password": ' + "9" * 5_000 + "}"],
    ids=["nested 100,000 deep", "an integer of 5,000 digits"],
)
def test_json_the_parser_cannot_read_is_400(client, db, body):
    for url in ("/api/v1/auth/token", "/api/v1/assignments/1/attempts"):
        token = accounts.issue_api_token(factories.user()).secret
        answer = client.post(
            url, data=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 400, (url, answer.status_code)
        assert answer.get_json()["error"]["code"] == "malformed_json"
