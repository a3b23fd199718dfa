"""The permission matrix: every role against every page and endpoint of the app core."""

from __future__ import annotations

import pytest

from lms import storage
from lms.models import Role
from lms.services import accounts, progress
from tests import factories

ROLES = ["anonymous", "student", "teacher", "other_teacher", "mentor", "official", "official_astana", "admin"]

OK, FORBIDDEN, NOT_FOUND, LOGIN, HOME = 200, 403, 404, "login", "home"


@pytest.fixture
def world(db):
    """One of each kind of user, a class in Astana owned by `teacher`, a task owned by `teacher`."""
    teacher, astana_class = factories.teacher_with_class(region_code="KZ-71")
    users = {
        "student": factories.user(Role.STUDENT),
        "teacher": teacher,
        "other_teacher": factories.teacher_with_class(region_code="KZ-75")[0],
        "mentor": factories.user(Role.MENTOR),
        "official": factories.user(Role.OFFICIAL),
        "official_astana": factories.user(Role.OFFICIAL, scope_region="KZ-71"),
        "admin": factories.user(Role.ADMIN),
    }
    task = progress.create_progress("invitations", teacher, total=1)
    # A finished ZIP of certificates, made by the administrator.
    zip_task = progress.create_progress("certificates_zip", users["admin"], total=0)
    key = f"exports/certificates/{zip_task.id}.zip"
    storage.write(key, b"PK\x05\x06" + b"\x00" * 18)
    progress.finish(zip_task.id, result={"key": key, "filename": "c.zip", "certificates": 0, "rows": 0})
    course = factories.course()
    course.author_id = teacher.id
    module = course.modules[0]
    return {
        "users": users,
        "class": astana_class.id,
        "school": astana_class.school_id,
        "astana": factories.region("KZ-71").id,
        "almaty": factories.region("KZ-75").id,
        "user": users["student"].id,
        "task": task.id,
        "zip_task": zip_task.id,
        "course": course.id,
        "module": module.id,
        "lesson": module.lessons[0].id,
        "assignment": module.assignments[0].id,
        "item": module.assignments[0].items[0].id,
    }


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


EVERYONE = expect(OK)
SIGNED_IN = expect(OK, anonymous=LOGIN)
ADMIN_ONLY = expect(FORBIDDEN, anonymous=LOGIN, admin=OK)
AUTHORS = expect(FORBIDDEN, anonymous=LOGIN, teacher=OK, other_teacher=OK, admin=OK)
# The course in `world` is authored by `teacher`: to anyone else its editor does not exist.
COURSE_AUTHOR = expect(NOT_FOUND, anonymous=LOGIN, teacher=OK, admin=OK)

PAGES = [
    ("/", EVERYONE),
    ("/login", expect(HOME, anonymous=OK)),
    ("/register", expect(HOME, anonymous=OK)),
    ("/password/reset", EVERYONE),
    ("/healthz", EVERYONE),
    ("/api/v1/openapi.json", EVERYONE),
    ("/account", SIGNED_IN),
    ("/password", SIGNED_IN),
    ("/classes/new", expect(FORBIDDEN, anonymous=LOGIN, teacher=OK, other_teacher=OK)),
    ("/classes/{class}", expect(FORBIDDEN, anonymous=LOGIN, teacher=OK, admin=OK)),
    ("/regions/{astana}", expect(FORBIDDEN, anonymous=LOGIN, official=OK, official_astana=OK, admin=OK)),
    ("/regions/{almaty}", expect(FORBIDDEN, anonymous=LOGIN, official=OK, admin=OK)),
    ("/tasks/{task}", expect(FORBIDDEN, anonymous=LOGIN, teacher=OK, admin=OK)),
    ("/tasks/{task}/status", expect(FORBIDDEN, anonymous=LOGIN, teacher=OK, admin=OK)),
    ("/admin/users", ADMIN_ONLY),
    ("/admin/users/new", ADMIN_ONLY),
    ("/admin/users/{user}", ADMIN_ONLY),
    ("/admin/schools", ADMIN_ONLY),
    ("/admin/schools/new", ADMIN_ONLY),
    ("/admin/schools/{school}", ADMIN_ONLY),
    ("/admin/certificates", ADMIN_ONLY),
    ("/admin/certificates?class={class}", ADMIN_ONLY),
    ("/admin/certificates.csv", ADMIN_ONLY),
    ("/admin/certificates.xlsx", ADMIN_ONLY),
    ("/admin/certificates/zip/{zip_task}", ADMIN_ONLY),
    ("/admin/certificates/zip/{zip_task}/download", ADMIN_ONLY),
    ("/authoring/courses", AUTHORS),
    ("/authoring/courses/new", AUTHORS),
    ("/authoring/courses/{course}", COURSE_AUTHOR),
    ("/authoring/courses/{course}/settings", COURSE_AUTHOR),
    ("/authoring/modules/{module}", COURSE_AUTHOR),
    ("/authoring/modules/{module}/delete", COURSE_AUTHOR),
    ("/authoring/modules/{module}/lessons/new", COURSE_AUTHOR),
    ("/authoring/modules/{module}/assignments/new", COURSE_AUTHOR),
    ("/authoring/lessons/{lesson}", COURSE_AUTHOR),
    ("/authoring/lessons/{lesson}/delete", COURSE_AUTHOR),
    ("/authoring/assignments/{assignment}", COURSE_AUTHOR),
]


