"""Forms of the course editor. They check shape; business rules (unique slugs, prerequisites) live in services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError

from lms.forms import LANGUAGE_CHOICES, Form, choices, max_length, required

LANGUAGES = ("kk", "ru", "en")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LEVEL_CHOICES = choices(
    [("beginner", _l("Beginner")), ("intermediate", _l("Intermediate")), ("advanced", _l("Advanced"))]
)
FORMAT_CHOICES = choices(
    [
        ("auto", _l("Guess from the file name")),
        ("gift", "GIFT"),
        ("moodlexml", "Moodle XML"),
        ("qti", "IMS QTI"),
    ]
)
#: A course state's name, in lists and on pages.
STATE_LABELS = {"draft": _l("Draft"), "class": _l("Class course"), "catalogue": _l("Catalogue")}
#: What each state means, where an author chooses it.
STATE_CHOICE_LABELS = {
    "draft": _l("Draft: only its authors and administrators see it"),
    "class": _l("Class course: the students of your classes see it and learn in it, without certificates"),
    "catalogue": _l("Catalogue: approved by an administrator; everyone sees it and gets certificates"),
}
STATE_REFUSED = _l("Only an administrator puts a course in the catalogue or takes it out of it.")
SHOW_ANSWERS_CHOICES = choices([("after_due", _l("After the due date")), ("never", _l("Never"))])


class TitledForm(Form):
    """A form with a title in each language, at least one of them filled in."""

    title_kk = StringField(_l("Title (Қазақша)"), validators=[max_length(200)])
    title_ru = StringField(_l("Title (Русский)"), validators=[max_length(200)])
    title_en = StringField(_l("Title (English)"), validators=[max_length(200)])

    def validate_title_kk(self, field: Field) -> None:
        if not any((getattr(self, f"title_{code}").data or "").strip() for code in LANGUAGES):
            raise ValidationError(_l("Give a title in at least one language."))

    def titles(self) -> dict[str, str | None]:
        return {code: getattr(self, f"title_{code}").data for code in LANGUAGES}

    def fill_titles(self, titles: dict[str, Any]) -> None:
        for code in LANGUAGES:
            getattr(self, f"title_{code}").data = titles.get(code, "")


class CourseForm(TitledForm):
    slug = StringField(
        _l("Address name (slug)"),
        validators=[
            required(),
            max_length(80),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use small Latin letters, digits and single hyphens, e.g. ai-basics-9."),
            ),
        ],
        description=_l("Part of the course's web address: small Latin letters, digits and hyphens."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    summary_kk = TextAreaField(_l("Summary (Қазақша)"), validators=[max_length(2000)], render_kw={"rows": 3})
    summary_ru = TextAreaField(_l("Summary (Русский)"), validators=[max_length(2000)], render_kw={"rows": 3})
    summary_en = TextAreaField(_l("Summary (English)"), validators=[max_length(2000)], render_kw={"rows": 3})
    language = SelectField(
        _l("Content language"),
        choices=LANGUAGE_CHOICES,
        description=_l("Shown where a text is missing in the learner's language."),
    )
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES)
    hours = IntegerField(
        _l("Study hours"),
        default=0,
        validators=[
            required(),
            NumberRange(min=0, max=1000, message=_l("Give a whole number from %(min)s to %(max)s.")),
        ],
    )
    audience = SelectField(
        _l("For"),
        choices=choices(
            [("students", _l("Students")), ("teachers", _l("Teachers")), ("both", _l("Students and teachers"))]
        ),
        default="students",
        description=_l("A teacher who completes a course for teachers counts as trained."),
    )
    # The states the editor may choose are set by the view (``editing.state_choices``).
    state = SelectField(
        _l("Who sees the course"),
        validate_choice=False,
        description=_l("An administrator approves a course for the catalogue; only the catalogue gives certificates."),
    )

    offered: tuple[str, ...] = ()

    def validate_state(self, field: Field) -> None:
        if field.data not in self.offered:
            raise ValidationError(STATE_REFUSED)

    def offer_states(self, states: Sequence[str]) -> None:
        self.offered = tuple(states)
        self.state.choices = choices((state, STATE_CHOICE_LABELS[state]) for state in states)

    def summaries(self) -> dict[str, str | None]:
        return {code: getattr(self, f"summary_{code}").data for code in LANGUAGES}


class ModuleForm(TitledForm):
    prerequisite_id = SelectField(
        _l("Prerequisite"),
        coerce=int,
        default=0,
        # An unlisted module is refused by the service, with its own message.
        validate_choice=False,
        description=_l("The module opens once the required assignments of this earlier module are passed."),
    )


class LessonForm(TitledForm):
    body_kk = TextAreaField(_l("Text in Markdown (Қазақша)"), validators=[max_length(100_000)], render_kw={"rows": 12})
    body_ru = TextAreaField(_l("Text in Markdown (Русский)"), validators=[max_length(100_000)], render_kw={"rows": 12})
    body_en = TextAreaField(_l("Text in Markdown (English)"), validators=[max_length(100_000)], render_kw={"rows": 12})
    minutes = IntegerField(
        _l("Minutes to study"),
        default=10,
        validators=[
            required(),
            NumberRange(min=1, max=600, message=_l("Give a whole number from %(min)s to %(max)s.")),
        ],
    )

    def bodies(self) -> dict[str, str | None]:
        return {code: getattr(self, f"body_{code}").data for code in LANGUAGES}


def _percent(label: Any, default: int, minimum: int = 0) -> IntegerField:
    return IntegerField(
        label,
        default=default,
        validators=[
            required(),
            NumberRange(min=minimum, max=100, message=_l("Give a whole number from %(min)s to %(max)s.")),
        ],
    )


class AssignmentForm(TitledForm):
    pass_mark = _percent(_l("Pass mark (percent of the maximum score)"), 60, minimum=1)
    max_attempts = IntegerField(
        _l("Attempts allowed"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message=_l("Give a whole number from %(min)s to %(max)s.")),
        ],
        description=_l("Leave empty for unlimited attempts."),
    )
    due_at = DateTimeLocalField(
        _l("Due date"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("Optional. In the platform's time zone (Astana)."),
    )
    late_penalty = _percent(_l("Late penalty (percent of the score)"), 0)
    attempt_penalty = _percent(_l("Penalty for each repeated attempt (percent of the score)"), 0)
    show_answers = SelectField(_l("Show the right answers"), choices=SHOW_ANSWERS_CHOICES)
    required = BooleanField(_l("Required for completing the course"), default=True)


class QuestionUploadForm(Form):
    file = FileField(_l("Question file"), validators=[FileRequired(message=_l("Choose a file."))])
    file_format = SelectField(_l("Format"), choices=FORMAT_CHOICES)


class ConfirmForm(Form):
    """A POST with nothing but its CSRF token."""
