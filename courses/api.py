"""API: courses, enrolment, assignments and attempts (/api/v1)."""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from webargs.flaskparser import abort

from courses.grading.registry import ITEM_TYPES, item_points
from courses.models import Assignment, Attempt, Course, localized
from courses.services import attempts, code_grading, learning, visibility
from courses.services.outline import outline_of
from lms.api.base import ApiBlueprint, ErrorSchema, current_api_user, token_required
from lms.db import db
from lms.models import Role, User

blp = ApiBlueprint("api_courses", __name__, url_prefix="/api/v1", description="Courses, assignments and attempts")


def _language(user: User) -> str:
    return request.accept_languages.best_match(("kk", "ru", "en")) or user.preferred_language


class LessonRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)


class AssignmentRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    required = ma.fields.Boolean(required=True)


class ModuleSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    locked = ma.fields.Boolean(required=True, metadata={"description": "The prerequisite module is not passed yet"})
    lessons = ma.fields.List(ma.fields.Nested(LessonRefSchema), required=True)
    assignments = ma.fields.List(ma.fields.Nested(AssignmentRefSchema), required=True)


class CourseSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    title = ma.fields.String(required=True, metadata={"description": "In the requested language when available"})
    titles = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    summary = ma.fields.String(required=True)
    language = ma.fields.String(required=True, metadata={"description": "The language of the content"})
    level = ma.fields.String(required=True)
    hours = ma.fields.Integer(required=True)
    state = ma.fields.String(
        required=True,
        metadata={
            "enum": ["draft", "class", "catalogue"],
            "description": "draft: its authors' preview; class: for the author's classes, no certificates; "
            "catalogue: for everyone, with certificates",
        },
    )


class CourseDetailSchema(CourseSchema):
    enrolled = ma.fields.Boolean(required=True)
    completed = ma.fields.Boolean(required=True)
    progress = ma.fields.Integer(required=True, metadata={"description": "Percent of lessons and assignments done"})
    modules = ma.fields.List(ma.fields.Nested(ModuleSchema), required=True)


class EnrolmentSchema(ma.Schema):
    course = ma.fields.String(required=True)
    enrolled_at = ma.fields.AwareDateTime(required=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True)


class ChoiceSchema(ma.Schema):
    id = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class ItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    type = ma.fields.String(required=True, metadata={"enum": sorted(ITEM_TYPES)})
    title = ma.fields.String(required=True)
    prompt = ma.fields.String(required=True)
    prompt_format = ma.fields.String(required=True)
    points = ma.fields.Float(required=True)
    choices = ma.fields.List(ma.fields.Nested(ChoiceSchema), metadata={"description": "Choice items"})
    lefts = ma.fields.List(ma.fields.Nested(ChoiceSchema), metadata={"description": "Matching: items to match"})
    rights = ma.fields.List(ma.fields.Nested(ChoiceSchema), metadata={"description": "Matching: answers"})
    order_items = ma.fields.List(ma.fields.Nested(ChoiceSchema), metadata={"description": "Ordering: items to order"})
    min_words = ma.fields.Integer(metadata={"description": "Essays"})
    mode = ma.fields.String(metadata={"description": "Code: unit, io or values"})
    profile = ma.fields.String(metadata={"description": "Code: python (standard library) or data (numpy, pandas)"})
    starter = ma.fields.String(metadata={"description": "Code: the starter code"})
    examples = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "Code: the visible example tests (hidden ones are never sent)"}
    )
    tests = ma.fields.Integer(metadata={"description": "Code: how many tests grade it"})
    limits = ma.fields.Dict(metadata={"description": "Code: CPU and wall seconds, memory (MB), output (bytes)"})


class AssignmentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    course = ma.fields.String(required=True)
    max_attempts = ma.fields.Integer(allow_none=True)
    attempts_left = ma.fields.Integer(allow_none=True)
    due_at = ma.fields.AwareDateTime(allow_none=True)
    pass_mark = ma.fields.Float(required=True)
    items = ma.fields.List(ma.fields.Nested(ItemSchema), required=True)


class AttemptRequestSchema(ma.Schema):
    responses = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(allow_none=True),
        required=True,
        metadata={
            "description": "Item id → answer: a choice id; a list of choice ids; a number or numeric string; "
            "a string; {left id: right id}; a list of ids in order"
        },
    )


class ItemResultSchema(ma.Schema):
    item_id = ma.fields.Integer(required=True)
    score = ma.fields.Float(required=True)
    max_score = ma.fields.Float(required=True)
    feedback = ma.fields.List(ma.fields.String(), required=True)
    pending = ma.fields.Boolean(required=True, metadata={"description": "Waits for the teacher (essays)"})
    queued = ma.fields.Boolean(required=True, metadata={"description": "Waits for the sandbox (code)"})
    sandbox = ma.fields.String(metadata={"description": "Code: the sandbox level it ran at"})


class AttemptSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    assignment_id = ma.fields.Integer(required=True)
    number = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"description": "graded, pending or error"})
    score = ma.fields.Float(required=True)
    max_score = ma.fields.Float(required=True)
    late = ma.fields.Boolean(required=True)
    penalty = ma.fields.Float(required=True)
    submitted_at = ma.fields.AwareDateTime(required=True)
    items = ma.fields.List(ma.fields.Nested(ItemResultSchema), required=True)


def _course(course: Course, language: str) -> dict[str, Any]:
    return {
        "slug": course.slug,
        "title": course.title_in(language),
        "titles": {k: v for k, v in course.title.items() if isinstance(v, str)},
        "summary": localized(course.summary, language, course.language),
        "language": course.language,
        "level": course.level.value,
        "hours": course.hours,
        "state": course.state.value,
    }


def _find_course(slug: str, user: User) -> tuple[Course, visibility.Access]:
    try:
        return learning.find_course(slug, user)
    except learning.CourseNotFound:
        abort(404, message=_("No such course."))


def _preview_only() -> NoReturn:
    abort(
        403,
        code="preview_only",
        message=_("This is a preview: you can read the course, but not enrol, and nothing you do is recorded."),
    )


def _attempt(attempt: Attempt) -> dict[str, Any]:
    """The attempt for ``AttemptSchema``."""
    return {
        "id": attempt.id,
        "assignment_id": attempt.assignment_id,
        "number": attempt.number,
        "status": attempt.status.value,
        "score": float(attempt.score),
        "max_score": float(attempt.max_score),
        "late": attempt.late,
        "penalty": float(attempt.penalty),
        "submitted_at": attempt.submitted_at,
        "items": [
            {
                "item_id": int(item_id),
                "score": float(r["score"]),
                "max_score": float(r["max_score"]),
                "feedback": r.get("feedback", []),
                "pending": r.get("pending", False),
                "queued": r.get("queued", False),
                **({"sandbox": r["sandbox"]} if "sandbox" in r else {}),
            }
            for item_id, r in attempt.results.items()
        ],
    }


@blp.route("/courses", methods=["GET"])
@token_required()
@blp.response(200, CourseSchema(many=True))
def list_courses() -> list[dict[str, Any]]:
    """The courses the caller may see: the catalogue's, their class courses, and their own drafts."""
    user = current_api_user()
    language = _language(user)
    return [_course(course, language) for course in learning.visible_courses(user)]


@blp.route("/courses/<string:slug>", methods=["GET"])
@token_required()
@blp.response(200, CourseDetailSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such course")
def course_detail(slug: str) -> dict[str, Any]:
    """A course with its modules, lessons and assignment ids, and the caller's progress."""
    user = current_api_user()
    course, allowed = _find_course(slug, user)
    language = _language(user)
    snapshot = outline_of(course)
    registration = learning.enrolment(user, course) if allowed.learn else None
    total, _modules = learning.course_progress(user, snapshot) if registration else (None, {})
    unlocked = learning.unlocked_modules(user, snapshot)
    return {
        **_course(course, language),
        "enrolled": registration is not None,
        "completed": bool(registration and registration.completed_at),
        "progress": total.percent if total else 0,
        "modules": [
            {
                "id": module.id,
                "position": module.position,
                "title": localized(module.title, language, course.language),
                "locked": not unlocked[module.id],
                "lessons": [
                    {"id": lesson.id, "title": localized(lesson.title, language, course.language)}
                    for lesson in module.lessons
                ],
                "assignments": [
                    {"id": a.id, "title": localized(a.title, language, course.language), "required": a.required}
                    for a in module.assignments
                ],
            }
            for module in snapshot.modules
        ],
    }


@blp.route("/courses/<string:slug>/enrollment", methods=["POST"])
@token_required()
@blp.response(201, EnrolmentSchema)
@blp.alt_response(403, schema=ErrorSchema, description="A preview only: the caller may not learn in this course")
@blp.alt_response(404, schema=ErrorSchema, description="No such course")
def enroll(slug: str) -> dict[str, Any]:
    """Enrol the caller (idempotent)."""
    user = current_api_user()
    course, allowed = _find_course(slug, user)
    if not allowed.learn:
        _preview_only()
    registration = learning.enroll(user, course)
    db.session.commit()
    return {"course": course.slug, "enrolled_at": registration.enrolled_at, "completed_at": registration.completed_at}


def _assignment_for(assignment_id: int, user: User) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404, message=_("No such assignment."))
    try:
        learning.require_learner(user, assignment.module.course)
    except learning.CourseNotFound:
        abort(404, message=_("No such assignment."))
    except learning.PreviewOnly:
        _preview_only()
    try:
        learning.require_enrolment(user, assignment.module.course)
        learning.require_unlocked(user, assignment.module)
    except learning.NotEnrolled:
        abort(403, code="not_enrolled", message=_("Enrol in the course first."))
    except learning.ModuleLocked:
        abort(403, code="module_locked", message=_("Pass the previous module first."))
    return assignment


