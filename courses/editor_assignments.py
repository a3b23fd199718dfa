"""The course editor, continued: assignments, their questions, and question upload.

Same blueprint as ``courses.editor`` (which imports this module to register its views).
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from werkzeug.wrappers import Response as BaseResponse

from courses.editor import ITEM_TYPE_LABELS, _assignment, _back_to, _direction, _editable, _language, _module, bp
from courses.forms import AssignmentForm, QuestionUploadForm
from courses.importers.items import ImportFailed
from courses.models import Assignment, Item, ShowAnswers
from courses.services import authoring, editing
from lms.db import db


def _assignment_settings(form: AssignmentForm) -> editing.AssignmentSettings:
    due = form.due_at.data
    return editing.AssignmentSettings(
        title=editing.texts(form.titles()),
        pass_mark=(form.pass_mark.data or 0) / 100,
        max_attempts=form.max_attempts.data,
        due_at=to_utc(due).replace(tzinfo=UTC) if due is not None else None,
        late_penalty=(form.late_penalty.data or 0) / 100,
        attempt_penalty=(form.attempt_penalty.data or 0) / 100,
        show_answers=ShowAnswers(form.show_answers.data),
        required=bool(form.required.data),
    )


def _fill_assignment_form(form: AssignmentForm, assignment: Assignment) -> None:
    form.fill_titles(assignment.title)
    form.pass_mark.data = round(assignment.pass_mark * 100)
    form.max_attempts.data = assignment.max_attempts
    form.due_at.data = to_user_timezone(assignment.due_at).replace(tzinfo=None) if assignment.due_at else None
    form.late_penalty.data = round(assignment.late_penalty * 100)
    form.attempt_penalty.data = round(assignment.attempt_penalty * 100)
    form.show_answers.data = assignment.show_answers.value
    form.required.data = assignment.required


@bp.route("/modules/<int:module_id>/assignments/new", methods=["GET", "POST"])
def new_assignment(module_id: int) -> ResponseReturnValue:
    found = _module(module_id)
    form = AssignmentForm()
    if request.method == "GET":
        form.max_attempts.data = 3
    if form.validate_on_submit():
        created = editing.add_assignment(found, _assignment_settings(form))
        db.session.commit()
        flash(_("Assignment created. Now upload its questions."), "success")
        return redirect(url_for("editor.assignment", assignment_id=created.id))
    return render_template(
        "courses/editor/assignment.html",
        form=form,
        module=found,
        course=found.course,
        assignment=None,
        upload=None,
        language=_language(),
    ), (422 if form.errors else 200)


#: Questions listed per page of the assignment editor.
ITEMS_PER_PAGE = 50


def _assignment_page(
    assignment: Assignment, form: AssignmentForm, upload: QuestionUploadForm, import_error: str | None = None
) -> ResponseReturnValue:
    failed = bool(form.errors or upload.errors or import_error)
    items = db.paginate(
        sa.select(Item).where(Item.assignment_id == assignment.id).order_by(Item.position),
        page=request.args.get("page", 1, type=int),
        per_page=ITEMS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "courses/editor/assignment.html",
        items=items,
        form=form,
        module=assignment.module,
        course=assignment.module.course,
        assignment=assignment,
        upload=upload,
        import_error=import_error,
        language=_language(),
    ), (422 if failed else 200)


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
def assignment(assignment_id: int) -> ResponseReturnValue:
    found = _assignment(assignment_id)
    form = AssignmentForm()
    if request.method == "GET":
        _fill_assignment_form(form, found)
    if form.validate_on_submit():
        editing.update_assignment(found, _assignment_settings(form))
        db.session.commit()
        flash(_("Assignment saved."), "success")
        return redirect(url_for("editor.assignment", assignment_id=found.id))
    return _assignment_page(found, form, QuestionUploadForm(formdata=None))


@bp.post("/assignments/<int:assignment_id>/move")
def move_assignment(assignment_id: int) -> BaseResponse:
    found = _assignment(assignment_id)
    editing.move(found, _direction())
    db.session.commit()
    return _back_to(found.module.course_id, f"assignment-{found.id}")


def _import_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{ITEM_TYPE_LABELS.get(kind, kind)}: {count}" for kind, count in sorted(counts.items()))


@bp.post("/assignments/<int:assignment_id>/questions")
def upload_questions(assignment_id: int) -> ResponseReturnValue:
    found = _assignment(assignment_id)
    upload = QuestionUploadForm()
    settings = AssignmentForm(formdata=None)
    _fill_assignment_form(settings, found)
    if not upload.validate_on_submit():
        return _assignment_page(found, settings, upload)
    limit_mb = authoring.MAX_QUESTION_FILE_BYTES // (1024 * 1024)
    file = upload.file.data
    data = file.read(authoring.MAX_QUESTION_FILE_BYTES + 1)
    chosen = upload.file_format.data if upload.file_format.data in authoring.PARSERS else None
    try:
        result, _created = authoring.import_questions(found, data, chosen, file.filename or "")
    except authoring.QuestionFileTooLarge:
        message = _("The file is larger than %(size)d MB; split it into smaller files.", size=limit_mb)
    except authoring.EmptyQuestionFile:
        message = _("The file is empty.")
    except authoring.TooManyQuestions as exc:
        message = _(
            "An assignment holds at most %(limit)d questions: it has %(existing)d, the file adds %(adding)d. "
            "Split them into several assignments.",
            limit=authoring.MAX_ITEMS_PER_ASSIGNMENT,
            existing=exc.existing,
            adding=exc.adding,
        )
    except authoring.UnknownQuestionFormat:
        message = _("Choose the file's format: its name does not say whether it is GIFT, Moodle XML or QTI.")
    except ImportFailed as exc:
        message = _(
            "Nothing was imported: the file has an error at %(where)s: %(problem)s.",
            where=exc.place(),
            problem=exc.problem,
        )
    else:
        db.session.commit()
        flash(
            _(
                "Imported %(count)d questions (%(types)s).",
                count=len(result.items),
                types=_import_counts(result.counts()),
            ),
            "success",
        )
        return redirect(url_for("editor.assignment", assignment_id=found.id) + "#questions")
    db.session.rollback()
    upload.file.errors = [message]
    return _assignment_page(found, settings, upload, import_error=message)


def _item(item_id: int) -> Item:
    item = db.session.get(Item, item_id) or abort(404)
    _editable(item.assignment.module.course)
    return item


def _item_page_url(item: Item) -> str:
    """The editor's page that lists this item (items are listed by position, ITEMS_PER_PAGE a page)."""
    before = db.session.scalar(
        sa.select(sa.func.count()).where(Item.assignment_id == item.assignment_id, Item.position < item.position)
    )
    page = int(before or 0) // ITEMS_PER_PAGE + 1
    if page == 1:
        return url_for("editor.assignment", assignment_id=item.assignment_id)
    return url_for("editor.assignment", assignment_id=item.assignment_id, page=page)


@bp.post("/items/<int:item_id>/move")
def move_item(item_id: int) -> BaseResponse:
    found = _item(item_id)
    editing.move(found, _direction())
    db.session.commit()
    return redirect(_item_page_url(found) + f"#item-{found.id}")


@bp.post("/items/<int:item_id>/delete")
def delete_item(item_id: int) -> BaseResponse:
    found = _item(item_id)
    assignment_id = found.assignment_id
    editing.delete_item(found)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return redirect(url_for("editor.assignment", assignment_id=assignment_id) + "#questions")
