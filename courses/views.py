"""Learner pages: catalogue, course, lesson, assignment, attempt result."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
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
from lms import signedin
from lms.db import commit_if_written, db, detached_row
from lms.hotpaths import Answer
from lms.i18n import LANGUAGE_COOKIE, language_for
from lms.models import Role, User
from lms.pagecache import ShellCache, fill
from lms.security import signed_csrf_token

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


def _reading_the_user_with_the_visit(view: Any) -> Any:
    """Read the session's user with the lesson visit, in one round trip, before ``login_required``.

    The user's row is offered to the user loader (which checks it as always); the visit's row goes
    to the view, which uses it only for that same user.
    """

    @functools.wraps(view)
    def read_first_then_view(lesson_id: int) -> ResponseReturnValue:
        user_id = signedin.session_user_id()
        read = None if user_id is None else learning.read_visit_with_user(user_id, lesson_id)
        if read is None:
            return view(lesson_id)
        user_row, visit_row = read
        signedin.offer_signed_in_user(user_row)
        return view(lesson_id, (user_id, visit_row))

    return read_first_then_view


@bp.get("/lessons/<int:lesson_id>")
@_reading_the_user_with_the_visit
@login_required
def lesson(lesson_id: int, read: tuple[int, tuple[Any, ...]] | None = None) -> ResponseReturnValue:
    try:
        visit_row = read[1] if read is not None and read[0] == current_user.id else None
        visit = learning.visit_lesson(current_user, lesson_id, visit_row)
    except learning.CourseNotFound:
        abort(404)
    except (learning.NotEnrolled, learning.ModuleLocked):
        found = _lesson(lesson_id)
        refused = _refuse_access(found.module.course, found.module)
        if refused is not None:
            return refused
        raise
    commit_if_written()  # the first visit, a new position in the course: else a read alone
    language = _language()
    course = visit.course

    def render_page() -> str:
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

    # The page is the same for every learner who has (or has not yet) completed this lesson of
    # this version of the course: rendered once per process (the path, language and role are
    # part of the key too).
    return _lesson_pages.page((course.version, visit.completed_at is not None), render_page)


_lesson_pages = ShellCache()


def answer_lesson_quickly(environ: dict[str, Any], rest: str) -> Answer | None:
    """The lesson page's common case, before Flask (``lms.hotpaths``): a signed-in learner opening a
    lesson whose page is kept (``_lesson_pages``).

    The same steps as the view, on the same services: the session read as Flask and Flask-Login read
    it (``signedin.signed_in_session``), the user read with the visit in one query and checked as the
    user loader checks them, the visit recorded (a first visit writes, and commits), the language chosen,
    the kept page served with the visitor's CSRF token. The answer is the view's, byte for byte (a test
    compares them); anything else (no session, a message waiting, a refusal, a page not yet kept, an
    error) is left to the view.
    """
    if not (rest.isascii() and rest.isdigit()) or rest != str(int(rest)):
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    signed_in = signedin.signed_in_session(app, environ)
    if signed_in is None:
        return None
    lesson_id = int(rest)
    read = learning.read_visit_with_user(signed_in.user_id, lesson_id)
    if read is None:
        return None
    user = detached_row(User, read[0])
    if not signedin.accepts(user, signed_in.auth_version):
        return None
    try:
        visit = learning.visit_lesson(user, lesson_id, read[1])
    except (learning.CourseNotFound, learning.NotEnrolled, learning.ModuleLocked):
        return None
    commit_if_written()
    language = language_for(user, signed_in.cookies.get(LANGUAGE_COOKIE), environ.get("HTTP_ACCEPT_LANGUAGE"))
    key = (visit.course.version, visit.completed_at is not None)
    shell = _lesson_pages.shell(_lesson_pages.full_key(f"/lessons/{lesson_id}", language, user.role, key))
    if shell is None:
        return None
    token = signed_csrf_token(app, signed_in.session[app.config["WTF_CSRF_FIELD_NAME"]])
    return "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Vary", "Cookie")], fill(shell, token).encode()


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
