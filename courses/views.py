"""Learner pages: catalogue, course, lesson, assignment, attempt result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from courses.forms import STATE_LABELS
from courses.grading.registry import ITEM_TYPES, item_points
from courses.models import Assignment, Attempt, Course, CourseState, Enrolment, Item, Lesson, Level, localized
from courses.rendering import render, render_markdown
from courses.services import attempts, code_grading, learning, visibility
from courses.services.outline import outline_of
from lms.db import db
from lms.models import Role

bp = Blueprint("courses", __name__, template_folder="templates")


def _language() -> str:
    return str(get_locale() or "kk")


def _course(slug: str) -> tuple[Course, visibility.Access]:
    try:
        return learning.find_course(slug, current_user)
    except learning.CourseNotFound:
        abort(404)


def _visible(course: Course) -> visibility.Access:
    """What the user may do in the course; 404 when they may not see it."""
    try:
        return learning.require_visible(current_user, course)
    except learning.CourseNotFound:
        abort(404)


@bp.app_context_processor
def course_helpers() -> dict[str, Any]:
    return {
        "render_text": render,
        "my_courses": my_courses,
        "level_label": level_label,
        "state_label": state_label,
        "text_in": localized,
    }


LEVEL_LABELS = {"beginner": _l("Beginner"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}
PREVIEW_ONLY = _l("This is a preview: you can read the course, but not enrol, and nothing you do is recorded.")


def level_label(level: Level) -> str:
    return str(LEVEL_LABELS.get(level.value, level.value))


def state_label(state: CourseState | str) -> str:
    return str(STATE_LABELS.get(str(state), str(state)))


def my_courses() -> list[tuple[Course, int, bool]]:
    """The signed-in learner's courses with their progress, for the home page."""
    if not current_user.is_authenticated:
        return []
    rows = list(
        db.session.scalars(
            db.select(Enrolment)
            .join(Enrolment.course)
            .where(Enrolment.user_id == current_user.id, visibility.visible_courses_clause(current_user))
            .order_by(Enrolment.enrolled_at.desc())
            .options(contains_eager(Enrolment.course))
        )
    )
    progress = learning.progress_in_courses(current_user, [outline_of(r.course) for r in rows])
    return [(r.course, progress[r.course_id].percent, r.completed_at is not None) for r in rows]


@bp.get("/courses")
@login_required
def catalogue() -> str:
    return render_template(
        "courses/catalogue.html", courses=learning.visible_courses(current_user), language=_language()
    )


@bp.get("/courses/<slug>")
@login_required
def course(slug: str) -> str:
    found, allowed = _course(slug)
    snapshot = outline_of(found)
    registration = learning.enrolment(current_user, found) if allowed.learn else None
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
        preview=not allowed.learn,
        language=_language(),
    )


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll(slug: str) -> BaseResponse:
    found, allowed = _course(slug)
    if not allowed.learn:
        flash(str(PREVIEW_ONLY), "error")
        return redirect(url_for("courses.course", slug=slug))
    learning.enroll(current_user, found)
    db.session.commit()
    flash(_("You are enrolled. Start with the first lesson."), "success")
    return redirect(url_for("courses.course", slug=slug))


def _lesson(lesson_id: int) -> tuple[Lesson, visibility.Access]:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        abort(404)
    return lesson, _visible(lesson.module.course)


def _refuse_access(course: Course, module: Any, allowed: visibility.Access) -> BaseResponse | None:
    """A redirect to the course page, with the reason, when the learner may not work in this module."""
    if not allowed.learn:
        flash(str(PREVIEW_ONLY), "error")
        return redirect(url_for("courses.course", slug=course.slug))
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
        found, allowed = _lesson(lesson_id)
        refused = _refuse_access(found.module.course, found.module, allowed)
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
        preview=visit.preview,
        language=language,
    )


@bp.post("/lessons/<int:lesson_id>/complete")
@login_required
def complete_lesson(lesson_id: int) -> BaseResponse:
    found, allowed = _lesson(lesson_id)
    course = found.module.course
    refused = _refuse_access(course, found.module, allowed)
    if refused is not None:
        return refused
    learning.complete_lesson(current_user, found)
    db.session.commit()
    snapshot = outline_of(course)
    following = snapshot.next_lesson(found.id)
    if following is not None and learning.unlocked(current_user, snapshot, following.module_id):
        return redirect(url_for("courses.lesson", lesson_id=following.id))
    return redirect(url_for("courses.course", slug=course.slug))


def _assignment(assignment_id: int) -> tuple[Assignment, visibility.Access]:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    return assignment, _visible(assignment.module.course)


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
    found, allowed = _assignment(assignment_id)
    course = found.module.course
    refused = _refuse_access(course, found.module, allowed)
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
    row = learning.attempt_with_course(attempt_id)
    if row is None:
        abort(404)
    found, course = row
    _visible(course)
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
