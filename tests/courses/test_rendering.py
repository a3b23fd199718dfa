from html.parser import HTMLParser

import pytest

from courses.rendering import render

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<object data=x></object><embed src=x>",
    '<form action="https://evil.example"><input name=a></form>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    '<div onmouseover="alert(1)">hover</div>',
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
]


class Elements(HTMLParser):
    """Collects the elements and attributes a browser would build (escaped text is not an element)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


@pytest.mark.parametrize("text_format", ["markdown", "html", "moodle", "plain"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_no_script_gets_through(attack, text_format):
    parser = Elements()
    parser.feed(str(render(attack, text_format)))
    for tag, attrs in parser.found:
        assert tag not in {"script", "iframe", "object", "embed", "form", "svg", "math", "input", "style"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "style" or "url(" not in (value or ""), (tag, value)
            if name in ("href", "src"):
                scheme = (value or "").strip().lower().split(":", 1)[0]
                assert scheme in ("http", "https", "mailto") or ":" not in (value or ""), (tag, value)


def test_markdown_lessons_render_code_tables_images_and_links():
    text = (
        "# Нейрон\n\nЖасанды **нейрон** — *қарапайым* модель.\n\n"
        "| кіріс | салмақ |\n|---|---|\n| 1 | 0,5 |\n\n"
        "```python\nprint('сәлем')\n```\n\n"
        "![Сурет](/static/img/neuron.png)\n\n[Видео](https://www.youtube.com/watch?v=aircAruvnKk)\n\n~~old~~"
    )
    out = str(render(text, "markdown"))
    assert "<h1>Нейрон</h1>" in out and "<strong>нейрон</strong>" in out
    assert "<table>" in out and "<td>0,5</td>" in out
    assert '<code class="language-python">' in out and "сәлем" in out
    assert '<img src="/static/img/neuron.png" alt="Сурет">' in out
    assert 'href="https://www.youtube.com/watch?v=aircAruvnKk"' in out and 'rel="noopener noreferrer nofollow"' in out
    assert "<s>old</s>" in out


def test_plain_text_is_escaped_once():
    assert str(render("a <b> & c\nnext", "plain")) == "<p>a &lt;b&gt; &amp; c<br>next</p>"
