"""Learner pages: catalogue, course, lesson, assignment, attempt result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from courses.grading.registry import ITEM_TYPES, item_points
from courses.models import Assignment, Attempt, Course, Enrolment, Item, Lesson, Level, localized
from courses.rendering import render, render_markdown
from courses.services import attempts, code_grading, learning
from courses.services.outline import outline_of
from lms.db import db
from lms.models import Role

bp = Blueprint("courses", __name__, template_folder="templates")


def _language() -> str:
    return str(get_locale() or "kk")


def _course(slug: str) -> Course:
    try:
        return learning.course_by_slug(slug, current_user)
    except learning.CourseNotFound:
        abort(404)


@bp.app_context_processor
def course_helpers() -> dict[str, Any]:
    return {"render_text": render, "my_courses": my_courses, "level_label": level_label, "text_in": localized}


LEVEL_LABELS = {"beginner": _l("Beginner"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}


def level_label(level: Level) -> str:
    return str(LEVEL_LABELS.get(level.value, level.value))


def my_courses() -> list[tuple[Course, int, bool]]:
    """The signed-in learner's courses with their progress, for the home page."""
    if not current_user.is_authenticated:
        return []
    rows = list(
        db.session.scalars(
            db.select(Enrolment)
            .where(Enrolment.user_id == current_user.id)
            .order_by(Enrolment.enrolled_at.desc())
            .options(joinedload(Enrolment.course))
        )
    )
    progress = learning.progress_in_courses(current_user, [outline_of(r.course) for r in rows])
    return [(r.course, progress[r.course_id].percent, r.completed_at is not None) for r in rows]


@bp.get("/courses")
@login_required
def catalogue() -> str:
    return render_template("courses/catalogue.html", courses=learning.published_courses(), language=_language())


@bp.get("/courses/<slug>")
@login_required
def course(slug: str) -> str:
    found = _course(slug)
    snapshot = outline_of(found)
    registration = learning.enrolment(current_user, found)
    total, modules = learning.course_progress(current_user, snapshot) if registration else (None, {})
    unlocked = learning.unlocked_modules(current_user, snapshot) if registration else {}
    return render_template(
        "courses/course.html",
        course=found,
        outline=snapshot,
        registration=registration,
        total=total,
        modules=modules,
        unlocked=unlocked,
        language=_language(),
    )


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll(slug: str) -> BaseResponse:
    found = _course(slug)
    learning.enroll(current_user, found)
    db.session.commit()
    flash(_("You are enrolled. Start with the first lesson."), "success")
    return redirect(url_for("courses.course", slug=slug))


def _lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        abort(404)
    _course(lesson.module.course.slug)
    return lesson


def _refuse_access(course: Course, module: Any) -> BaseResponse | None:
    """A redirect to the course page, with the reason, when the learner may not work in this module."""
    try:
        learning.require_enrolment(current_user, course)
        learning.require_unlocked(current_user, module)
    except learning.NotEnrolled:
        flash(_("Enrol in the course first."), "error")
    except learning.ModuleLocked:
        flash(_("Pass the previous module first."), "error")
    else:
        return None
    return redirect(url_for("courses.course", slug=course.slug))


