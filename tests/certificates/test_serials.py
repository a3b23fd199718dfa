from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates import serials

bodies = st.text(alphabet=serials.ALPHABET, min_size=12, max_size=12)


def test_new_serial_shape_and_grouping() -> None:
    serial = serials.new_serial()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{13}", serial)
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}-\w", serials.display(serial))
    assert serials.normalize(serials.display(serial).lower()) == serial
    assert len({serials.new_serial() for _ in range(1000)}) == 1000


def test_look_alikes_are_read_as_digits() -> None:
    body = "0011ABCDEFGH"
    serial = body + serials.check_character(body)
    assert serials.normalize("O" + "o" + "I" + "l" + serial[4:]) == serial


@given(bodies)
def test_every_single_character_typo_is_caught(body: str) -> None:
    serial = body + serials.check_character(body)
    assert serials.is_valid(serial)
    for position in range(len(serial)):
        for char in serials.ALPHABET:
            if char != serial[position]:
                assert not serials.is_valid(serial[:position] + char + serial[position + 1 :])


@given(bodies)
def test_every_adjacent_transposition_is_caught(body: str) -> None:
    serial = body + serials.check_character(body)
    for i in range(len(serial) - 1):
        if serial[i] != serial[i + 1]:
            assert not serials.is_valid(serial[:i] + serial[i + 1] + serial[i] + serial[i + 2 :])


@pytest.mark.parametrize("text", ["", "7K3Q-9XM2-PA4R", "7K3Q-9XM2-PA4R-WW", "7K3Q-9XM2-PA4R-U", "7K3Q 9XM2 PA4R *"])
def test_malformed_serials_are_refused(text: str) -> None:
    with pytest.raises(serials.InvalidSerial):
        serials.normalize(text)


def _reference_normalize(text: str) -> str | None:
    """The rule as first written: white space and hyphens dropped, upper case, look-alikes mapped."""
    compact = "".join(text.split()).replace("-", "").upper()
    if len(compact) != serials.LENGTH or any(char not in serials._VALUES for char in compact):
        return None
    canonical = "".join(serials.ALPHABET[serials._VALUES[char]] for char in compact)
    values = [serials._VALUES[char] for char in canonical]
    return canonical if serials._weighted_sum(values) == 0 else None


def _typed(serial: str) -> st.SearchStrategy[str]:
    """A serial as people type it: any case, look-alikes, hyphens and white space of any kind anywhere."""
    look_alikes = {"0": "0Oo", "1": "1IiLlı"}
    chars = [st.sampled_from(sorted({c, c.lower(), *look_alikes.get(c, "")})) for c in serial]
    noise = st.text(alphabet="- \t\u00a0\u2009\u3000", max_size=2)
    return st.tuples(*[st.tuples(noise, char) for char in chars], noise).map(
        lambda parts: "".join(a + b for a, b in parts[:-1]) + parts[-1]
    )


@given(bodies.flatmap(lambda body: _typed(body + serials.check_character(body))))
def test_the_quick_normalisation_reads_typed_numbers_as_the_rule_says(typed: str) -> None:
    assert serials.normalize(typed) == _reference_normalize(typed)


@given(st.text(max_size=20) | st.text(alphabet=serials.ALPHABET + "oilOILu-ıſ \u00a0", max_size=16))
def test_the_quick_normalisation_refuses_what_the_rule_refuses(text: str) -> None:
    expected = _reference_normalize(text)
    if expected is None:
        with pytest.raises(serials.InvalidSerial):
            serials.normalize(text)
    else:
        assert serials.normalize(text) == expected
