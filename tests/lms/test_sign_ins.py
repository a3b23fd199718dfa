"""Sessions that end: each sign-in is a record checked on every request, ended by signing out."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lms.db import utcnow
from lms.models import SignIn
from tests import factories
from tests.conftest import csrf_token

SESSION = "lms_session"
REMEMBER = "remember_token"


def sign_in(client, user, remember=False):
    data = {"email": user.email, "password": factories.PASSWORD, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def cookie(client, name):
    found = client.get_cookie(name)
    return None if found is None else found.value


def test_a_session_cookie_copied_before_signing_out_is_refused_after(app, client):
    user = factories.user()
    sign_in(client, user)
    stolen = cookie(client, SESSION)
    thief = app.test_client()
    thief.set_cookie(SESSION, stolen)
    assert signed_in(thief)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert not signed_in(client) and not signed_in(thief)


def test_a_remember_me_cookie_copied_before_signing_out_is_refused_after(app, client):
    user = factories.user()
    sign_in(client, user, remember=True)
    stolen = cookie(client, REMEMBER)
    assert stolen
    thief = app.test_client()
    thief.set_cookie(REMEMBER, stolen)
    assert signed_in(thief)  # the browser was closed: the remember-me cookie signs in again
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    other_thief = app.test_client()
    other_thief.set_cookie(REMEMBER, stolen)
    assert not signed_in(other_thief)


def test_remember_me_lasts_30_days_at_most(app, client, db):
    user = factories.user()
    sign_in(client, user, remember=True)
    remembered = client.get_cookie(REMEMBER)
    assert remembered is not None and remembered.expires is not None
    assert remembered.expires <= utcnow() + timedelta(days=30, minutes=1)
    record = db.session.scalars(sa.select(SignIn).where(SignIn.user_id == user.id)).one()
    assert abs(record.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not signed_in(client)


def test_signing_out_everywhere_ends_the_other_devices(app, client):
    user = factories.user()
    phone = app.test_client()
    sign_in(phone, user)
    sign_in(client, user)
    assert signed_in(phone)
    client.post("/logout/everywhere", data={"csrf_token": csrf_token(client, "/account")})
    assert not signed_in(client) and not signed_in(phone)


def test_a_password_change_signs_the_other_devices_out_and_keeps_this_one(app, client):
    user = factories.user()
    phone = app.test_client()
    sign_in(phone, user)
    sign_in(client, user)
    data = {
        "current_password": factories.PASSWORD,
        "new_password": "another good password",
        "confirm": "another good password",
        "csrf_token": csrf_token(client, "/password"),
    }
    assert client.post("/password", data=data).status_code == 302
    assert signed_in(client) and not signed_in(phone)


def test_the_account_page_lists_the_devices_and_signs_one_out(app, client, db):
    user = factories.user()
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = "Phone browser"
    sign_in(phone, user)
    client.environ_base["HTTP_USER_AGENT"] = "Desk browser"
    sign_in(client, user)
    client.set_cookie("lms_lang", "en")
    page = client.get("/account").get_data(as_text=True)
    assert "Phone browser" in page and "Desk browser" in page and "This device" in page
    phone_id = db.session.scalar(
        sa.select(SignIn.id).where(SignIn.user_id == user.id, SignIn.user_agent == "Phone browser")
    )
    client.post(f"/account/sign-ins/{phone_id}/end", data={"csrf_token": csrf_token(client, "/account")})
    assert not signed_in(phone) and signed_in(client)
    # Another account's sign-in cannot be ended from here.
    stranger = factories.user()
    sign_in(phone, stranger)
    stranger_id = db.session.scalar(sa.select(SignIn.id).where(SignIn.user_id == stranger.id))
    client.post(f"/account/sign-ins/{stranger_id}/end", data={"csrf_token": csrf_token(client, "/account")})
    assert signed_in(phone)


def test_signing_in_starts_a_new_session_with_a_new_csrf_token(client):
    user = factories.user()
    before = csrf_token(client)
    sign_in(client, user)
    after = csrf_token(client, "/account")
    assert before != after
    # The token handed out before signing in no longer works.
    refused = client.post("/logout", data={"csrf_token": before})
    assert refused.status_code == 400 and signed_in(client)


def test_failed_sign_ins_on_the_page_and_the_api_count_together(client):
    user = factories.user()
    for _ in range(5):
        data = {"email": user.email, "password": "wrong", "csrf_token": csrf_token(client)}
        assert client.post("/login", data=data).status_code == 200
    for _ in range(5):
        assert client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong"}).status_code == 401
    refused = client.post("/api/v1/auth/token", json={"email": user.email, "password": factories.PASSWORD})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
