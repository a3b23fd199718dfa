"""Security headers, sessions, the anonymous page cache and signing."""

import hashlib

from flask import flash, session
from flask_babel import lazy_gettext
from itsdangerous import Signer

from lms.queue import init_queue
from lms.security import HEADERS, SignedCookieSessions
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


def test_cached_login_page_gives_each_visitor_their_own_working_token(app, client):
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


def test_cached_page_is_per_language(client):
    client.set_cookie("lms_lang", "ru")
    assert '<html lang="ru">' in client.get("/login").get_data(as_text=True)
    client.set_cookie("lms_lang", "en")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_pages_with_messages_or_users_are_not_served_from_the_cache(client, login):
    client.set_cookie("lms_lang", "en")
    client.get("/login")  # fills the cache
    response = client.get("/account")  # redirect with a flashed message
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sign in to see this page" in html
    user = login(factories.user())
    assert user.full_name in client.get("/").get_data(as_text=True)


def test_session_keeps_lazy_messages_as_text(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        flash(lazy_gettext("Saved."), "success")
        interface = SignedCookieSessions()
        serialized = interface.get_signing_serializer(app).dumps(dict(session))
        restored = interface.get_signing_serializer(app).loads(serialized)
    assert restored["_flashes"] == [["success", "Saved."]]


def test_a_verified_session_cookie_is_read_again_without_its_signature_check_until_it_expires(app, monkeypatch):
    from flask import Request

    from lms import security

    interface = SignedCookieSessions()
    cookie = interface.get_signing_serializer(app).dumps({"_user_id": "7", "csrf_token": "c" * 40})
    name = interface.get_cookie_name(app)
    checks = []
    serializer = interface.get_signing_serializer(app)
    real_loads = serializer.loads
    monkeypatch.setattr(serializer, "loads", lambda *a, **k: checks.append(1) or real_loads(*a, **k))

    def opened(value: str) -> dict:
        return dict(interface.open_session(app, Request.from_values(headers={"Cookie": f"{name}={value}"})))

    first = opened(cookie)
    assert first == {"_user_id": "7", "csrf_token": "c" * 40} and len(checks) == 1
    again = interface.open_session(app, Request.from_values(headers={"Cookie": f"{name}={cookie}"}))
    assert dict(again) == first and len(checks) == 1  # verified once
    again["_user_id"] = "8"  # each request's session is its own
    assert opened(cookie)["_user_id"] == "7"
    # A tampered cookie is checked, refused (an empty session) and not kept.
    tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    assert opened(tampered) == {} and tampered not in interface._verified
    # Past the session's lifetime the kept cookie is refused, as itsdangerous would refuse it.
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = security.time.time() + lifetime + 5
    monkeypatch.setattr(security.time, "time", lambda: later)
    assert opened(cookie) == {}
    # Another secret key: the kept cookie is verified again, by the new key, and refused.
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key-" + "x" * 30)
    monkeypatch.setattr(app, "secret_key", "another-secret-key-" + "x" * 30)
    monkeypatch.setattr(security.time, "time", lambda: later - lifetime)
    assert opened(cookie) == {}


def test_a_session_read_and_left_as_it_was_varies_on_the_cookie_and_sets_none(app):
    from flask import Response
    from flask.sessions import SecureCookieSession

    interface = SignedCookieSessions()
    for existing, expected in (
        ([], ["Cookie"]),
        (["Accept-Encoding"], ["Accept-Encoding, Cookie"]),
        (["Cookie"], ["Cookie"]),
    ):
        session = SecureCookieSession({"_user_id": "7"})
        session.accessed = True  # as a request that read it (Flask marks it through its proxy)
        response = Response("page", headers=[("Vary", value) for value in existing])
        interface.save_session(app, session, response)
        assert response.headers.getlist("Vary") == expected and "Set-Cookie" not in response.headers
    changed = SecureCookieSession({"_user_id": "7"})
    changed["csrf_token"] = "c" * 40
    response = Response("page")
    interface.save_session(app, changed, response)  # a changed session is saved as Flask saves it
    assert response.headers.getlist("Vary") == ["Cookie"] and "Set-Cookie" in response.headers


def test_openssl_hmac_signs_exactly_like_the_default():
    message, key = b"payload", b"secret"
    ours = Signer(key, salt="s").get_signature(message)
    reference = Signer(key, salt="s", digest_method=lambda data=b"": hashlib.sha1(data)).get_signature(message)  # noqa: S324
    assert ours == reference


def test_our_csrf_tokens_are_flask_wtfs(app):
    """The cached pages' tokens come from lms.security.csrf_token; Flask-WTF must accept them."""
    from flask_wtf.csrf import generate_csrf, validate_csrf

    from lms.security import csrf_token

    with app.test_request_context("/"):
        ours = csrf_token()
        validate_csrf(ours)
        assert generate_csrf() == ours  # one token per request, whoever asks first
    with app.test_request_context("/"):
        theirs = generate_csrf()
        assert csrf_token() == theirs


def test_a_sessions_signed_csrf_token_is_reused_for_a_minute_then_signed_anew(app, monkeypatch):
    """Signing is a twentieth of a signed-in page: a session's token is handed out again for a while."""
    from flask import session
    from flask_wtf.csrf import validate_csrf

    from lms import security

    clock = [1000.0]
    monkeypatch.setattr(security.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(security, "_signed_csrf_tokens", {})
    with app.test_request_context("/"):
        first = security.csrf_token()
        raw = session["csrf_token"]
    with app.test_request_context("/"):
        session["csrf_token"] = raw  # the same browser session, a later page
        clock[0] += security.CSRF_TOKEN_REUSE_SECONDS - 1
        assert security.csrf_token() == first
        assert security._signed_csrf_tokens[(app.secret_key, raw)][1] == 1000.0  # not signed again
        validate_csrf(first)
    with app.test_request_context("/"):
        session["csrf_token"] = raw
        clock[0] += 2  # past the reuse window: signed again (a newer timestamp)
        again = security.csrf_token()
        validate_csrf(again)
    with app.test_request_context("/"):
        other = security.csrf_token()  # another session: its own raw token, its own signed one
        assert session["csrf_token"] != raw
    # Signed anew at the later time (the text may match: itsdangerous's timestamps are whole seconds).
    assert (
        security._signed_csrf_tokens[(app.secret_key, raw)][1]
        == clock[0]
        == 1000.0 + security.CSRF_TOKEN_REUSE_SECONDS + 1
    )
    assert other not in (first, again)


def test_a_short_csrf_time_limit_shortens_the_reuse_of_a_signed_token(app, monkeypatch):
    from flask import session

    from lms import security

    clock = [5000.0]
    monkeypatch.setattr(security.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(security, "_signed_csrf_tokens", {})
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 120)  # two minutes: reused for two seconds at most
    with app.test_request_context("/"):
        security.csrf_token()
        raw = session["csrf_token"]
    with app.test_request_context("/"):
        session["csrf_token"] = raw
        clock[0] += 3
        security.csrf_token()
    assert security._signed_csrf_tokens[(app.secret_key, raw)][1] == 5003.0  # signed again


def test_session_cookies_are_not_compressed_but_compressed_ones_still_read(app):
    from itsdangerous import URLSafeTimedSerializer

    interface = SignedCookieSessions()
    serializer = interface.get_signing_serializer(app)
    value = serializer.dumps({"csrf_token": "a" * 40, "_flashes": [["info", "x" * 200]]})
    assert not value.startswith(".")
    legacy = URLSafeTimedSerializer(
        app.secret_key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    compressed = legacy.dumps({"note": "y" * 500})
    assert compressed.startswith(".")
    assert serializer.loads(compressed) == {"note": "y" * 500}


def test_pages_sign_csrf_tokens_with_the_cheaper_serializer(app, monkeypatch):
    import flask_wtf.csrf

    def refuse(*args, **kwargs):
        raise AssertionError("a page used Flask-WTF's generate_csrf")

    monkeypatch.setattr(flask_wtf.csrf, "generate_csrf", refuse)
    with app.test_request_context("/"):
        html = app.jinja_env.from_string("{{ csrf_token() }}").render()
        from flask import render_template_string

        assert render_template_string("{{ csrf_token() }}") == html != ""


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
