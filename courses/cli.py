"""``flask --app wsgi courses …``: import courses from folders and questions from files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from courses.importers import gift, moodlexml, qti
from courses.importers.folder import read_course_folder
from courses.importers.items import ImportFailed
from courses.models import Assignment
from courses.services import authoring
from lms.db import db

courses_cli = AppGroup("courses", help="Courses: import content and questions.")
PARSERS = {"gift": gift.parse, "moodlexml": moodlexml.parse, "qti": qti.parse}


def guess_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".gift", ".gift.txt")):
        return "gift"
    head = path.read_bytes()[:2000]
    if name.endswith(".qti.xml") or b"imsqti" in head or b"questestinterop" in head:
        return "qti"
    if name.endswith(".xml"):
        return "moodlexml"
    return "gift"


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
@click.option("--format", "file_format", type=click.Choice(sorted(PARSERS)), help="Guessed from the file if left out.")
def import_questions(file: Path, assignment_id: int, file_format: str | None) -> None:
    """Add the questions of FILE (GIFT, Moodle XML or QTI) to an assignment; a malformed file adds nothing."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise click.ClickException(f"No assignment {assignment_id}.")
    file_format = file_format or guess_format(file)
    try:
        result = PARSERS[file_format](file.read_bytes())
    except ImportFailed as exc:
        raise click.ClickException(f"{file.name}, {exc}. Nothing was imported.") from exc
    authoring.add_items(assignment, result.items)
    db.session.commit()
    counts = ", ".join(f"{count} {kind}" for kind, count in sorted(result.counts().items()))
    click.echo(f"Imported {len(result.items)} questions ({counts}) into assignment {assignment_id}.")
    for line in result.skipped:
        click.echo(f"  skipped {line}")
