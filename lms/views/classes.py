"""A teacher's classes: create, share the join code, import a roster, see it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from lms import tasks
from lms.csvfiles import ENCODINGS, CsvFileError, detected_encoding
from lms.db import db
from lms.forms import ClassForm, CsvUploadForm, StagedImportForm
from lms.models import Role, SchoolClass, User
from lms.permissions import roles_required
from lms.services import imports, org, progress, uploads
from lms.views.staging import PREVIEW_ROWS, staged_upload

bp = Blueprint("classes", __name__, url_prefix="/classes")


def _own_class(class_id: int) -> SchoolClass:
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        abort(404)
    if current_user.role != Role.ADMIN and school_class.teacher_id != current_user.id:
        abort(403)
    return school_class


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def create() -> str | BaseResponse:
    form = ClassForm(academic_year=org.current_academic_year())
    if form.validate_on_submit():
        try:
            school_class = org.create_class(current_user, form.name.data or "", form.academic_year.data)
        except org.NoSchool:
            flash(_("Your account is not attached to a school yet. Ask an administrator to add it."), "error")
        else:
            db.session.commit()
            flash(_("Class created. Share its code with your students."), "success")
            return redirect(url_for("classes.show", class_id=school_class.id))
    return render_template("classes/new.html", form=form)


@bp.get("/<int:class_id>")
@roles_required(Role.TEACHER, Role.ADMIN)
def show(class_id: int) -> str:
    school_class = _own_class(class_id)
    return render_template(
        "classes/show.html", school_class=school_class, students=org.roster(school_class), upload=CsvUploadForm()
    )


@bp.post("/<int:class_id>/join-code")
@roles_required(Role.TEACHER, Role.ADMIN)
def regenerate_code(class_id: int) -> BaseResponse:
    school_class = _own_class(class_id)
    org.regenerate_join_code(school_class)
    db.session.commit()
    flash(_("The class has a new code; the old one no longer works."), "success")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.post("/<int:class_id>/members/<int:user_id>/remove")
@roles_required(Role.TEACHER, Role.ADMIN)
def remove_member(class_id: int, user_id: int) -> BaseResponse:
    school_class = _own_class(class_id)
    student = db.session.get(User, user_id)
    if student is not None and org.remove_member(school_class, student):
        db.session.commit()
        flash(_("%(name)s has been removed from the class.", name=student.full_name), "success")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.post("/<int:class_id>/import")
@roles_required(Role.TEACHER, Role.ADMIN)
def import_roster(class_id: int) -> ResponseReturnValue:
    """An uploaded class list: kept, and shown as read (first rows, what importing would do) to confirm."""
    school_class = _own_class(class_id)
    form = CsvUploadForm()
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(str(error), "error")
        return redirect(url_for("classes.show", class_id=class_id))
    data = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    token = uploads.stage(current_user.id, data)
    return _preview(school_class, token, data, form.encoding.data or None)


@bp.post("/<int:class_id>/import/preview")
@roles_required(Role.TEACHER, Role.ADMIN)
def preview_roster(class_id: int) -> ResponseReturnValue:
    """The staged list read again, in the encoding the teacher chose."""
    school_class = _own_class(class_id)
    form = StagedImportForm()
    data = staged_upload(form)
    if data is None:
        return redirect(url_for("classes.show", class_id=class_id))
    return _preview(school_class, form.token.data or "", data, form.encoding.data or None)


def _preview(school_class: SchoolClass, token: str, data: bytes, encoding: str | None) -> ResponseReturnValue:
    """What importing would do, found by importing and rolling back; nothing is kept but the file."""
    max_rows = current_app.config["MAX_CSV_ROWS"]
    try:
        used = detected_encoding(data, encoding)
        report = imports.import_roster(school_class, data, max_rows, used)
    except CsvFileError as exc:
        db.session.rollback()
        uploads.discard(current_user.id, token)
        flash(str(exc.message), "error")
        return redirect(url_for("classes.show", class_id=school_class.id))
    except imports.ImportRejected as exc:
        db.session.rollback()
        uploads.discard(current_user.id, token)
        return render_template("classes/import_errors.html", school_class=school_class, errors=exc.errors), 422
    counts = (len(report.created), len(report.added), report.already_members)
    db.session.rollback()
    return render_template(
        "classes/import_preview.html",
        school_class=school_class,
        form=StagedImportForm(formdata=None, token=token, encoding=used),
        encoding_name=ENCODINGS.get(used, used),
        rows=report.rows[:PREVIEW_ROWS],
        total=len(report.rows),
        counts=counts,
    )


@bp.post("/<int:class_id>/import/confirm")
@roles_required(Role.TEACHER, Role.ADMIN)
def confirm_roster(class_id: int) -> ResponseReturnValue:
    school_class = _own_class(class_id)
    form = StagedImportForm()
    data = staged_upload(form)
    if data is None:
        return redirect(url_for("classes.show", class_id=class_id))
    token = form.token.data or ""
    try:
        report = imports.import_roster(
            school_class, data, current_app.config["MAX_CSV_ROWS"], form.encoding.data or None
        )
    except CsvFileError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("classes.show", class_id=class_id))
    except imports.ImportRejected as exc:
        db.session.rollback()
        return render_template("classes/import_errors.html", school_class=school_class, errors=exc.errors), 422
    job = None
    if report.created:
        job = progress.create_progress("invitations", current_user, total=len(report.created))
    db.session.commit()
    uploads.discard(current_user.id, token)
    if job is not None:
        tasks.send_invitations([u.id for u in report.created], job.id)
    flash(
        _(
            "Imported: %(created)d new accounts, %(added)d existing students added, %(already)d already in the class.",
            created=len(report.created),
            added=len(report.added),
            already=report.already_members,
        ),
        "success",
    )
    if job is not None:
        return redirect(url_for("tasks.show", task_id=job.id, back=url_for("classes.show", class_id=class_id)))
    return redirect(url_for("classes.show", class_id=class_id))
