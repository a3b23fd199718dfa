"""Importers against the public fixtures in tests/fixtures/interop (EXPECTED.md) and files of our own."""

import pytest

from courses.grading.registry import grade
from courses.importers import gift, moodlexml, qti
from courses.importers.items import ImportFailed
from tests.fixtures import INTEROP


def fixture(relative: str) -> bytes:
    return (INTEROP / relative).read_bytes()


def scores(item, responses):
    return [grade(item.type, item.spec, response).score for response in responses]


# GIFT: moodle_questions.gift.txt -------------------------------------------------


@pytest.fixture(scope="module")
def moodle_gift():
    return gift.parse(fixture("gift/moodle_questions.gift.txt")).items


def test_gift_fixture_has_nine_questions_with_their_titles(moodle_gift):
    assert [q.title for q in moodle_gift] == [
        "Q8",
        "Moodle activities",
        "Q2",
        "colours",
        "Q5",
        "Shortanswer",
        "Q1",
        "2-08 TSL",
        "2-08 TSL",
    ]
    assert [q.type for q in moodle_gift] == [
        "essay",
        "matching",
        "single_choice",
        "multiple_choice",
        "numeric",
        "short_text",
        "single_choice",
        "single_choice",
        "single_choice",
    ]


def test_gift_essay(moodle_gift):
    assert grade("essay", moodle_gift[0].spec, "Fine, thanks.").pending


def test_gift_matching_has_four_pairs_and_the_unmatched_chat(moodle_gift):
    matching = moodle_gift[1]
    assert matching.prompt_format == "html" and "<b>activity</b>" in matching.prompt
    assert len(matching.spec["pairs"]) == 4
    rights = {r["id"]: r["text"] for r in matching.spec["rights"]}
    assert sorted(rights.values()) == ["Chat", "Choice", "Database", "Forum", "Wiki"]
    right_answers = {p["id"]: p["right"] for p in matching.spec["pairs"]}
    assert scores(matching, [right_answers])[0] == 1
    chat = next(i for i, t in rights.items() if t == "Chat")
    assert scores(matching, [{**right_answers, "l1": chat}])[0] == 0.75


def test_gift_single_choice_with_feedback(moodle_gift):
    q2 = moodle_gift[2]
    by_text = {c["text"]: c["id"] for c in q2.spec["choices"]}
    assert scores(q2, [by_text["yellow"], by_text["red"], by_text["blue"]]) == [1, 0, 0]
    assert grade(q2.type, q2.spec, by_text["red"]).feedback == ["wrong, it's yellow"]


def test_gift_multiple_response_weights(moodle_gift):
    colours = moodle_gift[3]
    ids = {c["text"]: c["id"] for c in colours.spec["choices"]}
    assert [c["credit"] for c in colours.spec["choices"]] == [0.5, -1, 0.5, -1]
    assert scores(colours, [[ids["yellow"], ids["off-beige"]], [ids["yellow"]], [ids["yellow"], ids["red"]]]) == [
        1,
        0.5,
        0,
    ]


def test_gift_numeric_three_plus_minus_two(moodle_gift):
    q5 = moodle_gift[4]
    assert scores(q5, [1, 3, 5, "4,5", 0.9, 5.1]) == [1, 1, 1, 1, 0, 0]
    assert grade(q5.type, q5.spec, 7).feedback == ["Completely wrong"]


def test_gift_short_answer(moodle_gift):
    short = moodle_gift[5]
    assert scores(short, ["Frog", "frog", "Cat", "dog"]) == [1, 1, 0.5, 0]
    assert grade(short.type, short.spec, "dog").feedback == ["Completely wrong"]


def test_gift_true_false_with_general_feedback(moodle_gift):
    q1, tsl_t, tsl_true = moodle_gift[6], moodle_gift[7], moodle_gift[8]
    assert scores(q1, ["false", "true"]) == [1, 0]
    assert q1.general_feedback == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert grade(q1.type, q1.spec, "false").feedback == ["You gave the right answer."]
    assert grade(q1.type, q1.spec, "true").feedback == ["42 is the Ultimate Answer."]
    assert scores(tsl_t, ["true", "false"]) == [1, 0] and scores(tsl_true, ["true", "false"]) == [1, 0]


