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

# Code items.
EXPECTED_CODE = _l("Write your program as text.")
CODE_QUEUED = _l("Your code is being checked.")
CODE_CRASHED = _l("Your code could not be run to the end.")
TEST_MEMORY = _l("memory limit reached")
TEST_TIME = _l("time limit reached")
TEST_OUTPUT = _l("output limit reached")
TEST_WRONG_OUTPUT = _l("the output is not the expected one")
TEST_WRONG_VALUE = _l("the value is not the expected one")
TEST_CRASHED = _l("the program stopped")
TEST_EXCEPTION = _l("raised an exception")
CODE_LOAD_FAILED = _l("Your code raised an exception when it was loaded.")
GRADING_FAILED = _l("Your code could not be checked because of a fault on our side; this attempt does not count.")


def code_syntax_error(line: object, message: str) -> object:
    return _l("Syntax error on line %(line)s: %(message)s", line=line if line is not None else "?", message=message)


def code_load_error(exception: str) -> object:
    return _l("Your code raised %(exception)s when it was loaded.", exception=exception)


def test_exception(exception: str) -> object:
    return _l("raised %(exception)s", exception=exception)


def code_test_label(number: int, name: str | None) -> object:
    if name:
        return _l("Example %(number)d (%(name)s)", number=number, name=name)
    return _l("Hidden test %(number)d", number=number)


def code_test_line(label: object, passed: bool, reason: object | None) -> object:
    if passed:
        return _l("%(test)s: passed", test=label)
    return _l("%(test)s: failed, %(reason)s", test=label, reason=reason)


def code_your_values(got: str) -> object:
    return _l("Your values: %(got)s", got=got)


def code_expected_got(expected: str, got: str) -> object:
    return _l("Expected: %(expected)s; got: %(got)s", expected=expected, got=got)
