"""Reading an uploaded CSV as a stream: check it on upload, count and
check its rows in the worker, then hand them to the import a chunk at a time.

Nothing here holds the file in memory: the bytes go through a small raw
reader (which also hashes and counts them) into ``io.TextIOWrapper`` and
``csv.reader``, which pull a block at a time; every line is read with a cap
(``MAX_ROW_CHARS``), so a file with no line break, or a header of millions
of columns, is refused after reading that much, before ``csv`` builds its
cells.

The upload request stays short whatever the file holds (``csv_inspect``):
it checks every byte at C speed (NUL bytes, UTF-8, checksum) but parses as
CSV only the header and the rows of the first ``PREVIEW_BYTES``; a larger
file's rows are counted and checked by the worker (``csv_count_rows``)
before any of them is imported, so a bad line deep in the file still
refuses the whole file.

Accepted: UTF-8 text (with or without the byte-order mark Excel writes),
comma, semicolon or tab separated (the header row decides), a header row,
then data rows. Rows are numbered as a spreadsheet shows them: the header
is row 1. Blank lines are skipped (they keep their row number) and are not
counted as rows.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from leadcourt.errors import InvalidInput

ENCODING = "utf-8-sig"
DELIMITERS = (",", ";", "\t")
_SNIFF_BYTES = 64 * 1024
# The longest row accepted, in characters (one line, or several when a
# quoted cell holds line breaks): eight times ``csv``'s own limit on one
# cell. Real exports' rows are a few KB; a longer "row" is a file with no
# line breaks or a header of millions of columns, refused after reading
# this much instead of being built whole in memory.
MAX_ROW_CHARS = 1024 * 1024
# Columns a header may name: CRM exports of every property reach a few
# hundred.
MAX_COLUMNS = 2000
# What the upload request parses as CSV (the header and the rows in it);
# the worker reads the rest. A megabyte parses in a few tens of ms.
PREVIEW_BYTES = 1024 * 1024
_BLOCK_BYTES = 1024 * 1024


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
    """A read-only raw stream over any object with ``read(n)``, counting the
    bytes that pass; closing it leaves the wrapped file open for its owner
    to close.

    It refuses NUL bytes (``NulByteError``) wherever they are: ``csv`` reads
    them as ordinary characters, but PostgreSQL cannot store them, so a NUL
    deep in a file used to pass the upload check and then stop the import
    half-way, after the chunks before it had landed.
    """

    def __init__(self, fileobj):
        super().__init__()
        self._file = fileobj
        self.bytes_read = 0
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
        return size


@dataclass(frozen=True)
class CsvInspection:
    sha256: str
    size: int
    delimiter: str
    headers: list[str]
    data_rows: int | None  # None: more than the preview, counted by the worker


def _delimiter_of(prefix: bytes) -> str:
    # A prefix with no decodable character (not UTF-8 at all) has no first
    # line: the comma it gets is never used, the reading refuses the file.
    lines = prefix.decode(ENCODING, errors="ignore").splitlines()
    first_line = lines[0] if lines else ""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties go to the comma (listed first)
    return best if counts[best] else ","


class RowTooLongError(CsvFileError):
    def __init__(self, line: int):
        super().__init__(
            f"Line {line} is longer than {MAX_ROW_CHARS:,} characters: this does not look like a "
            f"CSV export (no line breaks, or far too many columns)."
        )


class _BoundedLines:
    """The lines of a text stream for ``csv.reader``, with no line, and no
    row spread over lines by quoted line breaks, much over ``MAX_ROW_CHARS``.

    The text is read in blocks and split into lines in C (``io.StringIO``
    splits as ``newline=""`` does: at ``\r``, ``\n`` and ``\r\n``), and
    ``csv`` pulls them through ``itertools.chain``: no Python call per line,
    which is what a file of millions of blank lines costs. The checks are
    per block: the part of a line not yet ended (``carry``) is refused past
    the cap, and ``row_chars`` adds up the blocks handed out since the
    caller last finished a row (it sets it back to 0), so that a row may
    not go on for more than the cap either.
    """

    _BLOCK_CHARS = 64 * 1024

    def __init__(self, text):
        self._read = text.read
        self.row_chars = 0
        self._lines = 0  # handed out, for the error message
        self._iterator = itertools.chain.from_iterable(self._blocks())

    def __iter__(self):
        return self._iterator

    def _blocks(self) -> Iterator[list[str]]:
        carry = ""
        while block := self._read(self._BLOCK_CHARS):
            if self.row_chars > MAX_ROW_CHARS or len(carry) > MAX_ROW_CHARS:
                raise RowTooLongError(self._lines + 1)
            self.row_chars += len(block)
            lines = list(io.StringIO(carry + block, newline=""))
            # The last line goes on in the next block unless it ended; one
            # ending in "\r" may be half of a "\r\n".
            carry = "" if lines[-1].endswith("\n") else lines.pop()
            self._lines += len(lines)
            yield lines
        if carry:
            yield [carry]


class _Rows:
    """``csv.reader`` over bounded lines: iterating yields each row's cells."""

    def __init__(self, source: ByteSource, delimiter: str):
        text = io.TextIOWrapper(io.BufferedReader(source), encoding=ENCODING, newline="")
        self.lines = _BoundedLines(text)
        # strict: a stray quote is an error, not a field that swallows the rest of the file.
        self.reader = csv.reader(self.lines, delimiter=delimiter, strict=True)

    @property
    def line_num(self) -> int:
        return self.reader.line_num

    def __iter__(self) -> Iterator[list[str]]:
        lines = self.lines
        for cells in self.reader:
            lines.row_chars = 0
            yield cells


