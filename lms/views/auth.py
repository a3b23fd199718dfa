"""Sign-in, registration, passwords, language choice, the user's own account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from lms import tasks
from lms.db import db
from lms.extensions import limiter
from lms.forms import (
    ChangePasswordForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from lms.i18n import LANGUAGE_COOKIE, is_supported
from lms.models import ApiToken, User
from lms.ratelimits import limit_failed_sign_ins, record_failed_sign_in
from lms.services import accounts

bp = Blueprint("auth", __name__)

PASSWORD_MESSAGES = {
    "too_short": lambda: _("The password must have at least %(n)d characters.", n=accounts.MIN_PASSWORD_LENGTH),
    "too_long": lambda: _("The password must have at most %(n)d characters.", n=accounts.MAX_PASSWORD_LENGTH),
    "same_as_email": lambda: _("The password must not be your e-mail address."),
}


def safe_next(target: str | None) -> str:
    """A same-site path to go to after sign-in; anything else goes home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


def _tried_email() -> str:
    return request.form.get("email") or ""


def _remember_language(response: BaseResponse, language: str) -> BaseResponse:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response


@bp.get("/login")
def login() -> str | BaseResponse:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("auth/login.html", form=LoginForm(next=request.args.get("next", "")))


# The same URL; a view of its own so that only sign-in attempts pay for rate limiting.
@bp.post("/login")
@limit_failed_sign_ins(_tried_email)
def login_submit() -> str | BaseResponse:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data or "", form.password.data or "")
        except accounts.InvalidCredentials:
            record_failed_sign_in()
            flash(_("Wrong e-mail or password."), "error")
        else:
            _sign_in(user, remember=bool(form.remember.data))
            return _remember_language(redirect(safe_next(form.next.data)), user.preferred_language)
    return render_template("auth/login.html", form=form)


def _sign_in(user: User, *, remember: bool = False) -> None:
    """Sign the user in on this device: a new sign-in record (commits), and a new session, so that nothing
    of the one before (its CSRF token above all) carries over."""
    accounts.start_sign_in(
        user, remember=remember, user_agent=request.user_agent.string, address=request.remote_addr or ""
    )
    db.session.commit()
    session.clear()
    login_user(user, remember=remember)


@bp.post("/logout")
@login_required
def logout() -> BaseResponse:
    accounts.end_sign_in(current_user, current_user.get_id())
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere() -> BaseResponse:
    accounts.end_all_sign_ins(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/account/sign-ins/<sign_in_id>/end")
@login_required
def end_sign_in(sign_in_id: str) -> BaseResponse:
    """Sign another device out (the user's own only)."""
    if accounts.end_sign_in(current_user, sign_in_id):
        db.session.commit()
        flash(_("That device has been signed out."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | BaseResponse:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm(language=str(get_locale() or "kk"))
    if form.validate_on_submit():
        try:
            user = accounts.register_student(
                form.email.data or "",
                form.full_name.data or "",
                form.new_password.data or "",
                form.language.data or "kk",
            )
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this e-mail already exists. Sign in or reset the password."))
        except accounts.InvalidEmail:
            form.email.errors.append(_("This is not a valid e-mail address."))
        except accounts.InvalidPassword as exc:
            form.new_password.errors.append(PASSWORD_MESSAGES[str(exc)]())
        else:
            _sign_in(user)
            flash(_("Welcome! Your account is ready."), "success")
            return _remember_language(redirect(url_for("home.index")), user.preferred_language)
    return render_template("auth/register.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | BaseResponse:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data or "", form.new_password.data or "")
        except accounts.InvalidCredentials:
            form.current_password.errors.append(_("The current password is wrong."))
        except accounts.InvalidPassword as exc:
            form.new_password.errors.append(PASSWORD_MESSAGES[str(exc)]())
        else:
            # Every sign-in ended with the old password: this device signs in again (the account itself,
            # not the current_user proxy, which Flask-Login would keep in place of it).
            _sign_in(db.session.get_one(User, current_user.id))
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(
    "3 per 10 minutes",
    key_func=lambda: "reset:" + (request.form.get("email") or "").strip().lower()[:254],
    methods=["POST"],
    scope="reset-account",
)
@limiter.limit("30 per minute", methods=["POST"], scope="reset-address")
def request_reset() -> str | BaseResponse:
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = accounts.get_user_by_email(form.email.data or "")
        if user is not None and user.active:
            tasks.send_password_reset(user.id)
        # The same answer whether or not the address has an account.
        flash(_("If an account uses this address, we have sent it a link to set a new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/request_reset.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | BaseResponse:
    try:
        user = accounts.user_for_password_token(token)
    except accounts.InvalidToken:
        flash(_("This link has expired or has already been used. Ask for a new one."), "error")
        return redirect(url_for("auth.request_reset"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.new_password.data or "")
        except accounts.InvalidPassword as exc:
            form.new_password.errors.append(PASSWORD_MESSAGES[str(exc)]())
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.post("/language")
def set_language() -> BaseResponse:
    form = LanguageForm()
    language = form.language.data if form.validate_on_submit() else None
    target = safe_next(form.next.data or request.referrer and urlsplit(request.referrer).path)
    response = redirect(target)
    if language and is_supported(language):
        if current_user.is_authenticated:
            accounts.set_preferred_language(current_user, language)
            db.session.commit()
        _remember_language(response, language)
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | BaseResponse:
    form = ProfileForm(obj=current_user, language=current_user.preferred_language)
    if form.validate_on_submit():
        accounts.update_profile(current_user, form.full_name.data or "", form.language.data or "kk")
        db.session.commit()
        flash(_("Saved."), "success")
        return _remember_language(redirect(url_for("auth.account")), current_user.preferred_language)
    tokens = accounts.live_api_tokens(current_user)
    sign_ins = accounts.live_sign_ins(current_user)
    return render_template(
        "auth/account.html", form=form, tokens=tokens, sign_ins=sign_ins, this_sign_in=current_user.get_id()
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> BaseResponse:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        return redirect(url_for("auth.account"))
    accounts.revoke_api_token(token)
    db.session.commit()
    flash(_("The API token has been revoked."), "success")
    return redirect(url_for("auth.account"))
