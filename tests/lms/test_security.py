"""Security headers, HTTPS, CSRF tokens per visitor."""

from lms.queue import init_queue
from lms.security import HEADERS
from tests import factories
from tests.conftest import CSRF_INPUT, make_test_app


def token_of(response):
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    return match.group(1) or match.group(2)


def test_every_response_has_the_security_headers(client):
    for response in (client.get("/login"), client.get("/api/v1/me"), client.get("/healthz"), client.get("/nope")):
        for name, value in HEADERS:
            assert response.headers[name] == value
        assert "Accept-Language" in response.headers.get_all("Vary")
        assert "Strict-Transport-Security" not in response.headers


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://lms.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_force_https_redirects_pages_but_not_health(app, tmp_path):
    secure_app = make_test_app(f"sqlite:///{tmp_path}/x.sqlite", FORCE_HTTPS=True)
    try:
        client = secure_app.test_client()
        response = client.get("/login")
        assert response.status_code == 301 and response.headers["Location"] == "https://localhost/login"
        assert client.get("/healthz").status_code == 200
    finally:
        init_queue(app)


def test_each_visitor_gets_their_own_working_csrf_token(app, client):
    first = token_of(client.get("/login"))
    second_visitor = app.test_client()
    second = token_of(second_visitor.get("/login"))
    assert first != second
    user = factories.user()
    # each token works in its own session only
    wrong = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": second})
    assert wrong.status_code == 400
    right = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": first})
    assert right.status_code == 302


def test_the_sign_in_page_follows_the_language(client):
    client.set_cookie("lms_lang", "ru")
    assert '<html lang="ru">' in client.get("/login").get_data(as_text=True)
    client.set_cookie("lms_lang", "en")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_anonymous_pages_show_messages_and_signed_in_pages_the_user(client, login):
    client.set_cookie("lms_lang", "en")
    client.get("/login")
    response = client.get("/account")  # redirect with a flashed message
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sign in to see this page" in html
    user = login(factories.user())
    assert user.full_name in client.get("/").get_data(as_text=True)


def test_production_warns_when_rate_limits_are_kept_per_process(app, caplog, tmp_path):
    """memory:// limits count per worker: a production start says so, and is quiet with Redis."""
    import logging

    from lms import create_app
    from lms.queue import init_queue

    settings = {
        "ENV": "production",
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite'}",
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite'}",
        "SIGNING_KEY_FILE": str(tmp_path / "credentials.pem"),
        "STORAGE_DIR": str(tmp_path / "storage"),
    }
    try:
        with caplog.at_level(logging.WARNING, logger="lms"):
            create_app(settings)
            assert "LMS_RATELIMIT_STORAGE_URI" in caplog.text
            caplog.clear()
            create_app({**settings, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/9"})
            assert "LMS_RATELIMIT_STORAGE_URI" not in caplog.text
    finally:
        init_queue(app)  # a second app rebinds the shared task queue
