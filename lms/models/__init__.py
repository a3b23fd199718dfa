"""The app core's models, re-exported so ``from lms.models import User`` works."""

from lms.models.org import (
    ClassMembership,
    District,
    InstructionLanguage,
    Region,
    School,
    SchoolClass,
    SchoolKind,
    Settlement,
)
from lms.models.tasks import TaskProgress, TaskStatus
from lms.models.users import ApiToken, Role, SignIn, User

__all__ = [
    "ApiToken",
    "ClassMembership",
    "District",
    "InstructionLanguage",
    "Region",
    "Role",
    "School",
    "SchoolClass",
    "SchoolKind",
    "Settlement",
    "SignIn",
    "TaskProgress",
    "TaskStatus",
    "User",
]
