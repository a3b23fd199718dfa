"""NUL and other control characters are refused in single-line fields; multi-line ones keep tab and newline."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from lms.characters import has_control_characters
from lms.models import User
from lms.services import imports
from tests import factories
from tests.conftest import post_form


@pytest.mark.parametrize(
    ("text", "single", "multi"),
    [
        ("Әлихан Өмірзақұлы", False, False),
        ("Ali\x00ce", True, True),
        ("escape \x1b[31m", True, True),
        ("del \x7f", True, True),
        ("next line \x85", True, True),  # a C1 control
        ("tab\there", True, False),
        ("two\nlines\r\n", True, False),
    ],
)
def test_control_characters(text, single, multi):
    assert has_control_characters(text) is single
    assert has_control_characters(text, multi_line=True) is multi


def test_a_name_with_a_nul_is_refused_with_a_message_and_nothing_created(client, db):
    client.set_cookie("lms_lang", "en")
    response = post_form(
        client,
        "/register",
        {
            "full_name": "Ali\x00ce",
            "email": "alice@example.org",
            "language": "en",
            "new_password": "a good password",
            "confirm": "a good password",
        },
    )
    assert response.status_code == 200
    assert "Remove the control characters" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "alice@example.org")) is None


def test_a_roster_line_with_a_control_character_is_refused(db):
    _teacher, school_class = factories.teacher_with_class()
    data = b"email,full_name\nok@example.org,Ok Name\nbad@example.org,Bad\x1bName\n"
    with pytest.raises(imports.ImportRejected) as refused:
        imports.import_roster(school_class, data)
    with force_locale("en"):
        reasons = [(error.line, str(error.reason)) for error in refused.value.errors]
    assert reasons == [(3, "the full name holds control characters (such as NUL)")]
