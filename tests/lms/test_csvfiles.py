import codecs

import pytest

from lms.csvfiles import CsvFileError, decode, read_rows

HEADER = ("email", "full_name")


def test_reads_comma_semicolon_and_tab_files():
    for sep in (",", ";", "\t"):
        data = f"email{sep}full_name\na@example.org{sep}Әлия Сейітова\n".encode()
        rows = read_rows(data, HEADER)
        assert [(r.line, r.get("email"), r.get("full_name")) for r in rows] == [(2, "a@example.org", "Әлия Сейітова")]


def test_reads_excel_encodings():
    text = "Email;Full Name\r\nb@example.org;Иван Петров\r\n"
    for data in (
        codecs.BOM_UTF8 + text.encode(),
        text.encode("utf-16"),
        text.encode("cp1251"),
    ):
        assert read_rows(data, HEADER)[0].get("full_name") == "Иван Петров"


def test_kazakh_letters_survive_utf8():
    assert decode("ӘҒҚҢӨҰҮҺІ".encode()) == ("ӘҒҚҢӨҰҮҺІ", "utf-8")


def test_doubled_quotes_inside_a_quoted_field_are_one_quote():
    rows = read_rows(b'email,full_name\r\na@example.org,"Aigerim ""Aika"" Nurlan"\r\n', HEADER)
    assert rows[0].get("full_name") == 'Aigerim "Aika" Nurlan'


def test_the_encoding_is_decided_from_the_bytes():
    western = "email;full_name\nj@example.org;José Müller\nf@example.org;François Ñúñez\n".encode("cp1252")
    cyrillic = "email,full_name\ni@example.org,Иван Петров\nm@example.org,Мария Сидорова\n".encode("cp1251")
    assert [r.get("full_name") for r in read_rows(western, HEADER)] == ["José Müller", "François Ñúñez"]
    assert [r.get("full_name") for r in read_rows(cyrillic, HEADER)] == ["Иван Петров", "Мария Сидорова"]


def test_the_person_importing_can_name_the_encoding(app):
    data = "email,full_name\nj@example.org,José\n".encode("cp1252")
    assert read_rows(data, HEADER, encoding="cp1252")[0].get("full_name") == "José"
    assert read_rows(data, HEADER, encoding="cp1251")[0].get("full_name") == "Josй"  # what was asked for
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(CsvFileError, match="UTF-8"):
        read_rows(data, HEADER, encoding="utf-8")


def test_blank_lines_are_skipped_and_line_numbers_kept():
    rows = read_rows(b"email,full_name\n\na@example.org,A\n,\nb@example.org,B\n", HEADER)
    assert [r.line for r in rows] == [3, 5]


def test_quoted_fields_with_separators():
    rows = read_rows(b'email,full_name\na@example.org,"Seitova, Aliya"\n', HEADER)
    assert rows[0].get("full_name") == "Seitova, Aliya"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"name,mail\nx,y\n", "must name the columns"),
        (b"email,full_name,password\na@example.org,A,secret\n", "Unknown column"),
        (b"email,full_name\n", "no rows"),
        (b"\x00\x01\x02email,full_name\n", "not a CSV"),
    ],
)
def test_bad_files(app, data, message):
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(CsvFileError) as info:
        read_rows(data, HEADER)
    assert message in str(info.value.message)


def test_row_limit(app):
    data = b"email,full_name\n" + b"".join(b"u%d@example.org,U\n" % i for i in range(11))
    with (
        app.test_request_context(headers={"Accept-Language": "en"}),
        pytest.raises(CsvFileError, match="more than 10 rows"),
    ):
        read_rows(data, HEADER, max_rows=10)
