import pytest
import sqlalchemy as sa

from courses.models import Attempt, Item
from courses.services import learning
from lms.db import db
from lms.models import Role
from lms.services import accounts
from tests import factories


@pytest.fixture
def student(db):
    return factories.user()


@pytest.fixture
def auth(student):
    return {"Authorization": "Bearer " + accounts.issue_api_token(student).secret, "Accept-Language": "en"}


def test_catalogue_lists_published_courses_in_the_callers_language(client, auth):
    course = factories.course()
    hidden = factories.course(state="draft")
    body = client.get("/api/v1/courses", headers=auth).get_json()
    slugs = [c["slug"] for c in body]
    assert course.slug in slugs and hidden.slug not in slugs
    mine = next(c for c in body if c["slug"] == course.slug)
    assert mine["title"] == course.title["en"] and mine["titles"]["kk"] == course.title["kk"]


def test_course_detail_enrol_and_progress(client, auth):
    course = factories.course()
    detail = client.get(f"/api/v1/courses/{course.slug}", headers=auth).get_json()
    assert detail["enrolled"] is False and len(detail["modules"]) == 2
    assert detail["modules"][1]["locked"] is True
    assert [len(m["lessons"]) for m in detail["modules"]] == [2, 2]
    response = client.post(f"/api/v1/courses/{course.slug}/enrollment", headers=auth)
    assert response.status_code == 201 and response.get_json()["course"] == course.slug
    assert client.get(f"/api/v1/courses/{course.slug}", headers=auth).get_json()["enrolled"] is True


def test_unknown_or_unpublished_course_is_404(client, auth):
    hidden = factories.course(state="draft")
    for slug in ("nope", hidden.slug):
        response = client.get(f"/api/v1/courses/{slug}", headers=auth)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
        assert client.post(f"/api/v1/courses/{slug}/enrollment", headers=auth).status_code == 404


def test_assignment_never_shows_answers(client, auth, student):
    course = factories.course()
    learning.enroll(student, course)
    assignment = course.modules[0].assignments[0]
    body = client.get(f"/api/v1/assignments/{assignment.id}", headers=auth).get_json()
    assert body["attempts_left"] == 3 and [i["type"] for i in body["items"]] == ["single_choice", "numeric"]
    assert body["items"][0]["choices"] == [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]
    text = str(body)
    assert "credit" not in text and "'value'" not in text and "answers" not in text


def test_submit_and_fetch_an_attempt(client, auth, student):
    course = factories.course()
    learning.enroll(student, course)
    assignment = course.modules[0].assignments[0]
    single, numeric = assignment.items
    response = client.post(
        f"/api/v1/assignments/{assignment.id}/attempts",
        headers=auth,
        json={"responses": {str(single.id): "b", str(numeric.id): "4"}},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["score"], body["max_score"]) == ("graded", 1, 2)
    assert {i["item_id"]: i["score"] for i in body["items"]} == {single.id: 0, numeric.id: 1}
    again = client.get(f"/api/v1/attempts/{body['id']}", headers=auth).get_json()
    assert again == body


