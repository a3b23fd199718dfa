"""Display names of the core's enumerations, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.models import Role, TaskStatus

ROLE_LABELS = {
    "student": _l("Student"),
    "teacher": _l("Teacher"),
    "mentor": _l("Mentor"),
    "official": _l("Official"),
    "admin": _l("Administrator"),
}
KIND_LABELS = {"school": _l("School"), "college": _l("College"), "university": _l("University")}
SETTLEMENT_LABELS = {"urban": _l("Urban"), "rural": _l("Rural")}
INSTRUCTION_LABELS = {"kk": "Қазақша", "ru": "Русский", "en": "English", "mixed": _l("Mixed")}
STATUS_LABELS = {
    "queued": _l("Waiting to start"),
    "running": _l("In progress"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}
TASK_LABELS = {
    "invitations": _l("Sending invitations"),
    "certificates_zip": _l("ZIP file of certificates"),
    "analytics_report": _l("Progress report"),
}


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS.get(str(role), str(role)))


def status_label(status: TaskStatus | str) -> str:
    return str(STATUS_LABELS.get(str(status), str(status)))


def task_label(kind: str) -> str:
    return str(TASK_LABELS.get(kind, kind))


def template_globals() -> dict[str, object]:
    return {
        "role_label": role_label,
        "role_labels": ROLE_LABELS,
        "kind_labels": KIND_LABELS,
        "status_label": status_label,
        "task_label": task_label,
    }
