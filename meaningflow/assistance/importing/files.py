"""Reading registry files (CSV in UTF-8 or GB18030, .xlsx) and API rows into a ``Table``:
the header row is found among the first rows, total rows are skipped, merged cells are
filled; a file that cannot be used raises ``FileError``. Rows are read lazily."""

import codecs
import csv
import io
import itertools
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import openpyxl
from django.utils.translation import gettext as _

from meaningflow.assistance.importing.columns import COLUMNS, REQUIRED, STATUS_COLUMNS, FileError, Table

HEADER_SCAN_ROWS = 20  # a header row is looked for among the first rows (title rows above it)
TOTAL_WORDS = ("合计", "总计", "小计", "total")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary Excel (.xls), also WPS .et
ZIP_MAGIC = b"PK\x03\x04"
BIG5_MARKERS = ("身份證", "證件", "區劃", "就業", "登記", "戶籍")
DECODE_CHUNK = 1 << 20
MERGE_SECTION = re.compile(rb"<(?:\w+:)?mergeCells[\s>]")
MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


def _header_key(header) -> str:
    return re.sub(r"\s+", "", str(header or "")).lower()


HEADER_LOOKUP = {_header_key(h): name for name, headers in COLUMNS.items() for h in headers}


def _missing(names) -> list[str]:
    missing = [name for name in REQUIRED if name not in names]
    if not any(name in names for name in STATUS_COLUMNS):
        missing.append("employment_status")
    return missing


def _labels(names: list[str]) -> str:
    return ", ".join(f"{COLUMNS[name][0]} ({name})" for name in names)


def _missing_error(names, sheet: str) -> FileError:
    labels = _labels(_missing(names))
    if sheet:
        message = _("Sheet %(sheet)s: required columns are missing: %(columns)s.") % {"sheet": sheet, "columns": labels}
    else:
        message = _("Required columns are missing: %(columns)s.") % {"columns": labels}
    return FileError(message, "import.columns_missing")


def _header_candidate(head: list, index: int) -> list[str | None]:
    """Column names of row ``index``; where a cell is not a known header, the row above may
    give it (a two-row header: group titles above, or fields written on the first row only)."""
    names = [HEADER_LOOKUP.get(_header_key(cell)) for cell in head[index][1]]
    if index == 0:
        return names
    above = [HEADER_LOOKUP.get(_header_key(cell)) for cell in head[index - 1][1]]
    names += [None] * (len(above) - len(names))
    for column, name in enumerate(above):
        if name and names[column] is None and name not in names:
            names[column] = name
    return names


def _find_header(head: list, sheet: str) -> tuple[int, list[str | None]]:
    """The header row among the first rows: the one (with the row above) that names every
    required column and the most columns; the earliest on a tie."""
    best, best_count, closest = None, 0, []
    for index in range(len(head)):
        names = _header_candidate(head, index)
        known = [name for name in names if name]
        if len(set(known)) > len(set(closest)):
            closest = known
        if not _missing(known) and len(set(known)) > best_count:
            best, best_count = (index, names), len(set(known))
    if best is None:
        raise _missing_error(closest, sheet)
    index, names = best
    doubled = sorted({name for name in names if name and names.count(name) > 1})
    if doubled:
        raise FileError(
            _("Columns appear twice: %(columns)s.") % {"columns": ", ".join(doubled)}, "import.columns_twice"
        )
    return index, names


def _blank(values) -> bool:
    return not any(cell is not None and str(cell).strip() for cell in values)


def _total_row(values, id_column: int) -> str:
    """The text of a total row (合计, 总计 …) — a row with such a cell and no ID number —
    or ""."""
    id_cell = values[id_column] if id_column < len(values) else None
    if id_cell is not None and re.search(r"[0-9]{15}", str(id_cell)):
        return ""
    for cell in values:
        text = re.sub(r"\s+", "", str(cell or "")).lower()
        if text.startswith(TOTAL_WORDS):
            return str(cell).strip()[:40]
    return ""


def _table(rows: Iterator, *, sheet: str, max_rows: int) -> Table:
    """Find the header among the first rows of ``rows`` ((line, values) pairs) and return
    the table whose rows follow it; raises FileError."""
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    if all(_blank(values) for _line, values in head):
        raise FileError(_("The file is empty."), "import.empty")
    index, names = _find_header(head, sheet)
    header_cells = head[index][1]
    unknown = [
        str(cell).strip()
        for column, cell in enumerate(header_cells)
        if str(cell or "").strip() and (column >= len(names) or names[column] is None)
    ]
    table = Table(rows=iter(()), sheet=sheet, header_line=head[index][0], unknown_headers=unknown)
    table.rows = _data_rows(itertools.chain(head[index + 1 :], rows), names, table, max_rows)
    return table