@bp.get("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id: int) -> ResponseReturnValue:
    try:
        visit = learning.visit_lesson(current_user, lesson_id)
    except learning.CourseNotFound:
        abort(404)
    except (learning.NotEnrolled, learning.ModuleLocked):
        found = _lesson(lesson_id)
        refused = _refuse_access(found.module.course, found.module)
        if refused is not None:
            return refused
        raise
    db.session.commit()  # the first visit, or the learner's activity: most visits write nothing
    language = _language()
    course = visit.course
    return render_template(
        "courses/lesson.html",
        course=course,
        lesson=visit.lesson,
        module=course.module(visit.lesson.module_id),
        body=render_markdown(localized(visit.lesson.body, language, course.language)),
        completed=visit.completed_at is not None,
        next_lesson=course.next_lesson(lesson_id),
        language=language,
    )


@bp.post("/lessons/<int:lesson_id>/complete")
@login_required
def complete_lesson(lesson_id: int) -> BaseResponse:
    found = _lesson(lesson_id)
    course = found.module.course
    refused = _refuse_access(course, found.module)
    if refused is not None:
        return refused
    learning.complete_lesson(current_user, found)
    db.session.commit()
    snapshot = outline_of(course)
    following = snapshot.next_lesson(found.id)
    if following is not None and learning.unlocked(current_user, snapshot, following.module_id):
        return redirect(url_for("courses.lesson", lesson_id=following.id))
    return redirect(url_for("courses.course", slug=course.slug))


def _assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    _course(assignment.module.course.slug)
    return assignment


def responses_from_form(items: list[Item], form: MultiDict[str, str]) -> dict[str, Any]:
    """The answers in an attempt form, in the API's shape (unanswered items are left out)."""
    answers: dict[str, Any] = {}
    for item in items:
        name = f"item-{item.id}"
        if item.type == "multiple_choice":
            chosen = form.getlist(name)
            if chosen:
                answers[str(item.id)] = chosen
        elif item.type == "matching":
            pairs = {key[len(name) + 1 :]: value for key, value in form.items() if key.startswith(name + "-") and value}
            if pairs:
                answers[str(item.id)] = pairs
        elif item.type == "ordering":
            positions = {key[len(name) + 1 :]: value for key, value in form.items() if key.startswith(name + "-")}
            if any(positions.values()):
                try:
                    ordered = sorted(positions, key=lambda entry: int(positions[entry]))
                except ValueError:
                    ordered = list(positions)
                answers[str(item.id)] = ordered
        elif form.get(name, "").strip() != "" or item.type == "essay" and name in form:
            answers[str(item.id)] = form.get(name, "")
    return answers


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def assignment(assignment_id: int) -> ResponseReturnValue:
    found = _assignment(assignment_id)
    course = found.module.course
    refused = _refuse_access(course, found.module)
    if refused is not None:
        return refused
    items = [item for item in found.items if item.type in ITEM_TYPES]
    problems: dict[str, object] = {}
    answers: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        answers = responses_from_form(items, request.form)
        try:
            attempt = attempts.submit_attempt(current_user, found, answers)
        except attempts.InvalidResponses as exc:
            db.session.rollback()
            problems = exc.problems
            flash(_("Some answers need fixing; nothing was submitted."), "error")
        except attempts.AttemptsExhausted:
            db.session.rollback()
            flash(_("You have used every attempt for this assignment."), "error")
        except code_grading.SubmittingTooFast as exc:
            db.session.rollback()
            flash(
                _("You are sending code too often; try again in %(seconds)d seconds.", seconds=exc.retry_after),
                "error",
            )
            status = 429
        else:
            db.session.commit()
            return redirect(url_for("courses.attempt", attempt_id=attempt.id))
    return render_template(
        "courses/assignment.html",
        assignment=found,
        course=course,
        items=items,
        problems=problems,
        answers=answers,
        public={item.id: ITEM_TYPES[item.type].public(item.spec) for item in items},
        points={item.id: item_points(item.type, item.spec) for item in items},
        left=attempts.attempts_left(current_user, found),
        language=_language(),
    ), (422 if problems else status)


def _own_attempt(attempt_id: int) -> Attempt:
    found = db.session.get(Attempt, attempt_id)
    if found is None:
        abort(404)
    if found.user_id != current_user.id and current_user.role != Role.ADMIN:
        abort(403)
    return found


@bp.get("/attempts/<int:attempt_id>/status")
@login_required
def attempt_status(attempt_id: int) -> Response:
    """Whether the attempt's code is still being checked (the result page polls it)."""
    found = _own_attempt(attempt_id)
    response = jsonify({"status": found.status.value, "checking": found.machine_pending})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int) -> str:
    found = _own_attempt(attempt_id)
    assignment_ = found.assignment
    items = {str(item.id): item for item in assignment_.items}
    return render_template(
        "courses/attempt.html",
        attempt=found,
        assignment=assignment_,
        course=assignment_.module.course,
        items=items,
        passed=found.max_score > 0 and found.score >= assignment_.pass_mark * found.max_score - 1e-9,
        left=attempts.attempts_left(current_user, assignment_),
        language=_language(),
    )
