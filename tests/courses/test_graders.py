"""Every item type's grader: right, partly right, wrong, and bad input."""

import pytest

from courses.grading import messages as msg
from courses.grading.registry import ITEM_TYPES, UnknownItemType, grade, item_type

SINGLE = {
    "points": 2,
    "choices": [
        {"id": "a", "text": "Neural network", "credit": 1, "feedback": "Yes."},
        {"id": "b", "text": "Decision tree", "credit": 0.5, "feedback": "Partly."},
        {"id": "c", "text": "Spreadsheet", "credit": 0},
    ],
}
MULTI = {
    "points": 1,
    "choices": [
        {"id": "a", "credit": 0.5, "feedback": "A is right."},
        {"id": "b", "credit": -1},
        {"id": "c", "credit": 0.5},
        {"id": "d", "credit": -1},
    ],
}
NUMERIC = {
    "points": 1,
    "answers": [
        {"value": 3, "tolerance": 2, "credit": 1},
        {"value": 100, "tolerance": 0.05, "relative": True, "credit": 0.5},
        {"min": 10, "max": 20, "credit": 0.25, "feedback": "In range."},
    ],
}
TEXT = {
    "points": 1,
    "answers": [
        {"text": "Frog", "credit": 1},
        {"text": "Cat", "credit": 0.5, "feedback": "Half."},
        {"regex": "^(deep )?learning$", "credit": 1},
        {"text": "machine*", "credit": 0.75},
        {"text": "*", "credit": 0, "feedback": "Not quite."},
    ],
}
MATCHING = {
    "points": 4,
    "pairs": [{"id": "l1", "left": "cat", "right": "r1"}, {"id": "l2", "left": "dog", "right": "r2"}],
    "rights": [{"id": "r1", "text": "meows"}, {"id": "r2", "text": "barks"}, {"id": "r3", "text": "chats"}],
}
ORDERING = {
    "points": 3,
    "items": [{"id": "x", "text": "data"}, {"id": "y", "text": "train"}, {"id": "z", "text": "test"}],
}
ESSAY = {"points": 5}


def score(type_name, spec, response):
    return grade(type_name, spec, response).score


@pytest.mark.parametrize(("response", "expected"), [("a", 2), ("b", 1), ("c", 0)])
def test_single_choice_with_partial_credit(response, expected):
    assert score("single_choice", SINGLE, response) == expected


def test_single_choice_feedback_is_the_chosen_ones():
    assert grade("single_choice", SINGLE, "b").feedback == ["Partly."]


@pytest.mark.parametrize(
    ("response", "expected"),
    [(["a", "c"], 1), (["a"], 0.5), (["a", "b"], 0), (["a", "c", "d"], 0), ([], 0), (["b", "d"], 0)],
)
def test_multiple_choice_weights_and_floor_at_zero(response, expected):
    assert score("multiple_choice", MULTI, response) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (3, 1),
        ("1", 1),
        ("5,0", 1),
        (" 4.999 ", 1),
        (5.0000000001, 1),
        (0.99, 0),
        ("104,9", 0.5),
        (95.5, 0.5),
        (94, 0),
        (15, 0.25),
        ("1 0", 0.25),
        (21, 0),
    ],
)
def test_numeric_tolerance_relative_tolerance_and_ranges(response, expected):
    assert score("numeric", NUMERIC, response) == expected


def test_floating_point_sums_match_exactly():
    assert score("numeric", {"answers": [{"value": 0.3}]}, 0.1 + 0.2) == 1


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Frog", 1),
        ("  fRoG ", 1),
        ("ｆｒｏｇ", 1),
        ("cat", 0.5),
        ("deep learning", 1),
        ("Learning", 1),
        ("machine learning", 0.75),
        ("dog", 0),
        ("", 0),
    ],
)
def test_short_text(response, expected):
    assert score("short_text", TEXT, response) == expected


def test_short_text_first_matching_answer_wins_and_gives_its_feedback():
    result = grade("short_text", TEXT, "horse")
    assert result.score == 0 and result.feedback == ["Not quite."]


