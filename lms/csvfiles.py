"""Reading CSV files that people make in spreadsheets.

Handles what Excel and LibreOffice actually produce in Kazakhstan: UTF-8 with
or without a byte-order mark, UTF-16 ("Unicode text"), Windows-1251 from
Russian-language Excel, and comma, semicolon or tab separators.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

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


def decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise CsvFileError(_l("The file is not a text file in UTF-8 or Windows-1251.")) from exc


def _dialect(first_line: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_rows(
    data: bytes, required: tuple[str, ...], optional: tuple[str, ...] = (), max_rows: int = 20_000
) -> list[CsvRow]:
    """The data rows of a CSV file whose first line names its columns.

    Column names are matched without regard to case, spaces or dashes.
    Raises CsvFileError when the file is empty, a required column is missing,
    an unknown column is present, or it has more than ``max_rows`` rows.
    """
    if not data.strip():
        raise CsvFileError(_l("The file is empty."))
    text = decode(data)
    if "\x00" in text:
        raise CsvFileError(_l("The file is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(first_line))
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
