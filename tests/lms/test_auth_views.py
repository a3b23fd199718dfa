import re

from flask import Flask

from lms import mail
from lms.models import Role
from lms.services import accounts
from tests import factories
from tests.conftest import csrf_token, post_form


def sign_in(client, email, password, **extra):
    return post_form(client, "/login", {"email": email, "password": password, **extra})


def test_login_page_in_every_language(client):
    expected = {"en": "Sign in", "ru": "Вход", "kk": "Кіру"}
    for language, word in expected.items():
        client.set_cookie("lms_lang", language)
        html = client.get("/login").get_data(as_text=True)
        assert f'<html lang="{language}">' in html
        assert word in html


def test_default_language_is_kazakh(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="kk">' in html


def test_accept_language_is_honoured_when_no_choice_was_made(client):
    html = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru">' in html


def test_sign_in_and_out(client):
    user = factories.user(language="ru")
    response = sign_in(client, user.email, factories.PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "lms_lang=ru" in response.headers.get("Set-Cookie", "")
    home = client.get("/")
    assert user.full_name in home.get_data(as_text=True)
    response = post_form(client, "/logout", {}, page="/")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_sign_in_goes_back_to_a_local_page_only(client):
    user = factories.user()
    response = sign_in(client, user.email, factories.PASSWORD, next="/account")
    assert response.headers["Location"] == "/account"
    post_form(client, "/logout", {}, page="/")
    response = sign_in(client, user.email, factories.PASSWORD, next="https://evil.example/")
    assert response.headers["Location"] == "/"
    post_form(client, "/logout", {}, page="/")
    response = sign_in(client, user.email, factories.PASSWORD, next="//evil.example/")
    assert response.headers["Location"] == "/"


def test_wrong_password_shows_an_error_and_does_not_sign_in(client):
    user = factories.user()
    client.set_cookie("lms_lang", "en")
    response = sign_in(client, user.email, "wrong password")
    assert response.status_code == 200
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_eleventh_wrong_password_in_a_minute_is_refused(client):
    user = factories.user()
    token = csrf_token(client)
    statuses = [
        client.post("/login", data={"email": user.email, "password": "nope nope", "csrf_token": token}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert (
        "Retry-After" in client.post("/login", data={"email": user.email, "password": "x", "csrf_token": token}).headers
    )


def test_successful_sign_ins_do_not_use_up_the_limit(client):
    """A classroom signs in from one school address: only failures count."""
    students = [factories.user() for _ in range(12)]
    for student in students:
        token = csrf_token(client)  # each sign-in starts a new session, with a new token
        response = client.post(
            "/login", data={"email": student.email, "password": factories.PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})


def test_form_without_csrf_token_is_rejected(client):
    user = factories.user()
    client.set_cookie("lms_lang", "en")
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_register_creates_a_student_and_signs_in(client):
    response = post_form(
        client,
        "/register",
        {
            "full_name": "Әлия Сейітова",
            "email": "aliya@example.org",
            "language": "kk",
            "new_password": "a good password",
            "confirm": "a good password",
        },
    )
    assert response.status_code == 302
    user = accounts.get_user_by_email("aliya@example.org")
    assert user.role == Role.STUDENT and user.preferred_language == "kk"
    assert "Әлия Сейітова" in client.get("/").get_data(as_text=True)


def test_register_errors_are_shown_next_to_fields(client):
    factories.user(email="taken@example.org")
    client.set_cookie("lms_lang", "en")
    response = post_form(
        client,
        "/register",
        {"full_name": "X", "email": "taken@example.org", "language": "en", "new_password": "short", "confirm": "other"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html
    assert "between 8 and 128 characters" in html
    assert "do not match" in html


def test_register_refuses_existing_email(client):
    factories.user(email="taken@example.org")
    client.set_cookie("lms_lang", "en")
    response = post_form(
        client,
        "/register",
        {
            "full_name": "X",
            "email": "Taken@example.org",
            "language": "en",
            "new_password": "long enough 1",
            "confirm": "long enough 1",
        },
    )
    assert "already exists" in response.get_data(as_text=True)


def test_change_password_signs_out_other_sessions(app: Flask, client):
    user = factories.user()
    sign_in(client, user.email, factories.PASSWORD)
    other_device = app.test_client()
    sign_in(other_device, user.email, factories.PASSWORD)
    assert other_device.get("/account").status_code == 200
    response = post_form(
        client,
        "/password",
        {"current_password": factories.PASSWORD, "new_password": "new password 1", "confirm": "new password 1"},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302


def test_password_reset_by_mail_link(app: Flask, client):
    user = factories.user()
    sent = []
    with mail.mail_sent.connected_to(lambda sender, message: sent.append(message)):
        response = post_form(client, "/password/reset", {"email": user.email})
    assert response.status_code == 302
    assert len(sent) == 1 and sent[0]["To"] == user.email
    link = re.search(r"http\S+/password/reset/(\S+)", sent[0].get_content()).group(0)
    path = link.split("127.0.0.1:5000", 1)[1]
    response = post_form(client, path, {"new_password": "reset password 1", "confirm": "reset password 1"})
    assert response.status_code == 302
    assert sign_in(client, user.email, "reset password 1").status_code == 302
    # the link works once
    assert client.get(path).status_code == 302


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(app: Flask, client):
    sent = []
    with mail.mail_sent.connected_to(lambda sender, message: sent.append(message)):
        response = post_form(client, "/password/reset", {"email": "nobody@example.org"})
    assert response.status_code == 302 and sent == []


def test_reset_mail_is_in_the_users_language(app: Flask, client):
    user = factories.user(language="ru")
    sent = []
    with mail.mail_sent.connected_to(lambda sender, message: sent.append(message)):
        post_form(client, "/password/reset", {"email": user.email})
    assert "Здравствуйте" in sent[0].get_content()


def test_language_switch_is_remembered_for_visitors_and_users(client):
    response = post_form(client, "/language", {"language": "ru", "next": "/login"}, page="/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="ru">' in client.get("/login").get_data(as_text=True)
    user = factories.user(language="en")
    sign_in(client, user.email, factories.PASSWORD)
    post_form(client, "/language", {"language": "kk", "next": "/"}, page="/")
    assert user.preferred_language == "kk"
    assert '<html lang="kk">' in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages(client):
    response = post_form(client, "/language", {"language": "de", "next": "/"}, page="/")
    assert response.status_code == 302
    assert "lms_lang" not in response.headers.get("Set-Cookie", "")


def test_account_page_updates_profile_and_revokes_tokens(client, login):
    user = login(factories.user())
    issued = accounts.issue_api_token(user)
    html = client.get("/account").get_data(as_text=True)
    assert "Revoke" in html or "API" in html
    post_form(client, "/account", {"full_name": "New Name", "language": "ru"}, page="/account")
    assert user.full_name == "New Name" and user.preferred_language == "ru"
    post_form(client, f"/account/tokens/{issued.token.id}/revoke", {}, page="/account")
    assert accounts.token_for_secret(issued.secret) is None


def test_cannot_revoke_someone_elses_token(client, login):
    other = factories.user()
    issued = accounts.issue_api_token(other)
    login(factories.user())
    post_form(client, f"/account/tokens/{issued.token.id}/revoke", {}, page="/account")
    assert accounts.token_for_secret(issued.secret) is not None


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_script_and_no_external_assets(client, login):
    for page in ("/", "/login", "/register"):
        html = client.get(page).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r'(src|href)="(https?:)?//', html)
    login(factories.user(Role.ADMIN))
    html = client.get("/admin/users").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_password_reset_requests_are_limited_per_account(client):
    user = factories.user()
    token = csrf_token(client, "/password/reset")
    statuses = [
        client.post("/password/reset", data={"email": user.email, "csrf_token": token}).status_code for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_form_fields_carry_no_empty_aria_attributes(client):
    page = client.get("/register").get_data(as_text=True)
    assert '="None"' not in page and 'aria-invalid="False"' not in page


def test_a_session_taken_to_another_browser_is_no_longer_fresh(app, client):
    """Flask-Login's basic session protection: the session is bound to the browser and address."""
    from flask_login import current_user, login_fresh

    user = factories.user()
    headers = {"User-Agent": "Browser A"}
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token}, headers=headers
    )
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value

    def fresh_in(browser: str) -> bool:
        with (
            app.app_context(),
            app.test_request_context(  # a new context each time, as each request has
                "/",
                headers={"User-Agent": browser, "Cookie": f"lms_session={cookie}"},
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
            ),
        ):
            assert current_user.is_authenticated and current_user.id == user.id
            return login_fresh()

    assert fresh_in("Browser A") is True
    assert fresh_in("Browser B") is False