def check_every_role(client, login, world, url, expected, request):
    for role in ROLES:
        with client.session_transaction() as session:
            session.clear()
        if role != "anonymous":
            login(world["users"][role])
        response = request(url)
        response.close()  # a download streams its file until closed
        want = expected[role]
        if want == LOGIN:
            assert response.status_code == 302, (role, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), (role, url)
        elif want == HOME:
            assert response.status_code == 302 and response.headers["Location"] == "/", (role, url)
        else:
            assert response.status_code == want, (role, url, response.status_code)


@pytest.mark.parametrize(("path", "expected"), PAGES, ids=[p for p, _ in PAGES])
def test_page_permissions(client, login, world, path, expected):
    check_every_role(client, login, world, path.format(**world), expected, client.get)


POSTS = [
    ("/classes/{class}/join-code", expect(FORBIDDEN, anonymous=LOGIN, teacher=302, admin=302)),
    ("/classes/{class}/members/{user}/remove", expect(FORBIDDEN, anonymous=LOGIN, teacher=302, admin=302)),
    ("/join", expect(FORBIDDEN, anonymous=LOGIN, student=302)),
    ("/admin/certificates/zip", expect(FORBIDDEN, anonymous=LOGIN, admin=302)),
    *(
        (f"/admin/schools/import/{kind}{step}", expect(FORBIDDEN, anonymous=LOGIN, admin=302))
        for kind in ("districts", "schools")
        for step in ("", "/preview", "/confirm")
    ),
    # Moves change only the order; deletions are checked in tests/courses/test_editor_views.py.
    ("/authoring/modules/{module}/move", expect(NOT_FOUND, anonymous=LOGIN, teacher=302, admin=302)),
    ("/authoring/lessons/{lesson}/move", expect(NOT_FOUND, anonymous=LOGIN, teacher=302, admin=302)),
    ("/authoring/assignments/{assignment}/move", expect(NOT_FOUND, anonymous=LOGIN, teacher=302, admin=302)),
    ("/authoring/items/{item}/move", expect(NOT_FOUND, anonymous=LOGIN, teacher=302, admin=302)),
]


@pytest.mark.parametrize(("path", "expected"), POSTS, ids=[p for p, _ in POSTS])
def test_action_permissions(client, login, world, path, expected):
    from tests.conftest import csrf_token

    def post(url):
        return client.post(url, data={"csrf_token": csrf_token(client, "/")})

    check_every_role(client, login, world, path.format(**world), expected, post)


API = [
    ("/api/v1/me", expect(OK, anonymous=401)),
    ("/api/v1/tasks/{task}", expect(FORBIDDEN, anonymous=401, teacher=OK, admin=OK)),
]


@pytest.mark.parametrize(("path", "expected"), API, ids=[p for p, _ in API])
def test_api_permissions(client, world, path, expected):
    url = path.format(**world)
    for role in ROLES:
        headers = {}
        if role != "anonymous":
            headers["Authorization"] = "Bearer " + accounts.issue_api_token(world["users"][role]).secret
        response = client.get(url, headers=headers)
        assert response.status_code == expected[role], (role, url, response.status_code)
        if response.status_code >= 400:
            assert set(response.get_json()["error"]) >= {"code", "message"}
