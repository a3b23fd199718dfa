"""Administration of schools and accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from lms import tasks
from lms.db import db
from lms.forms import CsvUploadForm, SchoolForm, UserForm, choices
from lms.i18n import LANGUAGE_NAMES
from lms.models import InstructionLanguage, Role, School, SchoolKind, Settlement, User
from lms.permissions import roles_required
from lms.services import accounts, imports, org, progress, school_imports
from lms.views.staging import PREVIEW_ROWS, StagedImport

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.before_request
@roles_required(Role.ADMIN)
def _admins_only() -> None:
    return None


def _regions() -> list[tuple[int, str]]:
    language = str(get_locale() or "kk")
    return [(r.id, f"{r.name(language)} ({r.code})") for r in org.regions()]


def _school_form(school: School | None) -> SchoolForm:
    form = SchoolForm(obj=school) if school is not None else SchoolForm()
    language = str(get_locale() or "kk")
    form.region_id.choices = choices(_regions())
    form.district_id.choices = choices(
        [(0, "—"), *((d.id, f"{d.region.name(language)} · {d.name(language)}") for d in org.districts())]
    )
    if school is not None and form.district_id.data is None:
        form.district_id.data = 0
    return form


@bp.get("/schools")
def schools() -> str:
    region_id = request.args.get("region", type=int)
    search = request.args.get("q", "")[:100]
    page = db.paginate(org.list_schools(region_id, search), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "admin/schools.html",
        page=page,
        regions=_regions(),
        region_id=region_id,
        q=search,
        districts_upload=CsvUploadForm(prefix="districts"),
        schools_upload=CsvUploadForm(prefix="schools"),
    )


def _save_school(form: SchoolForm, school: School | None) -> School | None:
    values = {
        "region_id": form.region_id.data,
        "code": form.code.data or "",
        "name": form.name.data or "",
        "kind": SchoolKind(form.kind.data),
        "language": InstructionLanguage(form.language.data),
        "settlement": Settlement(form.settlement.data),
        "district_id": form.district_id.data or None,
    }
    try:
        if school is None:
            return org.create_school(**values)
        return org.update_school(school, **values)
    except org.SchoolCodeTaken:
        form.code.errors.append(_("Another school already has this code."))
    except org.DistrictNotInRegion:
        form.district_id.errors.append(_("This district lies in another region."))
    return None


@bp.route("/schools/new", methods=["GET", "POST"])
def new_school() -> str | BaseResponse:
    form = _school_form(None)
    if form.validate_on_submit() and _save_school(form, None) is not None:
        db.session.commit()
        flash(_("School saved."), "success")
        return redirect(url_for("admin.schools"))
    return render_template("admin/school_form.html", form=form, school=None)


@bp.route("/schools/<int:school_id>", methods=["GET", "POST"])
def edit_school(school_id: int) -> str | BaseResponse:
    school = db.session.get(School, school_id) or abort(404)
    form = _school_form(school)
    if form.validate_on_submit() and _save_school(form, school) is not None:
        db.session.commit()
        flash(_("School saved."), "success")
        return redirect(url_for("admin.schools"))
    return render_template("admin/school_form.html", form=form, school=school)


def _district_import() -> StagedImport[school_imports.SchoolImportReport]:
    return StagedImport(
        school_imports.import_districts,
        back=url_for("admin.schools"),
        preview_template="admin/district_import_preview.html",
        errors_template="admin/import_errors.html",
        shown=lambda report: {
            "rows": report.rows[:PREVIEW_ROWS],
            "total": len(report.rows),
            "created": len(report.districts),
        },
        prefix="districts",
        context={"back_label": _("Back to schools"), "value_heading": _("Code")},
    )


def _school_import() -> StagedImport[school_imports.SchoolImportReport]:
    return StagedImport(
        school_imports.import_schools,
        back=url_for("admin.schools"),
        preview_template="admin/school_import_preview.html",
        errors_template="admin/import_errors.html",
        shown=lambda report: {
            "rows": report.rows[:PREVIEW_ROWS],
            "total": len(report.rows),
            "created": report.created,
            "updated": report.updated,
        },
        prefix="schools",
        context={"back_label": _("Back to schools"), "value_heading": _("Code (BIN)")},
    )


@bp.post("/schools/import/districts")
def import_districts() -> ResponseReturnValue:
    """The ministry's list of districts: kept, and shown as read (first lines, how many) to confirm."""
    return _district_import().upload()


@bp.post("/schools/import/districts/preview")
def preview_districts() -> ResponseReturnValue:
    return _district_import().preview()


@bp.post("/schools/import/districts/confirm")
def confirm_districts() -> ResponseReturnValue:
    return _district_import().confirm(_districts_imported)


