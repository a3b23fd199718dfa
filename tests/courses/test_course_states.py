"""A course's state decides who reaches it: every route of a draft or a class course, for every role.

The routes are read from the app's URL map, so a new route that takes a course, module, lesson,
assignment, item, attempt or certificate is covered (or fails here until this test can fill it in).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from certificates import serials, services
from certificates.models import Certificate
from courses.models import Attempt, Course, Enrolment
from courses.services import attempts, learning
from lms.db import db
from lms.models import Role, User
from lms.services import accounts, org
from tests import factories
from tests.conftest import csrf_token, make_test_app

#: Route arguments that name a course or something in it.
COURSE_ARGUMENTS = {"slug", "course_id", "module_id", "lesson_id", "assignment_id", "item_id", "attempt_id", "serial"}
#: Other arguments those routes take, filled in with the author's class and a file format.
OTHER_ARGUMENTS = {"class_id", "fmt"}
HIDDEN_STATES = ("draft", "class")


@functools.cache
def course_routes() -> tuple[tuple[str, str, str], ...]:
    """(endpoint, method, rule) of every route that takes something of a course."""
    app = make_test_app("sqlite://")
    found = []
    for rule in app.url_map.iter_rules():
        arguments = set(rule.arguments)
        if not arguments & COURSE_ARGUMENTS:
            continue
        unknown = arguments - COURSE_ARGUMENTS - OTHER_ARGUMENTS
        assert not unknown, f"{rule.rule} takes {unknown}: teach this test to fill them in"
        found += [
            (rule.endpoint, method, rule.rule) for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        ]
    return tuple(sorted(found))


LEARNER_BLUEPRINTS = ("courses.", "api_courses.")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``route``: every course route; ``page``: those that only read, but certificates (checked on their own);
    ``learner_page``: the learner's reading pages and API."""
    routes = course_routes()
    reads = [r for r in routes if r[1] == "GET" and "<serial>" not in r[2]]
    for name, chosen in (
        ("route", routes),
        ("page", reads),
        ("learner_page", [r for r in reads if r[0].startswith(LEARNER_BLUEPRINTS)]),
    ):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, chosen, ids=[f"{method} {rule}" for _endpoint, method, rule in chosen])


@dataclass
class World:
    author: User
    member: User  # a student of the author's class
    outsider: User  # a student of another teacher's class
    other_teacher: User
    official: User
    admin: User
    author_class: int


@pytest.fixture
def world(db: Any) -> World:
    author, author_class = factories.teacher_with_class()
    member = factories.user()
    org.add_member(author_class, member)
    other_teacher, other_class = factories.teacher_with_class()
    outsider = factories.user()
    org.add_member(other_class, outsider)
    return World(
        author=author,
        member=member,
        outsider=outsider,
        other_teacher=other_teacher,
        official=factories.user(Role.OFFICIAL),
        admin=factories.user(Role.ADMIN),
        author_class=author_class.id,
    )


def complete(course: Course, student: User) -> None:
    learning.enroll(student, course)
    for module in course.modules:
        quiz = module.assignments[0]
        attempts.submit_attempt(student, quiz, factories.right_answers(quiz))


def hidden_course(world: World, state: str) -> dict[str, Any]:
    """A course of ``world.author`` in ``state``, with everything its routes name.

    The class member completed it while it was in the catalogue (enrolment, attempts, a certificate);
    then it left the catalogue. So the routes have real rows to leak.
    """
    course = factories.course(author=world.author)
    complete(course, world.member)
    factories.set_state(course, state)
    certificate = services.find_certificate(world.member.id, course.id)
    assert certificate is not None
    module = course.modules[0]
    assignment = module.assignments[0]
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.assignment_id == assignment.id))
    assert attempt is not None
    return {
        "slug": course.slug,
        "course_id": course.id,
        "module_id": module.id,
        "lesson_id": module.lessons[0].id,
        "assignment_id": assignment.id,
        "item_id": assignment.items[0].id,
        "attempt_id": attempt.id,
        "serial": serials.display(certificate.serial),
        "class_id": world.author_class,
        "fmt": "csv",
    }


def fill(rule: str, values: dict[str, Any]) -> str:
    path = rule
    for name, value in values.items():
        for converter in ("", "int:", "string:"):
            path = path.replace(f"<{converter}{name}>", str(value))
    assert "<" not in path, path
    return path


