"""Fixtures of the certificate tests."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from certificates import services
from certificates.models import Certificate
from tests import factories
from tests.certificates.test_issuance import complete


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: contexts and keys must come from the repository."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def certificate(db: Any) -> Certificate:
    """A completed course's certificate for a learner with a Kazakh name."""
    course = factories.course()
    student = factories.user(full_name="Әлихан Өмірзақұлы", language="kk")
    complete(course, student)
    found = services.find_certificate(student.id, course.id)
    assert found is not None
    return found
