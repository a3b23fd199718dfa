"""Reading CSV files that people make in spreadsheets.

Handles what Excel and LibreOffice actually produce in Kazakhstan: UTF-8 with
or without a byte-order mark, UTF-16 ("Unicode text"), Windows-1251 from
Russian-language Excel, Windows-1252/Latin-1 from a Western one, and comma,
semicolon or tab separators, with fields quoted the way spreadsheets quote them
(a quote inside a quoted field doubled: ``"Aigerim ""Aika"" Nurlan"``).

The encoding is decided from the bytes (a byte-order mark, strict UTF-8, else
``charset-normalizer`` among the encodings spreadsheets save in); the person
importing can name it instead (``ENCODINGS``).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

import charset_normalizer
from flask_babel import lazy_gettext as _l


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, size)."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str] = field(default_factory=dict)

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


#: Encodings a person may choose when the guess is wrong (Python's names), with what saves in them.
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16 (Excel: Unicode text)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1252": "Windows-1252 / Latin-1 (Western)",
}
#: What the guess chooses among, beyond UTF-8 and UTF-16 (which are recognised first).
_GUESSED = ["cp1251", "cp1252", "koi8_r"]
#: How much of the file the encoding and the separator are decided from.
SAMPLE_BYTES = 256 * 1024


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and its encoding: the one named (``ENCODINGS``), else the one its bytes show."""
    if encoding:
        if encoding not in ENCODINGS:
            raise CsvFileError(_l("Unknown encoding: %(encoding)s.", encoding=encoding))
        try:
            text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError as exc:
            raise CsvFileError(
                _l("The file is not in %(encoding)s; choose another encoding.", encoding=ENCODINGS[encoding])
            ) from exc
        return text, encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:SAMPLE_BYTES], cp_isolation=_GUESSED).best()
    if best is None or best.encoding is None:
        raise CsvFileError(_l("The file is not a text file in UTF-8 or Windows-1251."))
    guessed = codecs.lookup(best.encoding).name
    try:
        return data.decode(guessed), {"windows-1251": "cp1251", "windows-1252": "cp1252"}.get(guessed, guessed)
    except UnicodeDecodeError as exc:
        raise CsvFileError(_l("The file is not a text file in UTF-8 or Windows-1251.")) from exc


def detected_encoding(data: bytes, encoding: str | None = None) -> str:
    """The encoding ``read_rows`` reads the file in (the one named, else the one its bytes show)."""
    return decode(data, encoding)[1]


class _Spreadsheet(csv.excel):
    """How Excel and LibreOffice write CSV (quotes doubled inside quoted fields), with the file's separator."""


def _dialect(text: str) -> type[csv.Dialect]:
    """The separator, decided from a sample of the whole file rather than from its first line."""
    try:
        delimiter = csv.Sniffer().sniff(text[:SAMPLE_BYTES], delimiters=",;\t").delimiter
    except csv.Error:
        first_line = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=first_line.count)
    return type("SpreadsheetCsv", (_Spreadsheet,), {"delimiter": delimiter})


def read_rows(
    data: bytes,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    max_rows: int = 20_000,
    encoding: str | None = None,
) -> list[CsvRow]:
    """The data rows of a CSV file whose first line names its columns.

    Column names are matched without regard to case, spaces or dashes.
    Raises CsvFileError when the file is empty, a required column is missing,
    an unknown column is present, or it has more than ``max_rows`` rows.
    """
    if not data.strip():
        raise CsvFileError(_l("The file is empty."))
    text, _encoding = decode(data, encoding)
    if "\x00" in text:
        raise CsvFileError(_l("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CsvFileError(_l("The file has no header line.")) from exc
    columns = [name.strip().lower().replace(" ", "_").replace("-", "_") for name in header]
    missing = [name for name in required if name not in columns]
    if missing:
        raise CsvFileError(
            _l("The header line must name the columns: %(columns)s.", columns=", ".join(required + optional))
        )
    unknown = [name for name in columns if name and name not in required + optional]
    if unknown:
        raise CsvFileError(_l("Unknown column: %(column)s.", column=unknown[0]))
    rows: list[CsvRow] = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= max_rows:
                raise CsvFileError(_l("The file has more than %(count)d rows.", count=max_rows))
            rows.append(CsvRow(line=reader.line_num, values=dict(zip(columns, values, strict=False))))
    except csv.Error as exc:
        raise CsvFileError(_l("The file is not valid CSV near line %(line)d.", line=reader.line_num)) from exc
    if not rows:
        raise CsvFileError(_l("The file has a header line but no rows."))
    return rows
