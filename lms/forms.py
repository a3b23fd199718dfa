"""Forms of the app core. They check shape; business rules live in services."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, Regexp

from lms.characters import has_control_characters
from lms.csvfiles import ENCODINGS
from lms.labels import INSTRUCTION_LABELS, KIND_LABELS, ROLE_LABELS, SETTLEMENT_LABELS
from lms.models import InstructionLanguage, Role, SchoolKind, Settlement
from lms.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def choices(pairs: Iterable[tuple[Any, object]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs; labels may be lazy translations."""
    return [SelectChoice(value, label) for value, label in pairs]


def required() -> InputRequired:
    return InputRequired(message=_l("Fill in this field."))


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters."))


def email_format() -> Email:
    return Email(message=_l("This is not a valid e-mail address."))


class Form(FlaskForm):
    """Every form of the platform: Flask-WTF's, and no control characters in what is typed (a text area
    keeps tab and line breaks)."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and has_control_characters(
                field.data, multi_line=isinstance(field, TextAreaField)
            ):
                field.errors = [*field.errors, CONTROL_CHARACTERS]
                valid = False
        return valid


CONTROL_CHARACTERS = _l("Remove the control characters (such as NUL) from this field.")


LANGUAGE_CHOICES = choices([("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")])


def _new_password(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            required(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("Use between %(min)d and %(max)d characters."),
            ),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )


def _confirm() -> PasswordField:
    return PasswordField(
        _l("Repeat the new password"),
        validators=[required(), EqualTo("new_password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[required(), max_length(254)], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"),
        validators=[required(), max_length(MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class RegisterForm(Form):
    full_name = StringField(
        _l("Full name"), validators=[required(), max_length(200)], render_kw={"autocomplete": "name"}
    )
    email = EmailField(
        _l("E-mail"), validators=[required(), email_format(), max_length(254)], render_kw={"autocomplete": "email"}
    )
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    new_password = _new_password(_l("Password"))
    confirm = _confirm()
    submit = SubmitField(_l("Create account"))


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[required()], render_kw={"autocomplete": "current-password"}
    )
    new_password = _new_password(_l("New password"))
    confirm = _confirm()
    submit = SubmitField(_l("Change password"))


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail"), validators=[required(), max_length(254)], render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(Form):
    new_password = _new_password(_l("New password"))
    confirm = _confirm()
    submit = SubmitField(_l("Set password"))


class ProfileForm(Form):
    full_name = StringField(
        _l("Full name"), validators=[required(), max_length(200)], render_kw={"autocomplete": "name"}
    )
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Save"))


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    next = HiddenField()


class JoinClassForm(Form):
    code = StringField(
        _l("Class code"),
        validators=[required(), max_length(20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Join"))


class ClassForm(Form):
    name = StringField(
        _l("Class name"), validators=[required(), max_length(100)], description=_l("For example: 9 A, or IT-21 group")
    )
    academic_year = StringField(
        _l("Academic year"),
        validators=[required(), Regexp(r"^\d{4}-\d{4}$", message=_l("Write the year as 2026-2027."))],
    )
    submit = SubmitField(_l("Create class"))


class CsvUploadForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a file.")), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))],
    )
    encoding = SelectField(
        _l("Encoding"),
        choices=choices([("", _l("Recognise it from the file")), *ENCODINGS.items()]),
        default="",
        description=_l("Change it if names come out garbled."),
    )
    submit = SubmitField(_l("Import"))


class StagedImportForm(Form):
    """An uploaded file's preview: read again in another encoding, or confirmed."""

    token = HiddenField(validators=[required(), max_length(64)])
    encoding = SelectField(
        _l("Encoding"), choices=choices([("", _l("Recognise it from the file")), *ENCODINGS.items()]), default=""
    )


def _enum_choices(enum_type: type[enum.Enum], labels: dict[str, object]) -> list[SelectChoice]:
    return choices((member.value, labels.get(member.value, member.value)) for member in enum_type)


class SchoolForm(Form):
    name = StringField(_l("Name"), validators=[required(), max_length(300)])
    code = StringField(_l("Code (BIN)"), validators=[required(), max_length(32)])
    region_id = SelectField(_l("Region"), coerce=int)
    district_id = SelectField(
        _l("District"), coerce=int, default=0, description=_l("Optional; it must lie in the school's region.")
    )
    kind = SelectField(_l("Kind"), choices=_enum_choices(SchoolKind, KIND_LABELS))
    language = SelectField(
        _l("Language of instruction"), choices=_enum_choices(InstructionLanguage, INSTRUCTION_LABELS)
    )
    settlement = SelectField(_l("Settlement"), choices=_enum_choices(Settlement, SETTLEMENT_LABELS))
    submit = SubmitField(_l("Save"))


class UserForm(Form):
    full_name = StringField(_l("Full name"), validators=[required(), max_length(200)])
    email = EmailField(_l("E-mail"), validators=[required(), email_format(), max_length(254)])
    role = SelectField(_l("Role"), choices=_enum_choices(Role, ROLE_LABELS))
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    scope_region_id = SelectField(
        _l("Scope (officials)"), coerce=int, description=_l("The region an official sees, or the whole country.")
    )
    school_code = StringField(
        _l("School code"),
        validators=[Optional(), max_length(32)],
        description=_l("The school or university a teacher or student belongs to."),
    )
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))
