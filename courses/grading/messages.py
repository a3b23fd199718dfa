"""What a grader tells a student about a response it cannot grade (translated when shown)."""

from flask_babel import lazy_gettext as _l

EXPECTED_CHOICE = _l("Choose one of the answers.")
NO_SUCH_CHOICE = _l("This answer is not one of the choices.")
EXPECTED_CHOICES = _l("Choose answers from the list.")
CHOICE_TWICE = _l("An answer is chosen twice.")
EXPECTED_NUMBER = _l("Write a number, for example 3,5.")
EXPECTED_TEXT = _l("Write your answer as text.")
TOO_LONG = _l("The answer is too long.")
EXPECTED_PAIRS = _l("Match each item with one from the other list.")
NO_SUCH_ITEM = _l("This item is not in the question.")
EXPECTED_ORDER = _l("Put the items in order.")
EVERY_ITEM_ONCE = _l("Use every item exactly once.")
NOT_GRADED = _l("This question could not be graded; your answer is saved.")