def _skipped_message(sheet: str, line: int, total: str) -> str:
    where = {"sheet": sheet, "line": line, "text": total}
    if total and sheet:
        return _("Sheet %(sheet)s, line %(line)s: a total row (%(text)s) was skipped.") % where
    if total:
        return _("Line %(line)s: a total row (%(text)s) was skipped.") % where
    if sheet:
        return _("Sheet %(sheet)s, line %(line)s: a line without an ID number below the total row was skipped.") % where
    return _("Line %(line)s: a line without an ID number below the total row was skipped.") % where


def _data_rows(rows: Iterator, names: list, table: Table, max_rows: int) -> Iterator[tuple[int, dict]]:
    id_column, count, after_total = names.index("id_number"), 0, False
    for line, values in rows:
        if _blank(values):
            continue
        total = _total_row(values, id_column)
        id_cell = values[id_column] if id_column < len(values) else None
        if total or (after_total and (id_cell is None or not str(id_cell).strip())):
            table.notes.append(("import.total_row", _skipped_message(table.sheet, line, total)))
            after_total = True
            continue
        count += 1
        if count > max_rows:
            raise FileError(
                _("The file has more than %(limit)s rows; split it into smaller files.") % {"limit": max_rows},
                "import.too_many_rows",
            )
        yield line, {name: values[i] if i < len(values) else None for i, name in enumerate(names) if name}


@contextmanager
def open_table(content: bytes, filename: str, *, max_rows: int, max_bytes: int) -> Iterator[Table]:
    """The file as a Table, read lazily while the block runs; raises FileError (here or
    while the rows are read) for a file that cannot be used."""
    if len(content) > max_bytes:
        raise FileError(
            _("The file is larger than %(limit)s bytes; split it into smaller files.") % {"limit": max_bytes},
            "import.too_large",
        )
    if content.startswith(OLE_MAGIC) or filename.lower().endswith((".xls", ".et")):
        raise FileError(
            _(
                "This is an old binary Excel workbook (.xls, Excel 97–2003), which cannot be read. Open it in "
                "Excel or WPS and save it as “Excel Workbook (*.xlsx)” or “CSV UTF-8”, then import that file."
            ),
            "import.xls",
        )
    if content.startswith(ZIP_MAGIC) or filename.lower().endswith(".xlsx"):
        with _xlsx_table(content, max_rows) as table:
            yield table
    else:
        yield _csv_table(content, max_rows)


