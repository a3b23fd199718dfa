"""Teachers' pages: a class's progress in a course, gradebook exports, marking essays."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses.models import Attempt, AttemptStatus, Course
from courses.services import attempts, gradebook, learning, visibility
from lms.db import db
from lms.models import ClassMembership, Role, SchoolClass, User
from lms.views.auth import safe_next

bp = Blueprint("teaching", __name__, template_folder="templates")


def _class_and_course(class_id: int, slug: str) -> tuple[SchoolClass, Course]:
    """A course the user may see (404 before anything else), and a class they teach."""
    try:
        course = learning.course_by_slug(slug, current_user)
    except learning.CourseNotFound:
        abort(404)
    if current_user.role not in (Role.TEACHER, Role.ADMIN):
        abort(403)
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        abort(404)
    if current_user.role != Role.ADMIN and school_class.teacher_id != current_user.id:
        abort(403)
    return school_class, course


@bp.app_context_processor
def teaching_helpers() -> dict[str, Any]:
    return {"class_courses": lambda school_class: gradebook.courses_of_class(school_class, current_user)}


@bp.get("/classes/<int:class_id>/courses/<slug>")
@login_required
def progress(class_id: int, slug: str) -> str:
    school_class, course = _class_and_course(class_id, slug)
    book = gradebook.class_gradebook(school_class, course)
    pending = (
        list(
            db.session.scalars(
                sa.select(Attempt)
                .join(ClassMembership, ClassMembership.user_id == Attempt.user_id)
                .where(
                    ClassMembership.class_id == school_class.id,
                    Attempt.status == AttemptStatus.PENDING,
                    Attempt.assignment_id.in_([a.id for a in book.assignments]),
                )
                .order_by(Attempt.submitted_at)
            )
        )
        if book.assignments
        else []
    )
    return render_template(
        "courses/class_progress.html",
        school_class=school_class,
        course=course,
        book=book,
        pending=pending,
        language=str(get_locale() or "kk"),
    )


@bp.get("/classes/<int:class_id>/courses/<slug>/gradebook.<fmt>")
@login_required
def export(class_id: int, slug: str, fmt: str) -> Response:
    school_class, course = _class_and_course(class_id, slug)
    book = gradebook.class_gradebook(school_class, course)
    language = str(get_locale() or "kk")
    name = f"gradebook-{school_class.id}-{course.slug}"
    if fmt == "csv":
        data, mimetype = gradebook.gradebook_csv(book, language), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        data = gradebook.gradebook_xlsx(book, language)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def _markable(attempt_id: int) -> Attempt:
    row = learning.attempt_with_course(attempt_id)
    if row is None or not visibility.can_see(current_user, row[1]):
        abort(404)
    attempt = row[0]
    if current_user.role not in (Role.TEACHER, Role.ADMIN):
        abort(403)
    if current_user.role != Role.ADMIN:
        teaches = db.session.scalar(
            sa.select(SchoolClass.id)
            .join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
            .where(SchoolClass.teacher_id == current_user.id, ClassMembership.user_id == attempt.user_id)
            .limit(1)
        )
        if teaches is None:
            abort(403)
    return attempt


@bp.route("/attempts/<int:attempt_id>/mark", methods=["GET", "POST"])
@login_required
def mark(attempt_id: int) -> ResponseReturnValue:
    attempt = _markable(attempt_id)
    items = {str(item.id): item for item in attempt.assignment.items}
    pending = {key: result for key, result in attempt.results.items() if result.get("pending") and key in items}
    if request.method == "POST":
        problems = []
        for key, result in pending.items():
            raw = request.form.get(f"score-{key}", "").replace(",", ".").strip()
            try:
                score = float(raw)
            except ValueError:
                problems.append(key)
                continue
            if not 0 <= score <= float(result["max_score"]):
                problems.append(key)
                continue
            attempts.grade_pending_item(
                attempt, items[key], score, request.form.get(f"feedback-{key}", "")[:2000], current_user
            )
        if problems:
            db.session.rollback()
            flash(_("Give each answer a score between 0 and its maximum."), "error")
        else:
            db.session.commit()
            flash(_("Marks saved."), "success")
            return redirect(safe_next(request.args.get("back")))
    return render_template(
        "courses/mark.html",
        attempt=attempt,
        items=items,
        pending=pending,
        student=db.session.get(User, attempt.user_id),
    )
