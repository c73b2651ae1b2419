"""Reading and checking registry files (GV-1). No writes here.

A file is decoded (UTF-8 with or without BOM, then GB18030), its headers are mapped to
canonical field names (Chinese or English, see docs/REGISTRY_IMPORT.md), and each row is
normalised into a dict or rejected with coded reasons. ``assistance.imports`` decides what
to write. The package, by step:

* ``columns`` — accepted headers and values, ``FileError``, ``Problems``, ``Table``;
* ``files`` — reading a file or API rows into a ``Table`` (``open_table``, ``api_table``);
* ``rows`` — checking one row (``validate_row``) and its ``fingerprint``.
"""

from meaningflow.assistance.importing.columns import COLUMNS, REQUIRED, FileError, Problems, Table
from meaningflow.assistance.importing.files import HEADER_SCAN_ROWS, OLE_MAGIC, ZIP_MAGIC, api_table, open_table
from meaningflow.assistance.importing.rows import TEXT_COLUMN_HELP, fingerprint, validate_row

__all__ = [
    "COLUMNS",
    "HEADER_SCAN_ROWS",
    "OLE_MAGIC",
    "REQUIRED",
    "TEXT_COLUMN_HELP",
    "ZIP_MAGIC",
    "FileError",
    "Problems",
    "Table",
    "api_table",
    "fingerprint",
    "open_table",
    "validate_row",
]
