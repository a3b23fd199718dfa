"""The courses package's models, re-exported."""

from courses.models.assignments import Assignment, Attempt, AttemptStatus, CodeRegrade, CodeRun, Item, ShowAnswers
from courses.models.catalog import Course, CourseAudience, CourseState, Lesson, Level, Module, localized
from courses.models.events import LearningEvent
from courses.models.progress import Enrolment, LessonProgress

__all__ = [
    "Assignment",
    "Attempt",
    "AttemptStatus",
    "CodeRegrade",
    "CodeRun",
    "Course",
    "CourseAudience",
    "CourseState",
    "Enrolment",
    "Item",
    "LearningEvent",
    "Lesson",
    "LessonProgress",
    "Level",
    "Module",
    "ShowAnswers",
    "localized",
]
