"""The course editor: administrators and authoring teachers edit courses, modules, lessons and assignments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from courses.forms import (
    LANGUAGES,
    STATE_REFUSED,
    ConfirmForm,
    CourseForm,
    LessonForm,
    ModuleForm,
    TitledForm,
)
from courses.grading.registry import item_points
from courses.models import Assignment, Course, CourseAudience, CourseState, Lesson, Level, Module
from courses.rendering import render_markdown
from courses.services import authoring, editing
from lms.db import db
from lms.extensions import login_manager
from lms.models import Role

bp = Blueprint("editor", __name__, url_prefix="/authoring", template_folder="templates")

ITEM_TYPE_LABELS = {
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "numeric": _l("Numeric"),
    "short_text": _l("Short text"),
    "matching": _l("Matching"),
    "ordering": _l("Ordering"),
    "essay": _l("Essay"),
}


@bp.before_request
def _authors_only() -> ResponseReturnValue | None:
    """Teachers and administrators; anything of a course answers 404 to whoever may not edit it (even
    to other roles), so the editor never tells that a course, module or question exists."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in (Role.TEACHER, Role.ADMIN):
        abort(404 if request.view_args else 403)
    return None


@bp.app_context_processor
def editor_helpers() -> dict[str, Any]:
    return {"item_type_label": lambda name: str(ITEM_TYPE_LABELS.get(name, name)), "item_points": item_points}


def _language() -> str:
    return str(get_locale() or "kk")


def _editable(course: Course) -> Course:
    if not editing.can_edit(current_user, course):
        abort(404)
    return course


def _course(course_id: int) -> Course:
    return _editable(db.session.get(Course, course_id) or abort(404))


def _module(module_id: int) -> Module:
    module = db.session.get(Module, module_id) or abort(404)
    _editable(module.course)
    return module


def _lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id) or abort(404)
    _editable(lesson.module.course)
    return lesson


def _assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    _editable(assignment.module.course)
    return assignment


def _direction() -> editing.Direction:
    return "up" if request.form.get("direction") == "up" else "down"


def _back_to(course_id: int, anchor: str = "") -> BaseResponse:
    return redirect(url_for("editor.course", course_id=course_id) + (f"#{anchor}" if anchor else ""))


# Courses ---------------------------------------------------------------------


@bp.get("/courses")
def courses() -> str:
    return render_template(
        "courses/editor/courses.html", courses=editing.editable_courses(current_user), language=_language()
    )


def _course_form(course: Course | None) -> CourseForm:
    form = CourseForm(obj=course if course is not None and request.method == "GET" else None)
    form.offer_states(editing.state_choices(current_user, course))
    return form


def _course_settings(form: CourseForm) -> editing.CourseSettings:
    return editing.CourseSettings(
        slug=form.slug.data or "",
        title=editing.texts(form.titles()),
        summary=editing.texts(form.summaries()),
        language=form.language.data or "kk",
        level=Level(form.level.data),
        hours=form.hours.data or 0,
        state=CourseState(form.state.data),
        audience=CourseAudience(form.audience.data),
    )


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course() -> ResponseReturnValue:
    form = _course_form(None)
    if form.validate_on_submit():
        try:
            created = editing.new_course(current_user, _course_settings(form))
        except authoring.CourseExists:
            form.slug.errors.append(_("Another course already has this address name."))
        except editing.ApprovalRequired:
            form.state.errors.append(str(STATE_REFUSED))
        else:
            db.session.commit()
            flash(_("Course created. Add its first module."), "success")
            return redirect(url_for("editor.course", course_id=created.id))
    return render_template("courses/editor/course_form.html", form=form, course=None), (422 if form.errors else 200)


@bp.route("/courses/<int:course_id>/settings", methods=["GET", "POST"])
def course_settings(course_id: int) -> ResponseReturnValue:
    found = _course(course_id)
    form = _course_form(found)
    if request.method == "GET":
        form.fill_titles(found.title)
        for code in LANGUAGES:
            getattr(form, f"summary_{code}").data = (found.summary or {}).get(code, "")
        form.level.data = found.level.value
        form.state.data = found.state.value
        form.audience.data = found.audience.value
    if form.validate_on_submit():
        try:
            editing.update_course(current_user, found, _course_settings(form))
        except authoring.CourseExists:
            db.session.rollback()
            form.slug.errors.append(_("Another course already has this address name."))
        except editing.ApprovalRequired:
            db.session.rollback()
            form.state.errors.append(str(STATE_REFUSED))
        else:
            db.session.commit()
            flash(_("Course saved."), "success")
            return _back_to(found.id)
    return render_template("courses/editor/course_form.html", form=form, course=found), (422 if form.errors else 200)


@bp.get("/courses/<int:course_id>")
def course(course_id: int, module_form: TitledForm | None = None) -> ResponseReturnValue:
    found = editing.course_with_content(course_id) or abort(404)
    _editable(found)
    form = module_form or TitledForm()
    return render_template(
        "courses/editor/course.html",
        course=found,
        modules_by_id={m.id: m for m in found.modules},
        module_form=form,
        language=_language(),
    ), (422 if form.errors else 200)