def _districts_imported(report: school_imports.SchoolImportReport) -> ResponseReturnValue:
    db.session.commit()
    flash(_("Imported %(count)d districts.", count=len(report.districts)), "success")
    return redirect(url_for("admin.schools"))


@bp.post("/schools/import/schools")
def import_schools() -> ResponseReturnValue:
    """The ministry's list of schools: kept, and shown as read (first lines, what is added or updated)."""
    return _school_import().upload()


@bp.post("/schools/import/schools/preview")
def preview_schools() -> ResponseReturnValue:
    return _school_import().preview()


@bp.post("/schools/import/schools/confirm")
def confirm_schools() -> ResponseReturnValue:
    return _school_import().confirm(_schools_imported)


def _schools_imported(report: school_imports.SchoolImportReport) -> ResponseReturnValue:
    db.session.commit()
    flash(
        _("Schools imported: %(created)d added, %(updated)d updated.", created=report.created, updated=report.updated),
        "success",
    )
    return redirect(url_for("admin.schools"))


@bp.get("/users")
def users() -> str:
    search = request.args.get("q", "")[:100]
    role_text = request.args.get("role", "")
    role = Role(role_text) if role_text in {r.value for r in Role} else None
    page = db.paginate(accounts.list_users(search, role), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, q=search, role=role, upload=CsvUploadForm())


def _user_form(user: User | None) -> UserForm:
    if user is None:
        form = UserForm()
    else:
        form = UserForm(
            obj=user,
            language=user.preferred_language,
            scope_region_id=user.scope_region_id or 0,
            school_code=user.school.code if user.school else "",
        )
    form.scope_region_id.choices = choices([(0, _("Whole country")), *_regions()])
    return form


def _save_user(form: UserForm, user: User | None) -> User | None:
    school_id = None
    if form.school_code.data:
        school = org.school_by_code(form.school_code.data)
        if school is None:
            form.school_code.errors.append(_("No school has this code."))
            return None
        school_id = school.id
    role = Role(form.role.data)
    scope = form.scope_region_id.data or None
    try:
        if user is None:
            return accounts.create_user(
                form.email.data or "",
                form.full_name.data or "",
                role=role,
                language=form.language.data or "kk",
                scope_region_id=scope,
                school_id=school_id,
            )
        return accounts.update_user(
            user,
            actor=current_user,
            full_name=form.full_name.data or "",
            email=form.email.data or "",
            role=role,
            language=form.language.data or "kk",
            scope_region_id=scope,
            school_id=school_id,
            active=bool(form.active.data),
        )
    except accounts.EmailTaken:
        form.email.errors.append(_("An account with this e-mail already exists."))
    except accounts.InvalidEmail:
        form.email.errors.append(_("This is not a valid e-mail address."))
    except accounts.LastAdmin:
        form.role.errors.append(_("The platform must keep at least one active administrator."))
    return None


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> str | BaseResponse:
    form = _user_form(None)
    if form.validate_on_submit():
        user = _save_user(form, None)
        if user is not None:
            job = progress.create_progress("invitations", current_user, total=1)
            db.session.commit()
            tasks.send_invitations([user.id], job.id)
            flash(_("Account created; an e-mail invites %(email)s to set a password.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> str | BaseResponse:
    user = db.session.get(User, user_id) or abort(404)
    form = _user_form(user)
    if form.validate_on_submit() and _save_user(form, user) is not None:
        db.session.commit()
        flash(_("Account saved."), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, languages=LANGUAGE_NAMES)


def _account_import() -> StagedImport[imports.ImportReport]:
    return StagedImport(
        imports.import_users,
        back=url_for("admin.users"),
        preview_template="admin/import_preview.html",
        errors_template="admin/import_errors.html",
        shown=lambda report: {
            "rows": report.rows[:PREVIEW_ROWS],
            "total": len(report.rows),
            "created": len(report.created),
        },
        context={"back_label": _("Back to accounts")},
    )


@bp.post("/users/import")
def import_users() -> ResponseReturnValue:
    """An uploaded accounts file: kept, and shown as read (first rows, how many accounts) to confirm."""
    return _account_import().upload()


@bp.post("/users/import/preview")
def preview_users() -> ResponseReturnValue:
    return _account_import().preview()


@bp.post("/users/import/confirm")
def confirm_users() -> ResponseReturnValue:
    return _account_import().confirm(_accounts_imported)


def _accounts_imported(report: imports.ImportReport) -> ResponseReturnValue:
    job = progress.create_progress("invitations", current_user, total=len(report.created))
    db.session.commit()
    tasks.send_invitations([u.id for u in report.created], job.id)
    flash(_("Imported %(count)d accounts.", count=len(report.created)), "success")
    return redirect(url_for("tasks.show", task_id=job.id, back=url_for("admin.users")))