def test_case_sensitive_short_text():
    spec = {"answers": [{"text": "York", "credit": 1}, {"text": "york", "credit": 0.5}], "case_sensitive": True}
    assert [score("short_text", spec, r) for r in ("York", "york", "YORK")] == [1, 0.5, 0]


def test_kazakh_answers_compare_after_normalisation():
    spec = {"answers": [{"text": "Жасанды интеллект"}]}
    assert score("short_text", spec, "ЖАСАНДЫ   ИНТЕЛЛЕКТ") == 1


def test_hostile_regex_input_is_linear_time():
    spec = {"answers": [{"regex": "(a+)+$"}]}
    assert score("short_text", spec, "a" * 9_000 + "!") == 0


#: Answers a student can send (the longest short text is 10,000 characters) built to make a backtracking
#: matcher explore every way to split them; each is graded well within the bound (0.5 ms on the dev VM).
ADVERSARIAL = [
    ("wildcard", {"text": "*data*science*model*ai*"}, ("data science model " * 527)[:10_000]),
    ("wildcard", {"text": "*a*a*a*a*a*a*a*a*b"}, "a" * 10_000),
    ("wildcard", {"text": "*x*y*"}, "x\n" * 5_000),
    ("regex", {"regex": "(a+)+$"}, "a" * 9_999 + "!"),
    ("regex", {"regex": "(a|aa)*c"}, "a" * 10_000),
    ("regex", {"regex": "(.*a){12}"}, "a" * 10_000),
]


@pytest.mark.parametrize(("kind", "answer", "response"), ADVERSARIAL, ids=lambda value: str(value)[:24])
def test_wildcards_and_regexes_match_adversarial_answers_in_linear_time(kind, answer, response):
    import time

    started = time.perf_counter()
    result = grade("short_text", {"answers": [answer]}, response)
    assert time.perf_counter() - started < 2.0  # generous: linear matching takes a millisecond here
    assert result.max_score == 1


@pytest.mark.parametrize(
    ("pattern", "response", "expected"),
    [
        ("*data*science*", "big data and science", 1),
        ("*data*science*", "science before data", 0),
        ("a.b*", "A.Bc", 1),
        ("a.b*", "axbc", 0),  # only * is special: a dot is a dot
        ("(x)*", "(x) and more", 1),
        ("*", "", 1),
        ("Қазақ*", "қазақстан", 1),
        ("line*end", "line\nand the end", 1),
    ],
)
def test_wildcards_keep_their_meaning(pattern, response, expected):
    assert score("short_text", {"answers": [{"text": pattern}]}, response) == expected


def test_broken_regex_in_a_spec_does_not_crash():
    assert score("short_text", {"answers": [{"regex": "(unclosed"}]}, "x") == 0


@pytest.mark.parametrize(
    ("response", "expected"), [({"l1": "r1", "l2": "r2"}, 4), ({"l1": "r1", "l2": "r3"}, 2), ({}, 0)]
)
def test_matching_partial_credit_per_pair(response, expected):
    assert score("matching", MATCHING, response) == expected


def test_matching_shows_rights_in_an_order_that_does_not_give_answers_away():
    public = item_type("matching").public(MATCHING)
    assert [r["text"] for r in public["rights"]] == ["barks", "chats", "meows"]
    assert "right" not in str(public["lefts"])


@pytest.mark.parametrize(("response", "expected"), [(["x", "y", "z"], 3), (["x", "z", "y"], 1), (["z", "y", "x"], 1)])
def test_ordering_partial(response, expected):
    assert score("ordering", ORDERING, response) == expected


def test_ordering_all_or_nothing():
    spec = {**ORDERING, "partial": False}
    assert score("ordering", spec, ["x", "z", "y"]) == 0 and score("ordering", spec, ["x", "y", "z"]) == 3


def test_essay_is_pending_for_the_teacher():
    result = grade("essay", ESSAY, "My essay about AI ethics.")
    assert result.pending and result.score == 0 and result.max_score == 5 and not result.correct