# Modules ---------------------------------------------------------------------


@bp.post("/courses/<int:course_id>/modules")
def add_module(course_id: int) -> ResponseReturnValue:
    found = _course(course_id)
    form = TitledForm()
    if not form.validate_on_submit():
        return course(course_id, module_form=form)
    module = editing.add_module(found, editing.texts(form.titles()))
    db.session.commit()
    flash(_("Module added."), "success")
    return _back_to(found.id, f"module-{module.id}")


@bp.route("/modules/<int:module_id>", methods=["GET", "POST"])
def module(module_id: int) -> ResponseReturnValue:
    found = _module(module_id)
    language = _language()
    form = ModuleForm(prerequisite_id=found.prerequisite_id or 0)
    if request.method == "GET":
        form.fill_titles(found.title)
    earlier = [m for m in found.course.modules if m.position < found.position]
    form.prerequisite_id.choices = [
        (0, _("None: open from the start")),
        *((m.id, m.title_in(language)) for m in earlier),
    ]
    if form.validate_on_submit():
        try:
            editing.update_module(found, editing.texts(form.titles()), form.prerequisite_id.data or None)
        except editing.InvalidPrerequisite:
            db.session.rollback()
            form.prerequisite_id.errors.append(_("Choose an earlier module of this course."))
        else:
            db.session.commit()
            flash(_("Module saved."), "success")
            return _back_to(found.course_id, f"module-{found.id}")
    return render_template(
        "courses/editor/module_form.html", form=form, module=found, course=found.course, language=language
    ), (422 if form.errors else 200)


@bp.post("/modules/<int:module_id>/move")
def move_module(module_id: int) -> BaseResponse:
    found = _module(module_id)
    editing.move(found, _direction())
    db.session.commit()
    return _back_to(found.course_id, f"module-{found.id}")


@bp.route("/modules/<int:module_id>/delete", methods=["GET", "POST"])
def delete_module(module_id: int) -> ResponseReturnValue:
    found = _module(module_id)
    course_id = found.course_id
    if request.method == "POST":
        editing.delete_module(found)
        db.session.commit()
        flash(_("Module deleted."), "success")
        return _back_to(course_id)
    return render_template(
        "courses/editor/confirm_delete.html",
        course=found.course,
        what=found.title_in(_language()),
        warning=_("Its lessons, assignments and questions, and the learners' attempts at them, are deleted too."),
        form=ConfirmForm(),
    )


# Lessons ---------------------------------------------------------------------


def _lesson_page(form: LessonForm, module: Module, lesson: Lesson | None) -> ResponseReturnValue:
    previews = {}
    if request.method == "POST" and "preview" in request.form:
        previews = {code: render_markdown(text) for code, text in editing.texts(form.bodies()).items()}
    return render_template(
        "courses/editor/lesson_form.html",
        form=form,
        module=module,
        course=module.course,
        lesson=lesson,
        previews=previews,
        language=_language(),
    ), (422 if form.errors else 200)


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
def new_lesson(module_id: int) -> ResponseReturnValue:
    found = _module(module_id)
    form = LessonForm()
    if form.validate_on_submit() and "preview" not in request.form:
        lesson = editing.add_lesson(
            found, editing.texts(form.titles()), editing.texts(form.bodies()), form.minutes.data or 10
        )
        db.session.commit()
        flash(_("Lesson added."), "success")
        return _back_to(found.course_id, f"lesson-{lesson.id}")
    return _lesson_page(form, found, None)


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
def lesson(lesson_id: int) -> ResponseReturnValue:
    found = _lesson(lesson_id)
    form = LessonForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.fill_titles(found.title)
        for code in LANGUAGES:
            getattr(form, f"body_{code}").data = (found.body or {}).get(code, "")
    if form.validate_on_submit() and "preview" not in request.form:
        editing.update_lesson(
            found, editing.texts(form.titles()), editing.texts(form.bodies()), form.minutes.data or 10
        )
        db.session.commit()
        flash(_("Lesson saved."), "success")
        return _back_to(found.module.course_id, f"lesson-{found.id}")
    return _lesson_page(form, found.module, found)


@bp.post("/lessons/<int:lesson_id>/move")
def move_lesson(lesson_id: int) -> BaseResponse:
    found = _lesson(lesson_id)
    editing.move(found, _direction())
    db.session.commit()
    return _back_to(found.module.course_id, f"lesson-{found.id}")


@bp.route("/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
def delete_lesson(lesson_id: int) -> ResponseReturnValue:
    found = _lesson(lesson_id)
    course_ = found.module.course
    if request.method == "POST":
        editing.delete_lesson(found)
        db.session.commit()
        flash(_("Lesson deleted."), "success")
        return _back_to(course_.id)
    return render_template(
        "courses/editor/confirm_delete.html",
        course=course_,
        what=found.title_in(_language()),
        warning=_("The learners' progress in this lesson is deleted too."),
        form=ConfirmForm(),
    )


# Assignments -----------------------------------------------------------------


# The assignment editor's views (settings, questions, upload) live beside this module on the same blueprint.
from courses import editor_assignments  # noqa: E402, F401
