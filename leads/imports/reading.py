"""Reading an uploaded CSV as a stream: check it once on upload, then hand
its rows to the import a chunk at a time.

Nothing here holds the file in memory: the bytes go through a small raw
reader (which also hashes and counts them) into ``io.TextIOWrapper`` and
``csv.reader``, which pull a block at a time.

Accepted: UTF-8 text (with or without the byte-order mark Excel writes),
comma, semicolon or tab separated (the header row decides), a header row,
then data rows. Rows are numbered as a spreadsheet shows them: the header
is row 1. Blank lines are skipped (they keep their row number) and are not
counted as rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from leadcourt.errors import InvalidInput

ENCODING = "utf-8-sig"
DELIMITERS = (",", ";", "\t")
_SNIFF_BYTES = 64 * 1024


class CsvFileError(Exception):
    """The file cannot be read as the CSV it claimed to be."""


class NulByteError(CsvFileError):
    """A NUL byte: the file is binary, or text in an encoding other than UTF-8."""

    def __init__(self, line: int):
        super().__init__(
            f"The file contains a NUL byte on line {line}: it is not a text CSV. "
            f"Export it again as CSV (UTF-8) and upload that."
        )


class ByteSource(io.RawIOBase):
    """A read-only raw stream over any object with ``read(n)``, counting (and
    optionally hashing) the bytes that pass; closing it leaves the wrapped
    file open for its owner to close.

    It refuses NUL bytes (``NulByteError``) wherever they are: ``csv`` reads
    them as ordinary characters, but PostgreSQL cannot store them, so a NUL
    deep in a file used to pass the upload check and then stop the import
    half-way, after the chunks before it had landed.
    """

    def __init__(self, fileobj, *, hash_bytes: bool = False):
        super().__init__()
        self._file = fileobj
        self.bytes_read = 0
        self.sha256 = hashlib.sha256() if hash_bytes else None
        # Line breaks before the current block, to say where a NUL byte is.
        self._lines_before = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._file.read(len(buffer))
        size = len(data)
        nul = data.find(b"\x00")
        if nul >= 0:
            raise NulByteError(self._lines_before + data.count(b"\n", 0, nul) + 1)
        self._lines_before += data.count(b"\n")
        buffer[:size] = data
        self.bytes_read += size
        if self.sha256 is not None:
            self.sha256.update(data)
        return size


@dataclass(frozen=True)
class CsvInspection:
    sha256: str
    size: int
    delimiter: str
    headers: list[str]
    data_rows: int


def _delimiter_of(prefix: bytes) -> str:
    # A prefix with no decodable character (not UTF-8 at all) has no first
    # line: the comma it gets is never used, the reading refuses the file.
    lines = prefix.decode(ENCODING, errors="ignore").splitlines()
    first_line = lines[0] if lines else ""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties go to the comma (listed first)
    return best if counts[best] else ","


def _text_rows(source: ByteSource, delimiter: str):
    text = io.TextIOWrapper(io.BufferedReader(source), encoding=ENCODING, newline="")
    # strict: a stray quote is an error, not a field that swallows the rest of the file.
    return csv.reader(text, delimiter=delimiter, strict=True)


def _readable_error(exc: Exception, reader) -> CsvFileError:
    line = getattr(reader, "line_num", 0)
    if isinstance(exc, UnicodeDecodeError):
        return CsvFileError(
            f"The file is not UTF-8 text (an undecodable byte near line {line + 1}). "
            f"Save it as 'CSV UTF-8' and upload it again."
        )
    return CsvFileError(f"Line {line} is not valid CSV: {exc}.")


def csv_inspect(fileobj) -> CsvInspection:
    """Check the whole file in one streaming pass and describe it: checksum,
    size, delimiter, headers and the number of data rows.

    Raises ``InvalidInput`` (field ``file``) when it is empty, binary (a
    spreadsheet, a PDF...), not UTF-8, not valid CSV, or has no data row.
    ``fileobj`` is read from where it stands; the caller rewinds it.
    """
    prefix = fileobj.read(_SNIFF_BYTES)
    if not prefix.strip():
        raise InvalidInput({"file": "The file is empty."})
    if prefix.startswith(b"PK\x03\x04"):
        raise InvalidInput({"file": "This is a spreadsheet (e.g. .xlsx), not a CSV file: export it as CSV."})
    if b"\x00" in prefix:
        raise InvalidInput({"file": "This is not a text file: upload a CSV export."})
    delimiter = _delimiter_of(prefix)

    source = ByteSource(_Prefixed(prefix, fileobj), hash_bytes=True)
    reader = _text_rows(source, delimiter)
    try:
        headers = [h.strip() for h in next(reader, [])]
        data_rows = sum(1 for cells in reader if any(map(str.strip, cells)))
    except NulByteError as exc:
        raise InvalidInput({"file": str(exc)}) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput({"file": str(_readable_error(exc, reader))}) from None
    if not any(headers):
        raise InvalidInput({"file": "The first row must be a header row naming the columns."})
    if data_rows == 0:
        raise InvalidInput({"file": "The file has a header row but no data rows."})
    return CsvInspection(
        sha256=source.sha256.hexdigest(),
        size=source.bytes_read,
        delimiter=delimiter,
        headers=headers,
        data_rows=data_rows,
    )


class _Prefixed:
    """The bytes already read for sniffing, then the rest of the file."""

    def __init__(self, prefix: bytes, rest):
        self._prefix = prefix
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            chunk, self._prefix = self._prefix, b""
            return chunk + self._rest.read()
        if self._prefix:
            chunk, self._prefix = self._prefix[:size], self._prefix[size:]
            return chunk
        return self._rest.read(size)


class CsvRow(NamedTuple):
    """One data row, reduced to the columns an import reads."""

    number: int  # as a spreadsheet numbers it (the header is row 1)
    cell_count: int  # cells the row has; the header's count when it is well formed
    values: tuple[str | None, ...]  # the chosen columns' cells; None past the end of a short row


@dataclass
class CsvStream:
    """The data rows of a stored file, streamed: ``headers`` first, then
    ``rows()`` yields ``(row_number, cells)`` for each non-blank row."""

    source: ByteSource
    headers: list[str]
    _reader: object

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(self._reader, start=2):
                # map: the cells tested in C, not one generator step each.
                if any(map(str.strip, cells)):
                    yield number, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _readable_error(exc, self._reader) from None

    def rows_picked(self, indexes: Sequence[int]) -> Iterator[CsvRow]:
        """``rows()`` keeping only the cells at ``indexes``: what a chunk of
        many thousand rows holds in memory is the columns it imports."""
        # itemgetter: one C call per row (this loop runs once per row of a
        # million-row file); it returns a bare value when given one index.
        pick = operator.itemgetter(*indexes) if len(indexes) > 1 else (lambda cells: (cells[indexes[0]],))
        reach = max(indexes, default=-1)
        for number, cells in self.rows():
            count = len(cells)
            if count > reach:
                yield CsvRow(number, count, pick(cells))
            else:  # a short row: it is refused for its cell count anyway
                yield CsvRow(number, count, tuple(cells[i] if i < count else None for i in indexes))


def csv_stream(fileobj, *, delimiter: str) -> CsvStream:
    source = ByteSource(fileobj)
    reader = _text_rows(source, delimiter)
    try:
        headers = [h.strip() for h in next(reader, [])]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _readable_error(exc, reader) from None
    return CsvStream(source=source, headers=headers, _reader=reader)