@pytest.mark.parametrize(
    ("type_name", "spec", "response", "problem"),
    [
        ("single_choice", SINGLE, None, msg.EXPECTED_CHOICE),
        ("single_choice", SINGLE, ["a"], msg.EXPECTED_CHOICE),
        ("single_choice", SINGLE, "zz", msg.NO_SUCH_CHOICE),
        ("multiple_choice", MULTI, "a", msg.EXPECTED_CHOICES),
        ("multiple_choice", MULTI, ["a", "a"], msg.CHOICE_TWICE),
        ("multiple_choice", MULTI, ["a", 1], msg.EXPECTED_CHOICES),
        ("multiple_choice", MULTI, ["q"], msg.NO_SUCH_CHOICE),
        ("multiple_choice", MULTI, ["a"] * 1000, msg.EXPECTED_CHOICES),
        ("numeric", NUMERIC, "three", msg.EXPECTED_NUMBER),
        ("numeric", NUMERIC, True, msg.EXPECTED_NUMBER),
        ("numeric", NUMERIC, float("nan"), msg.EXPECTED_NUMBER),
        ("numeric", NUMERIC, "1e999", msg.EXPECTED_NUMBER),
        ("numeric", NUMERIC, None, msg.EXPECTED_NUMBER),
        ("short_text", TEXT, 12, msg.EXPECTED_TEXT),
        ("short_text", TEXT, "x" * 20_000, msg.TOO_LONG),
        ("matching", MATCHING, ["r1"], msg.EXPECTED_PAIRS),
        ("matching", MATCHING, {"l9": "r1"}, msg.NO_SUCH_ITEM),
        ("matching", MATCHING, {"l1": "r9"}, msg.NO_SUCH_ITEM),
        ("matching", MATCHING, {"l1": 1}, msg.EXPECTED_PAIRS),
        ("ordering", ORDERING, ["x", "y"], msg.EVERY_ITEM_ONCE),
        ("ordering", ORDERING, ["x", "y", "y"], msg.EVERY_ITEM_ONCE),
        ("ordering", ORDERING, "xyz", msg.EXPECTED_ORDER),
        ("essay", ESSAY, {"text": "x"}, msg.EXPECTED_TEXT),
    ],
)
def test_bad_responses_are_named_and_score_zero(type_name, spec, response, problem):
    kind = item_type(type_name)
    assert kind.validate(spec, response) == problem
    result = grade(type_name, spec, response)
    assert result.score == 0 and result.feedback == [problem]


def test_good_responses_validate():
    for type_name, spec, response in [
        ("single_choice", SINGLE, "a"),
        ("multiple_choice", MULTI, []),
        ("numeric", NUMERIC, "2,5"),
        ("short_text", TEXT, ""),
        ("matching", MATCHING, {"l1": "r3"}),
        ("ordering", ORDERING, ["z", "x", "y"]),
        ("essay", ESSAY, ""),
    ]:
        assert item_type(type_name).validate(spec, response) is None, type_name


def test_public_views_never_show_answers():
    for type_name, spec in [
        ("single_choice", SINGLE),
        ("multiple_choice", MULTI),
        ("numeric", NUMERIC),
        ("short_text", TEXT),
        ("matching", MATCHING),
        ("ordering", ORDERING),
        ("essay", ESSAY),
    ]:
        public = str(item_type(type_name).public(spec))
        for secret in ("credit", "feedback", "Frog", "learning", "tolerance", "'right'"):
            assert secret not in public, (type_name, secret)


def test_unknown_type():
    with pytest.raises(UnknownItemType):
        grade("telepathy", {}, "x")
    assert set(ITEM_TYPES) == {
        "single_choice",
        "multiple_choice",
        "numeric",
        "short_text",
        "matching",
        "ordering",
        "essay",
        "code",
    }


def test_a_broken_spec_scores_zero_with_a_reason_instead_of_failing():
    result = grade("numeric", {"answers": [{"value": 3, "tolerance": "wide"}]}, 3)
    assert 0 <= result.score <= result.max_score


def test_points_must_be_positive_and_finite():
    for bad in (float("inf"), float("nan"), -2, 0, True, "5"):
        assert grade("single_choice", {**SINGLE, "points": bad}, "a").max_score == 1
    assert grade("single_choice", {**SINGLE, "points": 1e9}, "a").max_score == 1000