@blp.route("/assignments/<int:assignment_id>", methods=["GET"])
@token_required()
@blp.response(200, AssignmentSchema)
@blp.alt_response(403, schema=ErrorSchema, description="Not enrolled, the module is locked, or a preview only")
@blp.alt_response(404, schema=ErrorSchema, description="No such assignment (or its course is not for the caller)")
def assignment_detail(assignment_id: int) -> dict[str, Any]:
    """An assignment's items as a learner sees them: choices as {id, text}, never answers or hidden feedback."""
    user = current_api_user()
    assignment = _assignment_for(assignment_id, user)
    course = assignment.module.course
    language = _language(user)
    return {
        "id": assignment.id,
        "title": localized(assignment.title, language, course.language),
        "course": course.slug,
        "max_attempts": assignment.max_attempts,
        "attempts_left": attempts.attempts_left(user, assignment),
        "due_at": assignment.due_at,
        "pass_mark": assignment.pass_mark,
        "items": [
            {
                "id": item.id,
                "type": item.type,
                "title": item.title,
                "prompt": item.prompt,
                "prompt_format": item.prompt_format,
                "points": item_points(item.type, item.spec),
                **ITEM_TYPES[item.type].public(item.spec),
            }
            for item in assignment.items
            if item.type in ITEM_TYPES
        ],
    }


@blp.route("/assignments/<int:assignment_id>/attempts", methods=["POST"])
@token_required()
@blp.arguments(AttemptRequestSchema())
@blp.response(201, AttemptSchema)
@blp.alt_response(403, schema=ErrorSchema, description="Not enrolled, the module is locked, or a preview only")
@blp.alt_response(404, schema=ErrorSchema, description="No such assignment (or its course is not for the caller)")
@blp.alt_response(409, schema=ErrorSchema, description="No attempts left")
@blp.alt_response(422, schema=ErrorSchema, description="Unknown item ids or answers of the wrong type")
@blp.alt_response(429, schema=ErrorSchema, description="Code sent too often (see Retry-After)")
def submit(body: dict[str, Any], assignment_id: int) -> dict[str, Any]:
    """Submit answers; graded at once, or "pending" while code runs in the sandbox or an essay waits.

    Poll ``GET /attempts/<id>`` for the result of a pending attempt.
    """
    user = current_api_user()
    try:
        attempt = attempts.submit(user, assignment_id, body["responses"])
    except learning.CourseNotFound:
        abort(404, message=_("No such assignment."))
    except learning.PreviewOnly:
        _preview_only()
    except learning.NotEnrolled:
        abort(403, code="not_enrolled", message=_("Enrol in the course first."))
    except learning.ModuleLocked:
        abort(403, code="module_locked", message=_("Pass the previous module first."))
    except attempts.InvalidResponses as exc:
        db.session.rollback()
        abort(
            422,
            code="invalid_responses",
            message=_("Some answers cannot be graded."),
            errors={key: str(value) for key, value in exc.problems.items()},
        )
    except attempts.AttemptsExhausted:
        db.session.rollback()
        abort(409, code="attempts_exhausted", message=_("You have used every attempt for this assignment."))
    except code_grading.SubmittingTooFast as exc:
        db.session.rollback()
        abort(
            429,
            code="too_many_submissions",
            message=_("You are sending code too often; try again in %(seconds)d seconds.", seconds=exc.retry_after),
            headers={"Retry-After": str(exc.retry_after)},
        )
    db.session.commit()
    return _attempt(attempt)


@blp.route("/attempts/<int:attempt_id>", methods=["GET"])
@token_required()
@blp.response(200, AttemptSchema)
def attempt_detail(attempt_id: int) -> dict[str, Any]:
    """One of the caller's attempts (administrators see any)."""
    user = current_api_user()
    row = learning.attempt_with_course(attempt_id)
    if row is None or not visibility.can_see(user, row[1]):
        abort(404, message=_("No such attempt."))
    attempt = row[0]
    if attempt.user_id != user.id and user.role != Role.ADMIN:
        abort(403)
    return _attempt(attempt)