def test_truncated_gift_fixture_imports_nothing_and_names_the_line():
    data = fixture("gift/moodle_questions.gift.txt")
    cut = data.index(b"{", data.index(b"::colours::")) + 20
    with pytest.raises(ImportFailed) as info:
        gift.parse(data[:cut])
    line = data[: data.index(b"::colours::")].count(b"\n") + 1
    assert info.value.where == f"line {line}"
    assert "never closed" in info.value.problem


GIFT_OWN = """\
$CATEGORY: AI/Basics

// a missing-word question with an escaped colon and a markdown prompt
::Missing word::[markdown]The **ratio** 1\\:2 is written {=one to two ~two to one} in words.

::Range::How many layers? {#2..4}

::Several numbers::Name pi.{#
  =3.1416:0.0001#Exact.
  =%50%3.14:0.01#Close.
}

::Escapes::Which sign means equality? {=\\= ~\\~ ~\\#}

A description without answers.

::Жасанды интеллект::Қазақша сұрақ: ЖИ дегеніміз не?{=жасанды интеллект =%50%ЖИ}
"""


def test_gift_own_file_covers_the_rest_of_the_format():
    result = gift.parse(GIFT_OWN.encode())
    items = {item.title: item for item in result.items}
    missing = items["Missing word"]
    assert missing.category == "AI/Basics" and missing.prompt_format == "markdown"
    assert missing.prompt == "The **ratio** 1:2 is written _____ in words."
    assert scores(items["Range"], [2, 3.5, 4, 5]) == [1, 1, 1, 0]
    assert scores(items["Several numbers"], [3.14159, 3.139, 3]) == [1, 0.5, 0]
    escapes = items["Escapes"]
    assert [c["text"] for c in escapes.spec["choices"]] == ["=", "~", "#"]
    assert scores(items["Жасанды интеллект"], ["Жасанды интеллект", "жи"]) == [1, 0.5]
    assert any("description" in line for line in result.skipped)
    assert result.counts() == {"single_choice": 2, "numeric": 2, "short_text": 1}


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("::Q::No closing brace {=a ~b\n", "line 1", "never closed"),
        ("\n\n::Q:: A } stray\n", "line 3", "'}' without '{'"),
        ("::Q No title end {=a}\n", "line 1", "no closing '::'"),
        ("::Q::Weights {~%x%a ~b}\n", "line 1", "malformed weight"),
        ("::Q::Weights {~%150%a ~b}\n", "line 1", "outside -100..100"),
        ("::Q::Two right {=a =b ~c}\n", "line 1", "more than one '='"),
        ("::Q::No credit {~a ~b}\n", "line 1", "no answer earns any credit"),
        ("::Q::Pairs {=a -> b}\n", "line 1", "at least two pairs"),
        ("::Q::Numbers {#three}\n", "line 1", "not a number"),
        ("::Q::Text first {oops =a}\n", "line 1", "unexpected text"),
        ("::Q::Nested {=a {b}}\n", "line 1", "second '{'"),
        ("// only a comment\n", "file", "no questions"),
    ],
)
def test_malformed_gift_names_the_line(text, where, problem):
    with pytest.raises(ImportFailed) as info:
        gift.parse(text.encode())
    assert info.value.where == where and problem in info.value.problem


def test_gift_must_be_utf8():
    with pytest.raises(ImportFailed, match="UTF-8"):
        gift.parse("::Q::Вопрос {=ответ}".encode("cp1251"))


# Moodle XML ---------------------------------------------------------------------


def test_moodle_xml_fixture():
    result = moodlexml.parse(fixture("moodlexml/moodle_shortanswer_testquestion.moodle.xml"))
    (item,) = result.items
    assert item.type == "short_text" and item.category == "$course$/Test questions"
    assert scores(item, ["frog", "Toad", "cat"]) == [1, 0.8, 0]
    assert result.skipped == ["question 1 (type category): category $course$/Test questions"]