def _decodes(content: bytes, encoding: str) -> bool:
    """Whether the whole content decodes, checked in chunks (no copy of the text is kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(content), DECODE_CHUNK):
            decoder.decode(content[start : start + DECODE_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _big5_error() -> FileError:
    return FileError(
        _(
            "The file looks like Big5 (traditional Chinese) text, which cannot be read. Save it as “CSV UTF-8” "
            "(Excel: Save As → CSV UTF-8; WPS: 另存为 → CSV, encoding UTF-8) and import it again."
        ),
        "import.big5",
    )


def _looks_big5(content: bytes) -> bool:
    text = content[:65536].decode("big5", errors="ignore")
    return any(marker in text for marker in BIG5_MARKERS)


def _text_encoding(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8) or _decodes(content, "utf-8"):
        return "utf-8-sig"
    if _decodes(content, "gb18030"):
        return "gb18030"  # Big5 bytes decode as GB18030 too: told apart by the headers
    if _looks_big5(content):
        raise _big5_error()
    raise FileError(
        _("The file is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV and try again."), "import.encoding"
    )


def _csv_table(content: bytes, max_rows: int) -> Table:
    encoding = _text_encoding(content)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline=""))
    try:
        return _table(_csv_rows(reader), sheet="", max_rows=max_rows)
    except FileError as exc:
        if exc.code == "import.columns_missing" and encoding == "gb18030" and _looks_big5(content):
            raise _big5_error() from None
        raise


def _csv_rows(reader) -> Iterator[tuple[int, list]]:
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileError(_("The CSV file is malformed: %(error)s") % {"error": exc}, "import.csv_malformed") from None


@contextmanager
def _xlsx_table(content: bytes, max_rows: int) -> Iterator[Table]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        archive = zipfile.ZipFile(io.BytesIO(content))
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise FileError(_("The file is not a readable Excel (.xlsx) workbook."), "import.not_xlsx") from None
    try:
        yield _first_sheet_with_header(workbook, archive, max_rows)
    finally:
        workbook.close()
        archive.close()


def _first_sheet_with_header(workbook, archive, max_rows: int) -> Table:
    """The first sheet that has a header row (an instructions sheet may come first)."""
    skipped: list[tuple[str, FileError]] = []
    for sheet in workbook.worksheets:
        # ReadOnlyWorksheet has no merged-cell list: the ranges are read from the sheet's XML.
        merges = _merged_ranges(archive, getattr(sheet, "_worksheet_path", ""))
        rows = _filled(enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1), merges)
        try:
            table = _table(rows, sheet=sheet.title, max_rows=max_rows)
        except FileError as exc:
            if exc.code not in ("import.columns_missing", "import.empty"):
                raise
            skipped.append((sheet.title, exc))
            continue
        if skipped:
            table.notes.append(
                (
                    "import.sheet_skipped",
                    _("Read sheet %(sheet)s; sheets without a header row were skipped: %(skipped)s.")
                    % {"sheet": sheet.title, "skipped": ", ".join(title for title, _exc in skipped)},
                )
            )
        return table
    if len(skipped) == 1:
        raise skipped[0][1]
    raise FileError(
        _("No sheet has a header row with the required columns: %(sheets)s")
        % {"sheets": " ".join(str(exc) for _title, exc in skipped)},
        "import.columns_missing",
    )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """(first column, first row, last column, last row) of every merged range of a sheet.
    The ranges follow the cell data in the XML: the data is skimmed in chunks, not parsed."""
    try:
        source = archive.open(path)
    except KeyError:
        return []
    found, tail = b"", b""
    with source:
        while chunk := source.read(DECODE_CHUNK):
            if found:
                found += chunk
                continue
            window = tail + chunk
            match = MERGE_SECTION.search(window)
            if match:
                found = window[match.start() :]
            tail = window[-64:]
    ranges = set()
    for first_col, first_row, last_col, last_row in MERGE_REF.findall(found):
        ranges.add(
            (
                _column_number(first_col),
                int(first_row),
                _column_number(last_col or first_col),
                int(last_row or first_row),
            )
        )
    return sorted(ranges, key=lambda r: (r[1], r[0]))


def _filled(rows: Iterator, merges: list) -> Iterator[tuple[int, list]]:
    """Rows with every cell of a merged range holding the range's value (a household number
    merged down over its members, a header merged over two rows)."""
    starts = defaultdict(list)
    for first_col, first_row, last_col, last_row in merges:
        starts[first_row].append((first_col, last_col, last_row))
    active: list[tuple[int, int, int, object]] = []  # (first column, last column, last row, value)
    for line, values in rows:
        if line not in starts and not active:
            yield line, values
            continue
        values = list(values)
        active = [entry for entry in active if entry[2] >= line]
        for first_col, last_col, last_row in starts.pop(line, ()):
            value = values[first_col - 1] if first_col <= len(values) else None
            active.append((first_col, last_col, last_row, value))
        for first_col, last_col, _last_row, value in active:
            if len(values) < last_col:
                values.extend([None] * (last_col - len(values)))
            values[first_col - 1 : last_col] = [value] * (last_col - first_col + 1)
        yield line, values


def api_table(rows: list[dict], *, max_rows: int) -> Table:
    """Rows pushed through the API as a Table (line numbers start at 2, as in a file)."""
    if len(rows) > max_rows:
        raise FileError(_("The request has more than %(limit)s rows.") % {"limit": max_rows}, "import.too_many_rows")
    headers = sorted({key for row in rows for key in row})
    lookup = {header: HEADER_LOOKUP.get(_header_key(header)) for header in headers}
    known = [name for name in lookup.values() if name]
    if _missing(known):
        raise _missing_error(known, "")
    doubled = sorted({name for name in known if known.count(name) > 1})
    if doubled:
        raise FileError(
            _("Columns appear twice: %(columns)s.") % {"columns": ", ".join(doubled)}, "import.columns_twice"
        )
    unknown = [header for header, name in lookup.items() if name is None]
    canonical = (
        (line, {lookup[key]: value for key, value in row.items() if lookup.get(key)})
        for line, row in enumerate(rows, start=2)
    )
    return Table(rows=canonical, unknown_headers=unknown)
