import pytest

from lms.models import Role
from lms.services import accounts
from tests import factories


def get_token(client, user, password=factories.PASSWORD):
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def test_token_then_me(client):
    school = factories.school(code="API-1")
    user = factories.user(Role.TEACHER, school_id=school.id)
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": factories.PASSWORD})
    body = response.get_json()
    assert response.status_code == 201 and set(body) == {"token", "expires_at"}
    assert body["expires_at"].endswith("+00:00")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}).get_json()
    assert me == {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "role": "teacher",
        "preferred_language": "en",
        "scope": None,
        "school": {"id": school.id, "code": "API-1", "name": school.name},
    }


def test_official_scope_in_me(client):
    regional = factories.user(Role.OFFICIAL, scope_region="KZ-75")
    national = factories.user(Role.OFFICIAL)
    for user, scope in ((regional, "KZ-75"), (national, "national")):
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {get_token(client, user)}"}).get_json()
        assert me["scope"] == scope


def test_wrong_password_is_401_json(client):
    user = factories.user()
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong wrong"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_token_endpoint_is_rate_limited(client):
    user = factories.user()
    statuses = [
        client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong wrong"}).status_code
        for _ in range(11)
    ]
    assert statuses == [401] * 10 + [429]
    assert (
        client.post("/api/v1/auth/token", json={"email": user.email, "password": "x"}).get_json()["error"]["code"]
        == "rate_limited"
    )


def test_revoke_token(client):
    user = factories.user()
    token = get_token(client, user)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"email": "a@example.org", "password": ', "application/json", 400, "malformed_json"),
        (b"\xff\xfe", "application/json", 400, "malformed_json"),
        (b'{"email": 12, "password": ["x"]}', "application/json", 422, "validation_error"),
        (b'{"email": "a@example.org"}', "application/json", 422, "validation_error"),
        (b"{}", "application/json", 422, "validation_error"),
        (b"[1, 2]", "application/json", 422, "validation_error"),
        (b'{"email": "a@example.org", "password": "x", "admin": true}', "application/json", 422, "validation_error"),
        (b"email=a@example.org&password=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"", "application/json", 422, "validation_error"),
    ],
)
def test_bad_bodies_get_a_4xx_json_error_and_change_nothing(client, body, content_type, status, code):
    user = factories.user()
    before = accounts.live_api_tokens(user)
    response = client.post("/api/v1/auth/token", data=body, content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert accounts.live_api_tokens(user) == before


def test_validation_errors_name_the_fields(client):
    response = client.post("/api/v1/auth/token", json={"email": 12})
    details = response.get_json()["error"]["details"]
    assert set(details) == {"email", "password"}


def test_too_large_body(app, client):
    response = client.post(
        "/api/v1/auth/token",
        data=b"{" + b" " * app.config["MAX_CONTENT_LENGTH"] + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic abc", "Bearer nonsense", "bearer " + "x" * 500])
def test_bad_authorization_is_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_unknown_endpoint_and_method_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.put("/api/v1/me")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_api_is_exempt_from_csrf_but_pages_are_not(client):
    user = factories.user()
    assert (
        client.post("/api/v1/auth/token", json={"email": user.email, "password": factories.PASSWORD}).status_code == 201
    )
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 400


def test_error_messages_follow_accept_language(client):
    response = client.get("/api/v1/me", headers={"Accept-Language": "ru"})
    assert "токен" in response.get_json()["error"]["message"].lower()


def test_openapi_document_is_generated_from_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    token_post = spec["paths"]["/api/v1/auth/token"]["post"]
    body_schema = token_post["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema["$ref"].endswith("/TokenRequest")
    assert set(spec["components"]["schemas"]["TokenRequest"]["required"]) == {"email", "password"}
    assert "201" in token_post["responses"]
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Me")


def test_token_use_is_recorded(client):
    user = factories.user()
    token = get_token(client, user)
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    (live,) = accounts.live_api_tokens(user)
    assert live.last_used_at is not None


def test_task_progress_over_api(client):
    from lms.services import progress

    user = factories.user(Role.TEACHER)
    record = progress.create_progress("invitations", user, total=4)
    progress.advance(record.id, 2)
    body = client.get(f"/api/v1/tasks/{record.id}", headers={"Authorization": f"Bearer {get_token(client, user)}"})
    assert body.get_json() | {"id": None} == {
        "id": None,
        "kind": "invitations",
        "status": "running",
        "done": 2,
        "total": 4,
        "percent": 50,
        "message": "",
        "result": None,
    }
    missing = client.get("/api/v1/tasks/nope", headers={"Authorization": f"Bearer {get_token(client, user)}"})
    assert missing.status_code == 404