def test_truncated_moodle_xml_names_line_and_column():
    data = fixture("moodlexml/moodle_shortanswer_testquestion.moodle.xml")
    with pytest.raises(ImportFailed) as info:
        moodlexml.parse(data[: len(data) // 2])
    assert info.value.where.startswith("line ") and "column" in info.value.where


MOODLE_OWN = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice"><name><text>One</text></name>
    <questiontext format="html"><text><![CDATA[<p>Which is a model?</p>]]></text></questiontext>
    <defaultgrade>2</defaultgrade><single>true</single>
    <answer fraction="100"><text>GPT</text><feedback><text>Yes</text></feedback></answer>
    <answer fraction="0"><text>CSV</text></answer>
  </question>
  <question type="multichoice"><name><text>Many</text></name>
    <questiontext><text>Pick the languages</text></questiontext><single>false</single>
    <answer fraction="50"><text>Python</text></answer>
    <answer fraction="50"><text>R</text></answer>
    <answer fraction="-100"><text>HTML</text></answer>
  </question>
  <question type="truefalse"><name><text>TF</text></name>
    <questiontext><text>Data is the new oil.</text></questiontext>
    <answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer>
  </question>
  <question type="numerical"><name><text>Num</text></name>
    <questiontext><text>2+2?</text></questiontext>
    <answer fraction="100"><text>4</text><tolerance>0.5</tolerance></answer>
  </question>
  <question type="matching"><name><text>Match</text></name>
    <questiontext><text>Match</text></questiontext>
    <subquestion><text>cat</text><answer><text>meow</text></answer></subquestion>
    <subquestion><text>dog</text><answer><text>woof</text></answer></subquestion>
    <subquestion><text>kitten</text><answer><text>meow</text></answer></subquestion>
    <subquestion><text></text><answer><text>moo</text></answer></subquestion>
  </question>
  <question type="essay"><name><text>Essay</text></name><questiontext><text>Why?</text></questiontext></question>
  <question type="description"><name><text>Intro</text></name><questiontext><text>Hi</text></questiontext></question>
</quiz>"""


def test_moodle_xml_own_file():
    result = moodlexml.parse(MOODLE_OWN)
    items = {item.title: item for item in result.items}
    assert [i.type for i in result.items] == [
        "single_choice",
        "multiple_choice",
        "single_choice",
        "numeric",
        "matching",
        "essay",
    ]
    assert items["One"].spec["points"] == 2 and items["One"].prompt == "<p>Which is a model?</p>"
    assert scores(items["One"], ["c1", "c2"]) == [2, 0]
    assert scores(items["Many"], [["c1", "c2"], ["c1", "c3"]]) == [1, 0]
    assert scores(items["TF"], ["false", "true"]) == [1, 0]
    assert scores(items["Num"], [4.4, 5]) == [1, 0]
    match = items["Match"]
    assert len(match.spec["rights"]) == 3  # "meow" shared, "moo" a distractor
    right = {p["left"]: p["right"] for p in match.spec["pairs"]}
    assert scores(match, [{p["id"]: p["right"] for p in match.spec["pairs"]}]) == [1]
    assert right["cat"] == right["kitten"]
    assert any("not supported" in line for line in result.skipped)


@pytest.mark.parametrize(
    ("xml", "where", "problem"),
    [
        (
            b"<quiz><question type='multichoice'><questiontext><text>x</text></questiontext>"
            b"<answer fraction='lots'><text>a</text></answer></question></quiz>",
            "question 1 (type multichoice)",
            "is not a number",
        ),
        (
            b"<quiz><question type='numerical'><questiontext><text>x</text></questiontext>"
            b"<answer fraction='100'><text>four</text></answer></question></quiz>",
            "question 1 (type numerical)",
            "not numeric",
        ),
        (
            b"<quiz><question type='telepathy'><questiontext/></question></quiz>",
            "question 1 (type telepathy)",
            "unknown question type",
        ),
        (b"<quiz><question type='essay'/></quiz>", "question 1 (type essay)", "no <questiontext>"),
        (
            b"<quiz><question type='shortanswer'><questiontext><text>x</text></questiontext></question></quiz>",
            "question 1 (type shortanswer)",
            "no <answer>",
        ),
        (b"<html/>", "<html>", "starts with <quiz>"),
        (b"<quiz></quiz>", "<quiz>", "no <question>"),
    ],
)
def test_malformed_moodle_xml_names_the_element(xml, where, problem):
    with pytest.raises(ImportFailed) as info:
        moodlexml.parse(xml)
    assert info.value.where == where and problem in info.value.problem


@pytest.mark.parametrize("module", [moodlexml, qti])
def test_xml_bombs_and_external_entities_are_refused(module):
    bomb = b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><quiz>&b;</quiz>'
    external = b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>'
    for document in (bomb, external):
        with pytest.raises(ImportFailed, match="refused"):
            module.parse(document)


# QTI ----------------------------------------------------------------------------


def test_qti21_choice_multiple_partial_credit():
    (item,) = qti.parse(fixture("qti/qti21_choice_multiple_partial_credit.xml")).items
    assert item.type == "multiple_choice" and item.title == "Composition of Water"
    assert "Which of the following elements" in item.prompt
    assert scores(item, [["H", "O"], ["H", "O", "Cl"], ["H"], ["H", "He"], ["C", "N", "O"], []]) == [2, 1, 1, 0, 0, 0]


def test_qti21_text_entry_is_case_sensitive():
    (item,) = qti.parse(fixture("qti/qti21_text_entry.xml")).items
    assert item.type == "short_text" and "_____" in item.prompt
    assert scores(item, ["York", "york", "YORK", "Lancaster"]) == [1, 0.5, 0, 0]


def test_canvas_qti12_numeric_margin():
    (item,) = qti.parse(fixture("qti/canvas_qti12_numeric_margin_error.xml")).items
    assert item.type == "numeric"
    assert scores(item, [77, 70, 84, 69.99, 84.01]) == [1, 1, 1, 0, 0]


@pytest.mark.parametrize(
    "name",
    ["qti21_choice_multiple_partial_credit.xml", "qti21_text_entry.xml", "canvas_qti12_numeric_margin_error.xml"],
)
def test_truncated_qti_names_line_and_column(name):
    data = fixture(f"qti/{name}")
    with pytest.raises(ImportFailed) as info:
        qti.parse(data[: len(data) * 2 // 3])
    assert info.value.where.startswith("line ")


QTI_MATCH_CORRECT = b"""<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="mc" title="Match">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">
    <correctResponse><value>A</value><value>C</value></correctResponse>
  </responseDeclaration>
  <itemBody><choiceInteraction responseIdentifier="RESPONSE" maxChoices="0"><prompt>Pick</prompt>
    <simpleChoice identifier="A">a</simpleChoice><simpleChoice identifier="B">b</simpleChoice>
    <simpleChoice identifier="C">c</simpleChoice></choiceInteraction></itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</assessmentItem>"""


def test_qti_match_correct_multiple_is_all_or_nothing():
    (item,) = qti.parse(QTI_MATCH_CORRECT).items
    assert scores(item, [["A", "C"], ["A"], ["A", "B", "C"]]) == [1, 0, 0]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            (b'identifier="RESPONSE" cardinality', b'identifier="OTHER" cardinality'),
            "<responseDeclaration identifier='RESPONSE'>",
        ),
        ((b"choiceInteraction", b"sliderInteraction"), "<sliderInteraction>"),
        ((b"rptemplates/match_correct", b"rptemplates/map_response_point"), "<responseProcessing>"),
    ],
)
def test_malformed_qti_names_the_element(change, where):
    with pytest.raises(ImportFailed) as info:
        qti.parse(QTI_MATCH_CORRECT.replace(*change))
    assert info.value.where == where