def call(client: Any, login: Any, user: User, method: str, path: str) -> Any:
    """The request as ``user``: a bearer token for the API, a signed-in session (with CSRF) for pages."""
    if path.startswith("/api/"):
        headers = {"Authorization": "Bearer " + accounts.issue_api_token(user).secret}
        if method == "POST":
            return client.post(path, json={"responses": {}}, headers=headers)
        return client.open(path, method=method, headers=headers)
    with client.session_transaction() as session:
        session.clear()
    login(user)
    if method == "POST":
        return client.post(path, data={"csrf_token": csrf_token(client, "/")})
    return client.open(path, method=method)


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_every_route_of_a_hidden_course_is_404_to_those_who_may_not_see_it(client, login, world, state, route):
    _endpoint, method, rule = route
    path = fill(rule, hidden_course(world, state))
    strangers = {"other teacher": world.other_teacher, "outsider student": world.outsider, "official": world.official}
    if state == "draft":
        strangers["student of the author's class"] = world.member
    answers = {}
    for who, user in strangers.items():
        response = call(client, login, user, method, path)
        response.close()
        answers[who] = response.status_code
    assert answers == dict.fromkeys(strangers, 404), (method, path)


def test_a_verification_of_a_hidden_courses_certificate_is_404_without_signing_in(client, world):
    for state in HIDDEN_STATES:
        serial = hidden_course(world, state)["serial"]
        assert client.get(f"/verify/{serial}").status_code == 404
        assert client.get(f"/api/v1/certificates/{serial}").status_code == 404


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_authors_and_administrators_reach_every_page_of_a_hidden_course(client, login, world, state, page):
    _endpoint, method, rule = page
    path = fill(rule, hidden_course(world, state))
    for user in (world.author, world.admin):
        response = call(client, login, user, method, path)
        response.close()
        assert response.status_code != 404, (user.role, path)


def test_students_of_the_authors_class_reach_the_class_courses_learner_pages(client, login, world, learner_page):
    _endpoint, method, rule = learner_page
    path = fill(rule, hidden_course(world, "class"))
    response = call(client, login, world.member, method, path)
    response.close()
    assert response.status_code in (200, 302), (path, response.status_code)


def titles_in(client: Any, login: Any, user: User) -> tuple[str, list[str]]:
    login(user)
    page = client.get("/courses").get_data(as_text=True) + client.get("/").get_data(as_text=True)
    token = accounts.issue_api_token(user).secret
    slugs = [c["slug"] for c in client.get("/api/v1/courses", headers={"Authorization": f"Bearer {token}"}).get_json()]
    return page, slugs


def test_listings_show_a_course_to_those_who_may_see_it(client, login, world):
    draft = factories.course(state="draft", author=world.author)
    class_course = factories.course(state="class", author=world.author)
    catalogue = factories.course(state="catalogue", author=world.other_teacher)
    learning.enroll(world.member, class_course)
    # An enrolment from before the course became a draft: the learner's home page must not list it.
    db.session.add(Enrolment(user_id=world.outsider.id, course_id=draft.id))
    db.session.flush()
    seen = {
        "author": (world.author, {draft, class_course, catalogue}),
        "admin": (world.admin, {draft, class_course, catalogue}),
        "member": (world.member, {class_course, catalogue}),
        "outsider": (world.outsider, {catalogue}),
        "other teacher": (world.other_teacher, {catalogue}),
        "official": (world.official, {catalogue}),
    }
    for who, (user, visible) in seen.items():
        with client.session_transaction() as session:
            session.clear()
        page, slugs = titles_in(client, login, user)
        for course in (draft, class_course, catalogue):
            assert (f"/courses/{course.slug}" in page) == (course in visible), (who, course.slug)
            assert (course.slug in slugs) == (course in visible), (who, course.slug)


def test_certificates_of_a_hidden_course_are_not_listed_for_their_holder(client, login, world):
    serial = hidden_course(world, "class")["serial"]
    login(world.member)
    assert serial not in client.get("/certificates").get_data(as_text=True)
    assert client.get(f"/certificates/{serial}/pdf").status_code == 404


def test_administrators_keep_the_register_and_the_pdf_of_a_hidden_courses_certificate(client, login, world):
    serial = hidden_course(world, "draft")["serial"]
    login(world.admin)
    certificate = services.certificate_by_serial(serial)
    assert isinstance(certificate, Certificate)
    assert serial.replace("-", "") in client.get("/admin/certificates").get_data(as_text=True).replace("-", "")
    assert client.get(f"/verify/{serial}").status_code == 404
