"""A teacher's classes: create, share the join code, import a roster, see it."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from lms import tasks
from lms.db import db
from lms.forms import ClassForm, CsvUploadForm
from lms.models import Role, SchoolClass, User
from lms.permissions import roles_required
from lms.services import imports, org, progress
from lms.views.staging import PREVIEW_ROWS, StagedImport

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


def _roster_import(school_class: SchoolClass) -> StagedImport[imports.ImportReport]:
    return StagedImport(
        functools.partial(imports.import_roster, school_class),
        back=url_for("classes.show", class_id=school_class.id),
        preview_template="classes/import_preview.html",
        errors_template="classes/import_errors.html",
        shown=lambda report: {
            "rows": report.rows[:PREVIEW_ROWS],
            "total": len(report.rows),
            "counts": (len(report.created), len(report.added), report.already_members),
        },
        context={"school_class": school_class},
    )


@bp.post("/<int:class_id>/import")
@roles_required(Role.TEACHER, Role.ADMIN)
def import_roster(class_id: int) -> ResponseReturnValue:
    """An uploaded class list: kept, and shown as read (first rows, what importing would do) to confirm."""
    return _roster_import(_own_class(class_id)).upload()


@bp.post("/<int:class_id>/import/preview")
@roles_required(Role.TEACHER, Role.ADMIN)
def preview_roster(class_id: int) -> ResponseReturnValue:
    """The staged list read again, in the encoding the teacher chose."""
    return _roster_import(_own_class(class_id)).preview()


@bp.post("/<int:class_id>/import/confirm")
@roles_required(Role.TEACHER, Role.ADMIN)
def confirm_roster(class_id: int) -> ResponseReturnValue:
    return _roster_import(_own_class(class_id)).confirm(functools.partial(_roster_imported, class_id))


def _roster_imported(class_id: int, report: imports.ImportReport) -> ResponseReturnValue:
    job = None
    if report.created:
        job = progress.create_progress("invitations", current_user, total=len(report.created))
    db.session.commit()
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
