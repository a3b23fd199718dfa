from datetime import timedelta

import pytest

from lms.db import utcnow
from lms.models import Role
from lms.services import accounts
from tests import factories


def test_register_student_normalises_email_and_hashes_with_argon2(db):
    user = accounts.register_student("  Aigerim@Example.ORG ", "Айгерім Нұрланқызы", "long enough pw", "kk")
    assert user.email == "aigerim@example.org"
    assert user.role == Role.STUDENT
    assert user.password_hash.startswith("$argon2id$")
    assert "long enough pw" not in user.password_hash


def test_email_is_unique_whatever_the_case(db):
    factories.user(email="same@example.org")
    with pytest.raises(accounts.EmailTaken):
        accounts.register_student("SAME@example.org", "Other", "long enough pw", "en")


@pytest.mark.parametrize("email", ["", "not-an-email", "a@", "@b.kz", "x" * 300 + "@example.org"])
def test_invalid_emails_are_refused(db, email):
    with pytest.raises(accounts.InvalidEmail):
        accounts.register_student(email, "Name", "long enough pw", "en")


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "too_short"), ("x" * 129, "too_long"), ("me@example.org", "same_as_email")],
)
def test_password_rules(db, password, reason):
    with pytest.raises(accounts.InvalidPassword, match=reason):
        accounts.register_student("me@example.org", "Me", password, "en")


def test_authenticate_accepts_right_password_and_records_login(db):
    user = factories.user()
    assert user.last_login_at is None
    assert accounts.authenticate(user.email.upper(), factories.PASSWORD) is user
    assert user.last_login_at is not None


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "disabled", "no password yet"])
def test_authenticate_refuses(db, case):
    user = factories.user(password=None if case == "no password yet" else factories.PASSWORD)
    email, password = user.email, factories.PASSWORD
    if case == "wrong password":
        password = "wrong wrong wrong"
    elif case == "unknown email":
        email = "nobody@example.org"
    elif case == "disabled":
        user.active = False
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate(email, password)


def test_authenticate_rehashes_outdated_hashes(app, db):
    user = factories.user()
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    app.extensions.pop("lms.password_hasher")
    try:
        accounts.authenticate(user.email, factories.PASSWORD)
        assert user.password_hash != old_hash
        assert "t=2" in user.password_hash
    finally:
        app.config["ARGON2_TIME_COST"] = 1
        app.extensions.pop("lms.password_hasher")


def test_change_password_checks_current_and_ends_other_sessions(db):
    user = factories.user()
    issued = accounts.issue_api_token(user)
    version = user.auth_version
    with pytest.raises(accounts.InvalidCredentials):
        accounts.change_password(user, "not the password", "a new password")
    accounts.change_password(user, factories.PASSWORD, "a new password")
    assert user.auth_version == version + 1
    assert accounts.token_for_secret(issued.secret) is None
    assert accounts.authenticate(user.email, "a new password") is user


def test_reset_token_sets_password_once(db):
    user = factories.user()
    token = accounts.make_password_token(user)
    assert accounts.user_for_password_token(token) is user
    accounts.reset_password(token, "brand new password")
    assert accounts.authenticate(user.email, "brand new password") is user
    with pytest.raises(accounts.InvalidToken):
        accounts.reset_password(token, "another new password")


def test_reset_token_expires(app, db, monkeypatch):
    user = factories.user()
    token = accounts.make_password_token(user)
    later = utcnow() + app.config["PASSWORD_RESET_TTL"] + timedelta(minutes=1)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    with pytest.raises(accounts.InvalidToken):
        accounts.user_for_password_token(token)


def test_invitation_lives_longer_than_a_reset_link(app, db, monkeypatch):
    invited = factories.user(password=None)
    token = accounts.make_password_token(invited)
    three_days = utcnow() + timedelta(days=3)
    monkeypatch.setattr(accounts, "utcnow", lambda: three_days)
    assert accounts.user_for_password_token(token) is invited


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "eyJ1aWQiOiAxfQ.bad.sig"])
def test_malformed_reset_tokens(db, token):
    with pytest.raises(accounts.InvalidToken):
        accounts.user_for_password_token(token)


def test_api_tokens_are_stored_hashed_expire_and_revoke(db):
    user = factories.user()
    issued = accounts.issue_api_token(user, ttl=timedelta(hours=1))
    assert issued.token.digest != issued.secret
    assert accounts.token_for_secret(issued.secret) is issued.token
    assert accounts.token_for_secret(issued.secret, now=utcnow() + timedelta(hours=2)) is None
    accounts.revoke_api_token(issued.token)
    assert accounts.token_for_secret(issued.secret) is None
    assert accounts.token_for_secret("") is None
    assert accounts.token_for_secret("x" * 1000) is None


def test_disabled_user_token_stops_working(db):
    user = factories.user()
    issued = accounts.issue_api_token(user)
    user.active = False
    db.session.flush()
    assert accounts.token_for_secret(issued.secret) is None


def test_update_user_keeps_one_admin(db):
    admin = factories.user(Role.ADMIN)
    with pytest.raises(accounts.LastAdmin):
        accounts.update_user(
            admin,
            actor=admin,
            full_name="A",
            email=admin.email,
            role=Role.TEACHER,
            language="en",
            scope_region_id=None,
            school_id=None,
            active=True,
        )
    second = factories.user(Role.ADMIN)
    accounts.update_user(
        admin,
        actor=second,
        full_name="A",
        email=admin.email,
        role=Role.TEACHER,
        language="en",
        scope_region_id=None,
        school_id=None,
        active=True,
    )
    assert admin.role == Role.TEACHER


def test_role_change_ends_sessions_and_tokens(db):
    admin = factories.user(Role.ADMIN)
    teacher = factories.user(Role.TEACHER)
    issued = accounts.issue_api_token(teacher)
    version = teacher.auth_version
    accounts.update_user(
        teacher,
        actor=admin,
        full_name=teacher.full_name,
        email=teacher.email,
        role=Role.STUDENT,
        language="en",
        scope_region_id=None,
        school_id=None,
        active=True,
    )
    assert teacher.auth_version == version + 1
    assert accounts.token_for_secret(issued.secret) is None


def test_scope_region_only_kept_for_officials(db):
    teacher = factories.user(Role.TEACHER, scope_region="KZ-71")
    official = factories.user(Role.OFFICIAL, scope_region="KZ-71")
    assert teacher.scope_region_id is None
    assert official.scope_region.code == "KZ-71"


def test_search_users_folds_cyrillic_case(db):
    factories.user(full_name="Айгерім Нұрланқызы")
    found = db.session.scalars(accounts.list_users("айгерім")).all()
    assert [u.full_name for u in found] == ["Айгерім Нұрланқызы"]
