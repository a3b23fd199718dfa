"""Creating course content: from a folder draft, and questions from an imported file."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from courses.importers import gift, moodlexml, qti
from courses.importers.folder import CourseDraft
from courses.importers.items import ImportedItem, ImportFailed, ImportResult
from courses.models import Assignment, Course, CourseAudience, CourseState, Item, Lesson, Level, Module
from lms.db import db
from lms.models import User

PARSERS: dict[str, Callable[[bytes], ImportResult]] = {
    "gift": gift.parse,
    "moodlexml": moodlexml.parse,
    "qti": qti.parse,
}
#: Question files larger than this are refused before parsing.
MAX_QUESTION_FILE_BYTES = 2 * 1024 * 1024
#: Questions one assignment may hold: a quiz a learner can take, a page the editor can show.
MAX_ITEMS_PER_ASSIGNMENT = 500


class CourseExists(Exception):
    """A course with this slug exists already."""


class QuestionFileRejected(Exception):
    """The question file cannot be read at all (before any question is looked at)."""


class EmptyQuestionFile(QuestionFileRejected):
    """The file has no content."""


class QuestionFileTooLarge(QuestionFileRejected):
    """The file is larger than MAX_QUESTION_FILE_BYTES."""


class TooManyQuestions(Exception):
    """Adding these questions would take the assignment past MAX_ITEMS_PER_ASSIGNMENT."""

    def __init__(self, existing: int, adding: int) -> None:
        super().__init__(f"{existing} + {adding} questions > {MAX_ITEMS_PER_ASSIGNMENT}")
        self.existing = existing
        self.adding = adding


class UnknownQuestionFormat(QuestionFileRejected):
    """No importer reads files of this kind."""


def create_course(draft: CourseDraft, author: User | None) -> Course:
    """Create a course with its modules, lessons, assignments and items (flushed). Raises CourseExists."""
    if db.session.scalar(sa.select(Course.id).where(Course.slug == draft.slug)) is not None:
        raise CourseExists(draft.slug)
    course = Course(
        slug=draft.slug,
        title=draft.title,
        summary=draft.summary,
        language=draft.language,
        level=Level(draft.level),
        hours=draft.hours,
        state=CourseState(draft.state),
        audience=CourseAudience(draft.audience),
        author_id=author.id if author else None,
    )
    db.session.add(course)
    db.session.flush()
    previous: Module | None = None
    for position, module_draft in enumerate(draft.modules, start=1):
        module = Module(
            course_id=course.id,
            position=position,
            title=module_draft.title,
            prerequisite_id=previous.id if previous is not None and module_draft.after_previous else None,
        )
        db.session.add(module)
        db.session.flush()
        for lesson_position, lesson in enumerate(module_draft.lessons, start=1):
            db.session.add(
                Lesson(
                    module_id=module.id,
                    position=lesson_position,
                    title=lesson.title,
                    body=lesson.body,
                    minutes=lesson.minutes,
                )
            )
        for assignment_position, assignment_draft in enumerate(module_draft.assignments, start=1):
            assignment = Assignment(
                module_id=module.id,
                position=assignment_position,
                title=assignment_draft.title,
                pass_mark=assignment_draft.pass_mark,
                max_attempts=assignment_draft.max_attempts,
                required=assignment_draft.required,
            )
            db.session.add(assignment)
            db.session.flush()
            add_items(assignment, assignment_draft.items)
        previous = module
    db.session.flush()
    return course


def add_items(assignment: Assignment, items: list[ImportedItem]) -> list[Item]:
    """Append imported items to an assignment, after the ones it has (flushed).

    Raises TooManyQuestions, adding nothing, when the assignment would hold more than MAX_ITEMS_PER_ASSIGNMENT.
    """
    existing, last = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Item.position)).where(Item.assignment_id == assignment.id)
    ).one()
    if existing + len(items) > MAX_ITEMS_PER_ASSIGNMENT:
        raise TooManyQuestions(existing, len(items))
    last = last or 0
    created = [
        Item(
            assignment_id=assignment.id,
            position=last + offset,
            type=item.type,
            title=item.title[:255],
            prompt=item.prompt,
            prompt_format=item.prompt_format,
            spec=item.spec,
            general_feedback=item.general_feedback,
        )
        for offset, item in enumerate(items, start=1)
    ]
    db.session.add_all(created)
    db.session.flush()
    db.session.expire(assignment, ["items"])
    return created


def guess_format(filename: str, data: bytes) -> str | None:
    """The importer for a file, from its name and first bytes; None when the name says nothing usable."""
    name = filename.lower()
    if name.endswith((".gift", ".gift.txt")):
        return "gift"
    head = data[:2000]
    if name.endswith(".qti.xml") or b"imsqti" in head or b"questestinterop" in head:
        return "qti"
    if name.endswith(".xml"):
        return "moodlexml"
    if name.endswith(".txt"):
        return "gift"
    return None


def parse_questions(data: bytes, file_format: str | None, filename: str = "") -> ImportResult:
    """Every question of a file, or an exception: nothing is changed either way.

    ``file_format`` is a key of PARSERS, or None to guess it from the name and content.
    Raises EmptyQuestionFile, QuestionFileTooLarge, UnknownQuestionFormat, or
    ImportFailed naming the line or element at fault.
    """
    if len(data) > MAX_QUESTION_FILE_BYTES:
        raise QuestionFileTooLarge(filename)
    if not data.strip():
        raise EmptyQuestionFile(filename)
    file_format = file_format or guess_format(filename, data)
    if file_format not in PARSERS:
        raise UnknownQuestionFormat(filename)
    result = PARSERS[file_format](data)
    if not result.items:
        raise ImportFailed("file", "no questions found")
    return result


def import_questions(
    assignment: Assignment, data: bytes, file_format: str | None, filename: str = ""
) -> tuple[ImportResult, list[Item]]:
    """Append every question of a file to an assignment (flushed); a bad file adds nothing.

    Raises what ``parse_questions`` raises, and TooManyQuestions.
    """
    result = parse_questions(data, file_format, filename)
    return result, add_items(assignment, result.items)
