"""A course kept in version control: a folder with ``course.yaml``, Markdown lessons and quiz files.

``course.yaml``::

    slug: ai-fundamentals
    title: {kk: …, ru: …, en: …}
    summary: {kk: …}
    language: kk
    level: beginner            # beginner, intermediate, advanced
    hours: 6
    state: catalogue           # draft (default), class or catalogue; or the older published: true/false
    audience: teachers         # students (default), teachers or both: a course for teachers trains them
    modules:
      - title: {kk: …}
        prerequisite: previous # optional: opens once the previous module's required quizzes are passed
        lessons:
          - title: {kk: …}
            minutes: 15
            body: {kk: lessons/1-1.kk.md, ru: lessons/1-1.ru.md}
        assignments:
          - title: {kk: …}
            pass_mark: 0.6
            max_attempts: 3    # or null for unlimited
            required: true
            questions: quizzes/module-1.gift    # .gift, .xml (Moodle XML) or .qti.xml
            items:                               # optional items written in YAML
              - {type: ordering, prompt: …, spec: {…}}

Reading the folder writes nothing: every problem is reported as ImportFailed
naming the file and the place in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from courses.grading import code
from courses.grading.registry import ITEM_TYPES
from courses.importers import gift, moodlexml, qti
from courses.importers.items import ImportedItem, ImportFailed, at_line

LANGUAGES = ("kk", "ru", "en")
LEVELS = ("beginner", "intermediate", "advanced")
STATES = ("draft", "class", "catalogue")
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass
class LessonDraft:
    title: dict[str, str]
    body: dict[str, str]
    minutes: int


@dataclass
class AssignmentDraft:
    title: dict[str, str]
    items: list[ImportedItem]
    pass_mark: float = 0.6
    max_attempts: int | None = 3
    required: bool = True


@dataclass
class ModuleDraft:
    title: dict[str, str]
    after_previous: bool = False
    lessons: list[LessonDraft] = field(default_factory=list)
    assignments: list[AssignmentDraft] = field(default_factory=list)


@dataclass
class CourseDraft:
    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    language: str
    level: str
    hours: int
    state: str  # draft, class or catalogue
    modules: list[ModuleDraft]
    audience: str = "students"  # students, teachers or both


AUDIENCES = ("students", "teachers", "both")


def _audience(data: dict[str, Any]) -> str:
    audience = data.get("audience", "students")
    if audience not in AUDIENCES:
        raise ImportFailed("course.yaml: audience", ", ".join(AUDIENCES))
    return str(audience)


def _state(data: dict[str, Any]) -> str:
    """``state:``, or the older ``published:`` (true is the catalogue, false a draft); a draft by default."""
    published = data.get("published")
    if published is not None and not isinstance(published, bool):
        raise ImportFailed("course.yaml: published", _l("true or false"))
    implied = None if published is None else ("catalogue" if published else "draft")
    state = data.get("state", implied or "draft")
    if state not in STATES:
        raise ImportFailed("course.yaml: state", ", ".join(STATES))
    if implied is not None and state != implied:
        raise ImportFailed("course.yaml: state", _l("contradicts published: give only state"))
    return str(state)


def _texts(value: Any, where: str, required: bool = True) -> dict[str, str]:
    if value is None and not required:
        return {}
    if isinstance(value, str):
        return {"kk": value}
    if not isinstance(value, dict) or not value:
        raise ImportFailed(where, _l("expected texts per language, e.g. {kk: …, ru: …, en: …}"))
    unknown = [key for key in value if key not in LANGUAGES]
    if unknown:
        raise ImportFailed(where, _l("unknown language %(language)s (use kk, ru, en)", language=repr(unknown[0])))
    if not all(isinstance(text, str) and text.strip() for text in value.values()):
        raise ImportFailed(where, _l("every text must be a non-empty string"))
    return {key: text.strip() for key, text in value.items()}


def _file(root: Path, relative: Any, where: str) -> Path:
    if not isinstance(relative, str) or not relative:
        raise ImportFailed(where, _l("expected a file path"))
    path = (root / relative).resolve()
    if root.resolve() not in path.parents:
        raise ImportFailed(where, _l("%(path)s is outside the course folder", path=relative))
    if not path.is_file():
        raise ImportFailed(where, _l("%(path)s does not exist", path=relative))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFailed(where, _l("%(path)s is larger than 2 MB", path=relative))
    return path


def _int(value: Any, where: str, default: int | None, minimum: int = 0) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ImportFailed(where, _l("expected a whole number of at least %(minimum)d", minimum=minimum))
    return value


def _questions(root: Path, relative: Any, where: str) -> list[ImportedItem]:
    path = _file(root, relative, where)
    name = path.name.lower()
    parser = qti.parse if name.endswith(".qti.xml") else moodlexml.parse if name.endswith(".xml") else gift.parse
    try:
        return parser(path.read_bytes()).items
    except ImportFailed as exc:
        raise ImportFailed((relative, exc.where), exc.problem, line=exc.line, element=exc.element) from exc


def _yaml_items(raw: Any, where: str) -> list[ImportedItem]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ImportFailed(where, _l("items must be a list"))
    items = []
    for index, entry in enumerate(raw, start=1):
        place = f"{where}, item {index}"
        if (
            not isinstance(entry, dict)
            or entry.get("type") not in ITEM_TYPES
            or not isinstance(entry.get("spec"), dict)
        ):
            raise ImportFailed(place, _l("needs a type (%(types)s) and a spec", types=", ".join(sorted(ITEM_TYPES))))
        prompt = entry.get("prompt", "")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ImportFailed(place, _l("needs a prompt"))
        if entry["type"] == "code":
            try:
                code.check_spec(entry["spec"])
            except code.InvalidCodeSpec as exc:
                raise ImportFailed(place, str(exc)) from exc
        items.append(
            ImportedItem(
                type=entry["type"],
                prompt=prompt.strip(),
                spec=entry["spec"],
                title=str(entry.get("title", "")),
                prompt_format="markdown",
                source=place,
            )
        )
    return items


def read_course_folder(folder: str | Path) -> CourseDraft:
    root = Path(folder)
    manifest = root / "course.yaml"
    if not manifest.is_file():
        raise ImportFailed(str(root), _l("no course.yaml in this folder"))
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = ("course.yaml", at_line(line)) if line is not None else "course.yaml"
        raise ImportFailed(where, _l("not valid YAML"), line=line) from exc
    if not isinstance(data, dict):
        raise ImportFailed("course.yaml", _l("expected a mapping at the top"))
    slug = data.get("slug")
    if not isinstance(slug, str) or not slug.replace("-", "").isalnum() or len(slug) > 80:
        raise ImportFailed("course.yaml: slug", _l("letters, digits and dashes, at most 80"))
    language = data.get("language", "kk")
    if language not in LANGUAGES:
        raise ImportFailed("course.yaml: language", _l("kk, ru or en"))
    level = data.get("level", "beginner")
    if level not in LEVELS:
        raise ImportFailed("course.yaml: level", ", ".join(LEVELS))
    state = _state(data)
    modules_raw = data.get("modules")
    if not isinstance(modules_raw, list) or not modules_raw:
        raise ImportFailed("course.yaml: modules", _l("a course needs at least one module"))
    modules = []
    for m_index, module_raw in enumerate(modules_raw, start=1):
        where = f"course.yaml: module {m_index}"
        if not isinstance(module_raw, dict):
            raise ImportFailed(where, _l("expected a mapping"))
        module = ModuleDraft(
            title=_texts(module_raw.get("title"), f"{where}: title"),
            after_previous=module_raw.get("prerequisite") == "previous" and m_index > 1,
        )
        for l_index, lesson_raw in enumerate(module_raw.get("lessons") or [], start=1):
            place = f"{where}, lesson {l_index}"
            if not isinstance(lesson_raw, dict):
                raise ImportFailed(place, _l("expected a mapping"))
            bodies = lesson_raw.get("body") or {}
            if not isinstance(bodies, dict):
                raise ImportFailed(f"{place}: body", _l("expected {language: file}"))
            module.lessons.append(
                LessonDraft(
                    title=_texts(lesson_raw.get("title"), f"{place}: title"),
                    body={
                        lang: _file(root, path, f"{place}: body {lang}").read_text(encoding="utf-8")
                        for lang, path in _texts(bodies, f"{place}: body", required=False).items()
                    },
                    minutes=_int(lesson_raw.get("minutes"), f"{place}: minutes", 10, 1) or 10,
                )
            )
        for a_index, assignment_raw in enumerate(module_raw.get("assignments") or [], start=1):
            place = f"{where}, assignment {a_index}"
            if not isinstance(assignment_raw, dict):
                raise ImportFailed(place, _l("expected a mapping"))
            items = []
            if assignment_raw.get("questions") is not None:
                items += _questions(root, assignment_raw["questions"], f"{place}: questions")
            items += _yaml_items(assignment_raw.get("items"), f"{place}: items")
            if not items:
                raise ImportFailed(place, _l("has no questions"))
            pass_mark = assignment_raw.get("pass_mark", 0.6)
            if isinstance(pass_mark, bool) or not isinstance(pass_mark, int | float) or not 0 < pass_mark <= 1:
                raise ImportFailed(f"{place}: pass_mark", _l("a fraction between 0 and 1, e.g. 0.6"))
            module.assignments.append(
                AssignmentDraft(
                    title=_texts(assignment_raw.get("title"), f"{place}: title"),
                    items=items,
                    pass_mark=float(pass_mark),
                    max_attempts=_int(assignment_raw.get("max_attempts", 3), f"{place}: max_attempts", None, 1),
                    required=bool(assignment_raw.get("required", True)),
                )
            )
        modules.append(module)
    return CourseDraft(
        slug=slug,
        title=_texts(data.get("title"), "course.yaml: title"),
        summary=_texts(data.get("summary"), "course.yaml: summary", required=False),
        language=language,
        level=level,
        hours=_int(data.get("hours"), "course.yaml: hours", 0) or 0,
        state=state,
        modules=modules,
        audience=_audience(data),
    )
