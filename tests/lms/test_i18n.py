"""The catalogues: complete in kk and ru, in step with the code, placeholders intact."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "lms" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def catalog(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def source_messages():
    found = set()
    for package in ("lms", "courses", "certificates", "accelerator", "analytics"):
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")],
            keywords=KEYWORDS,
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalogue_is_complete(language):
    entries = [m for m in catalog(language) if m.id]
    missing = [m.id for m in entries if not m.string or (isinstance(m.string, tuple) and not all(m.string))]
    fuzzy = [m.id for m in entries if m.fuzzy]
    assert missing == [] and fuzzy == []


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_placeholders_survive_translation(language):
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, message.id


def test_every_text_in_the_code_is_in_the_catalogues():
    """Fails when a new text was added without `make messages` and a translation."""
    in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog("kk") if m.id}
    missing = source_messages() - in_catalogue
    assert missing == set(), "run `make messages` and translate: " + ", ".join(sorted(missing))


def test_kazakh_catalogue_uses_kazakh_letters():
    text = " ".join(m.string for m in catalog("kk") if isinstance(m.string, str))
    assert set("әғқңөұүі") <= set(text.lower())


def test_compiled_catalogues_are_not_committed():
    gitignore = (ROOT / ".gitignore").read_text()
    assert "*.mo" in gitignore


def test_templates_follow_the_request_language_and_a_forced_locale(app):
    from flask_babel import force_locale

    template = app.jinja_env.from_string("{{ _('Home') }}|{{ ngettext('%(num)d item', '%(num)d items', 3) }}")
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert template.render().startswith("Главная|")
        with force_locale("kk"):
            assert template.render().startswith("Басты бет|")
        assert template.render().startswith("Главная|")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert template.render() == "Home|3 items"