def _text_rows(source: ByteSource, delimiter: str) -> _Rows:
    return _Rows(source, delimiter)


def _header_of(rows: _Rows) -> list[str]:
    headers = [h.strip() for h in next(iter(rows), [])]
    if len(headers) > MAX_COLUMNS:
        raise CsvFileError(
            f"The header row has {len(headers):,} columns; at most {MAX_COLUMNS:,} are accepted."
        )
    return headers


def _readable_error(exc: Exception, reader) -> CsvFileError:
    line = getattr(reader, "line_num", 0)
    if isinstance(exc, UnicodeDecodeError):
        return CsvFileError(_not_utf8(line + 1))
    return CsvFileError(f"Line {line} is not valid CSV: {exc}.")


def _bytes_check(fileobj) -> tuple[str, int]:
    """Every byte of the file, at C speed: no NUL, UTF-8 throughout; return
    its checksum and size. Blocks of ASCII (most of a CRM export) are not
    even decoded."""
    sha256 = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(ENCODING)()
    size = 0
    lines_before = 0
    while block := fileobj.read(_BLOCK_BYTES):
        nul = block.find(b"\x00")
        if nul >= 0:
            raise InvalidInput({"file": str(NulByteError(lines_before + block.count(b"\n", 0, nul) + 1))})
        try:
            if not block.isascii() or decoder.getstate()[0]:
                decoder.decode(block)
        except UnicodeDecodeError as exc:
            line = lines_before + block.count(b"\n", 0, max(exc.start, 0)) + 1
            raise InvalidInput({"file": _not_utf8(line)}) from None
        sha256.update(block)
        size += len(block)
        lines_before += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)  # a character cut off by the end of the file
    except UnicodeDecodeError:
        raise InvalidInput({"file": _not_utf8(lines_before + 1)}) from None
    return sha256.hexdigest(), size


def _not_utf8(line: int) -> str:
    return (
        f"The file is not UTF-8 text (an undecodable byte near line {line}). "
        f"Save it as 'CSV UTF-8' and upload it again."
    )


def csv_inspect(fileobj) -> CsvInspection:
    """Check an uploaded file and describe it: checksum, size, delimiter,
    headers and, when the whole file is within ``PREVIEW_BYTES``, the number
    of data rows (``None`` otherwise: the worker counts them).

    Bounded time whatever the file holds: every byte is checked at C speed
    (``_bytes_check``); only the header and the rows of the first
    ``PREVIEW_BYTES`` go through ``csv``. Raises ``InvalidInput`` (field
    ``file``) when the file is empty, binary (a spreadsheet, a PDF...), not
    UTF-8, has a NUL byte anywhere, a line longer than ``MAX_ROW_CHARS``
    or more than ``MAX_COLUMNS`` columns in the preview, is not valid CSV
    there, or has no data row there. Reads ``fileobj`` from the start, twice
    (it must be seekable, as Django's uploaded files are).
    """
    fileobj.seek(0)
    prefix = fileobj.read(_SNIFF_BYTES)
    if not prefix.strip():
        raise InvalidInput({"file": "The file is empty."})
    if prefix.startswith(b"PK\x03\x04"):
        raise InvalidInput({"file": "This is a spreadsheet (e.g. .xlsx), not a CSV file: export it as CSV."})
    if b"\x00" in prefix:
        raise InvalidInput({"file": "This is not a text file: upload a CSV export."})
    delimiter = _delimiter_of(prefix)
    fileobj.seek(0)
    sha256, size = _bytes_check(fileobj)

    fileobj.seek(0)
    source = ByteSource(fileobj)
    rows = _text_rows(source, delimiter)
    data_rows = 0
    complete = True  # read to the end: the count is exact
    try:
        headers = _header_of(rows)
        for cells in rows:
            if any(map(str.strip, cells)):
                data_rows += 1
            if source.bytes_read > PREVIEW_BYTES:
                complete = False  # the worker counts the rest (csv_count_rows)
                break
    except CsvFileError as exc:
        raise InvalidInput({"file": str(exc)}) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput({"file": str(_readable_error(exc, rows))}) from None
    if not any(headers):
        raise InvalidInput({"file": "The first row must be a header row naming the columns."})
    if data_rows == 0 and complete:
        raise InvalidInput({"file": "The file has a header row but no data rows."})
    if data_rows == 0:
        raise InvalidInput(
            {"file": f"The file has no data row in its first {PREVIEW_BYTES // (1024 * 1024)} MB."}
        )
    return CsvInspection(
        sha256=sha256,
        size=size,
        delimiter=delimiter,
        headers=headers,
        data_rows=data_rows if complete else None,
    )


def csv_count_rows(fileobj, *, delimiter: str) -> int:
    """The data rows of a stored file, every one read as CSV (the worker's
    first pass over a file larger than the upload's preview): the count, or
    ``CsvFileError`` saying which line is wrong. Nothing is kept."""
    stream = csv_stream(fileobj, delimiter=delimiter)
    return sum(1 for _ in stream.rows())


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
    _rows: _Rows

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        lines = self._rows.lines
        try:
            for number, cells in enumerate(self._rows.reader, start=2):
                lines.row_chars = 0
                # map: the cells tested in C, not one generator step each.
                if any(map(str.strip, cells)):
                    yield number, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _readable_error(exc, self._rows) from None

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
    """``CsvFileError`` if the header cannot be read or names too many columns."""
    source = ByteSource(fileobj)
    rows = _text_rows(source, delimiter)
    try:
        headers = _header_of(rows)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _readable_error(exc, rows) from None
    return CsvStream(source=source, headers=headers, _rows=rows)
