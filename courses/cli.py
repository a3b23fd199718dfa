"""``flask --app wsgi courses …``: import courses from folders and questions from files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from courses.importers.folder import read_course_folder
from courses.importers.items import ImportFailed
from courses.models import Assignment
from courses.services import authoring
from lms.db import db

courses_cli = AppGroup("courses", help="Courses: import content and questions.")


@courses_cli.command("import-folder")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_folder(folder: Path) -> None:
    """Create a course from FOLDER (course.yaml, Markdown lessons, quiz files). Nothing is created on error."""
    try:
        draft = read_course_folder(folder)
        course = authoring.create_course(draft, author=None)
    except ImportFailed as exc:
        raise click.ClickException(f"{exc}. Nothing was imported.") from exc
    except authoring.CourseExists as exc:
        raise click.ClickException(f"A course with the slug {exc} exists already. Nothing was imported.") from exc
    db.session.commit()
    lessons = sum(len(m.lessons) for m in draft.modules)
    items = sum(len(a.items) for m in draft.modules for a in m.assignments)
    click.echo(f"Imported {course.slug}: {len(draft.modules)} modules, {lessons} lessons, {items} questions.")


@courses_cli.command("import-questions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--assignment", "assignment_id", type=int, required=True, help="The assignment to add them to.")
@click.option(
    "--format", "file_format", type=click.Choice(sorted(authoring.PARSERS)), help="Guessed from the file if left out."
)
def import_questions(file: Path, assignment_id: int, file_format: str | None) -> None:
    """Add the questions of FILE (GIFT, Moodle XML or QTI) to an assignment; a malformed file adds nothing."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise click.ClickException(f"No assignment {assignment_id}.")
    data = file.read_bytes()
    # Files the web form would refuse by name are read as GIFT here, as they always were.
    file_format = file_format or authoring.guess_format(file.name, data) or "gift"
    try:
        result, _items = authoring.import_questions(assignment, data, file_format, file.name)
    except ImportFailed as exc:
        raise click.ClickException(f"{file.name}, {exc}. Nothing was imported.") from exc
    except authoring.QuestionFileTooLarge as exc:
        limit = authoring.MAX_QUESTION_FILE_BYTES // (1024 * 1024)
        raise click.ClickException(f"{file.name} is larger than {limit} MB. Nothing was imported.") from exc
    except authoring.EmptyQuestionFile as exc:
        raise click.ClickException(f"{file.name} is empty. Nothing was imported.") from exc
    except authoring.TooManyQuestions as exc:
        raise click.ClickException(
            f"An assignment holds at most {authoring.MAX_ITEMS_PER_ASSIGNMENT} questions: it has {exc.existing}, "
            f"{file.name} adds {exc.adding}. Nothing was imported."
        ) from exc
    db.session.commit()
    counts = ", ".join(f"{count} {kind}" for kind, count in sorted(result.counts().items()))
    click.echo(f"Imported {len(result.items)} questions ({counts}) into assignment {assignment_id}.")
    for line in result.skipped:
        click.echo(f"  skipped {line}")


@courses_cli.command("regrade-code")
def regrade_code() -> None:
    """Grade every past code attempt again with the current grader; list the attempts whose grade changed.

    Nothing is revoked: administrators review the changes (and any certificate earned with them) on the
    certificate register's "Regraded code" page. Safe to run again: unchanged results come from the cache.
    """
    from courses.services import code_grading, regrading

    for item, reason in regrading.unconvertible_items():
        click.echo(f"item {item.id} (assignment {item.assignment_id}) is left as it was: {reason}", err=True)
    ids = regrading.code_attempt_ids()
    try:
        with click.progressbar(length=len(ids), label="Grading code attempts again") as bar:
            summary = regrading.regrade_code_attempts(ids, progress=bar.update)
    except code_grading.GradingUnavailable as exc:
        raise click.ClickException(f"The sandbox could not run ({exc}); run this again once it can.") from exc
    click.echo(f"{summary.attempts} attempts graded again; {summary.changed} changed.")
    for change in regrading.regrades()[: summary.changed]:
        passed = {True: "passed", False: "not passed"}
        click.echo(
            f"attempt {change.attempt_id} (user {change.attempt.user_id}, assignment {change.attempt.assignment_id}): "
            f"{change.old_score:g} → {change.new_score:g} of {change.max_score:g}, "
            f"{passed[change.old_passed]} → {passed[change.new_passed]}"
        )