def count_attempts():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attempt))


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"responses": {"999999": "a"}}, 422, "invalid_responses"),
        ({"responses": {"SINGLE": ["a"]}}, 422, "invalid_responses"),
        ({"responses": {"NUMERIC": "four"}}, 422, "invalid_responses"),
        ({"responses": {"SINGLE": "zz"}}, 422, "invalid_responses"),
        ({"responses": []}, 422, "validation_error"),
        ({"answers": {}}, 422, "validation_error"),
        ({}, 422, "validation_error"),
    ],
)
def test_malformed_attempts_are_4xx_and_store_nothing(client, auth, student, body, status, code):
    course = factories.course()
    learning.enroll(student, course)
    assignment = course.modules[0].assignments[0]
    single, numeric = assignment.items
    if isinstance(body.get("responses"), dict):
        body = {
            "responses": {
                k.replace("SINGLE", str(single.id)).replace("NUMERIC", str(numeric.id)): v
                for k, v in body["responses"].items()
            }
        }
    response = client.post(f"/api/v1/assignments/{assignment.id}/attempts", headers=auth, json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert count_attempts() == 0


def test_invalid_responses_name_each_item(client, auth, student):
    course = factories.course()
    learning.enroll(student, course)
    assignment = course.modules[0].assignments[0]
    single, _numeric = assignment.items
    body = client.post(
        f"/api/v1/assignments/{assignment.id}/attempts",
        headers=auth,
        json={"responses": {str(single.id): 5, "123456": "x"}},
    ).get_json()
    assert set(body["error"]["details"]) == {str(single.id), "123456"}


def test_not_enrolled_locked_and_exhausted(client, auth, student):
    course = factories.course()
    first, second = course.modules[0].assignments[0], course.modules[1].assignments[0]
    response = client.post(f"/api/v1/assignments/{first.id}/attempts", headers=auth, json={"responses": {}})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "not_enrolled"
    learning.enroll(student, course)
    response = client.post(f"/api/v1/assignments/{second.id}/attempts", headers=auth, json={"responses": {}})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "module_locked"
    for _ in range(3):
        assert (
            client.post(f"/api/v1/assignments/{first.id}/attempts", headers=auth, json={"responses": {}}).status_code
            == 201
        )
    response = client.post(f"/api/v1/assignments/{first.id}/attempts", headers=auth, json={"responses": {}})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "attempts_exhausted"
    assert count_attempts() == 3


def test_other_peoples_attempts_are_forbidden(client, auth, student):
    course = factories.course()
    other = factories.user()
    learning.enroll(other, course)
    from courses.services import attempts

    attempt = attempts.submit_attempt(other, course.modules[0].assignments[0], {})
    assert client.get(f"/api/v1/attempts/{attempt.id}", headers=auth).status_code == 403
    admin = {"Authorization": "Bearer " + accounts.issue_api_token(factories.user(Role.ADMIN)).secret}
    assert client.get(f"/api/v1/attempts/{attempt.id}", headers=admin).status_code == 200
    assert client.get("/api/v1/attempts/999999", headers=auth).status_code == 404


def _quiz_with_an_essay(student):
    """The first quiz of a new course the student is enrolled in, with an essay item added."""
    course = factories.course()
    learning.enroll(student, course)
    assignment = course.modules[0].assignments[0]
    essay = Item(assignment_id=assignment.id, position=3, type="essay", prompt="Why?", spec={"points": 2})
    db.session.add(essay)
    db.session.flush()
    return assignment, essay


def test_essay_attempt_is_pending(client, auth, student):
    assignment, essay = _quiz_with_an_essay(student)
    body = client.post(
        f"/api/v1/assignments/{assignment.id}/attempts", headers=auth, json={"responses": {str(essay.id): "Because."}}
    ).get_json()
    assert body["status"] == "pending"


def test_course_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/courses",
        "/api/v1/courses/{slug}",
        "/api/v1/courses/{slug}/enrollment",
        "/api/v1/assignments/{assignment_id}",
        "/api/v1/assignments/{assignment_id}/attempts",
        "/api/v1/attempts/{attempt_id}",
    ):
        assert path in paths, path


def test_every_item_type_is_served_without_answers(client, auth, student):
    from tests.courses.test_graders import ESSAY, MATCHING, MULTI, NUMERIC, ORDERING, SINGLE, TEXT

    course = factories.course()
    learning.enroll(student, course)
    assignment = course.modules[0].assignments[0]
    specs = [
        ("single_choice", SINGLE),
        ("multiple_choice", MULTI),
        ("numeric", NUMERIC),
        ("short_text", TEXT),
        ("matching", MATCHING),
        ("ordering", ORDERING),
        ("essay", ESSAY),
    ]
    for position, (kind, spec) in enumerate(specs, start=3):
        db.session.add(Item(assignment_id=assignment.id, position=position, type=kind, prompt=kind, spec=spec))
    db.session.flush()
    response = client.get(f"/api/v1/assignments/{assignment.id}", headers=auth)
    assert response.status_code == 200
    items = {i["prompt"]: i for i in response.get_json()["items"]}
    assert [o["id"] for o in items["ordering"]["order_items"]] == ["x", "z", "y"]  # alphabetical, not the answer
    assert {r["text"] for r in items["matching"]["rights"]} == {"meows", "barks", "chats"}
    assert items["multiple_choice"]["points"] == 1 and items["matching"]["points"] == 4
    text = str(response.get_json())
    for secret in ("credit", "tolerance", "Frog", "'right'", "feedback"):
        assert secret not in text


def test_attempt_answers_have_the_documented_shape(client, auth, student):
    """Graded and pending attempts alike load back through the documented schema, every field present."""
    from courses.api import AttemptSchema

    assignment, essay = _quiz_with_an_essay(student)
    url = f"/api/v1/assignments/{assignment.id}/attempts"
    graded = client.post(url, headers=auth, json={"responses": factories.right_answers(assignment)})
    pending = client.post(url, headers=auth, json={"responses": {str(essay.id): "Because."}})
    assert graded.status_code == pending.status_code == 201
    for response in (graded, pending):
        body = response.get_json()
        assert AttemptSchema().validate(body) == {}
        assert set(body) == set(AttemptSchema().fields)
        attempt = db.session.get(Attempt, body["id"])
        assert body["submitted_at"] == attempt.submitted_at.isoformat()
        assert client.get(f"/api/v1/attempts/{attempt.id}", headers=auth).get_json() == body
    assert {graded.get_json()["status"], pending.get_json()["status"]} == {"graded", "pending"}
