"""UMIN-CTR's daily bulk CSV (``ctr_data_j.csv.gz``), read as a stream of small rows.

UMIN publishes the whole registry as one gzip CSV a day and asks tools to use it rather
than fetch many pages. The monitor uses each watched trial's row as a change signal and
the whole file to discover new trials, so this reader keeps only what that needs.

Nobody here has the file's current header: a 2017 copy had one header row of bilingual
names (``日本語/English``), readers written in 2024–25 skip two header rows. So columns
are found by label — in either language, either header form, whatever their order —
never by position, and a header without the trial-ID or last-modified column is refused.
A field that appears twice (a Japanese-value column, then an English-value column) is
told apart by a language word in its label if there is one, else by order.

The file is streamed (gzip detected by its magic bytes; plain CSV accepted): memory
stays flat however large it is. Because rows are yielded before the end of the file is
read, damage found late — a truncated gzip, bytes that are not UTF-8, a broken quote,
a plain file that does not end with a line break — is raised as :class:`BulkDataError`
*after* earlier rows were yielded: callers must consume the iterator to its end before
trusting anything they took from it (``stats.complete`` then says so).

Public API: :func:`read_listing` → :class:`ListingReader` (an iterator of
:class:`ListingRow`, with :class:`ListingStats`), :class:`BulkDataError`, ``LABELS``.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import unicodedata
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Literal, TypeVar, cast

from monitor.errors import BulkDataError
from monitor.normalize.values import has_japanese, parse_date, split_bilingual
from monitor.registries.listing import ListingEntry
from monitor.registries.umin.labels import RECEIPT_NUMBER, TRIAL_ID, map_status

# Every known label of each column this reader uses, in either language. Matching is
# on the normalized text (NFKC, case-folded, whitespace removed) of a whole header
# cell or of either half of a bilingual ``日本語/English`` cell, after a language word
# such as ``(英語)`` is taken off. Add a variant here when UMIN renames a column.
LABELS: dict[str, tuple[str, ...]] = {
    "trial_id": ("UMIN試験ID", "Unique ID issued by UMIN", "UMIN ID", "UMIN-CTR ID"),
    "receipt_number": ("受付番号", "Receipt number", "Receipt No.", "Receipt No"),
    "view_url": ("Link to view the page", "閲覧ページへのリンク", "URL", "ページURL",
                 "閲覧ページURL", "View page URL"),
    "date_last_modified": ("最終更新日", "最終更新日時", "Last modified on", "Last modified",
                           "Last modified date", "Date of last update"),
    "date_registered": ("登録日時", "登録日", "Registered date", "Date of registration"),
    "date_disclosed": ("一般公開日（本登録希望日）", "一般公開日",
                       "Date of disclosure of the study information"),
    "status": ("試験進捗状況", "進捗状況", "Recruitment status"),
    "target_sample_size": ("目標参加者数", "Target sample size"),
    "title": ("試験名", "科学的試験名", "Official scientific title of the study",
              "Scientific Title"),
    "title_public": ("一般向け試験名", "Public title"),
    "conditions": ("対象疾患名", "対象疾患", "Condition", "Conditions"),
}
REQUIRED = ("trial_id", "date_last_modified")

# Words that say which language a column's values are in, at either end of a label,
# bare or bracketed (``試験名(英語)``, ``URL日本語``, ``Title [English]``), or as a whole
# header cell (a two-row header whose second row only says ``English``).
LANGUAGE_WORDS = {"日本語": "ja", "和文": "ja", "japanese": "ja", "(日)": "ja", "(和)": "ja",
                  "(ja)": "ja", "_ja": "ja",
                  "英語": "en", "英文": "en", "english": "en", "(英)": "en", "(en)": "en",
                  "_en": "en"}

# Target sample sizes that mean "not given": nines (9999999999, 99999…) and anything
# no trial could enrol. 9999 itself stays a number: it is a plausible target.
_SENTINEL_MIN = 1_000_000_000
_SENTINEL_NINES = 5

# A cell longer than this is not UMIN's: the file is damaged (a stray quote swallowing
# the rest of it). Bounds memory too: the csv module holds a field as 4 bytes a char.
FIELD_LIMIT = 1 << 20
# More malformed rows than this share (and at least this many) mean the layout is not
# what the header says: the file is refused rather than half read.
MALFORMED_SHARE = 0.01
MALFORMED_MIN = 10
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16

HeaderForm = Literal["bilingual", "two-rows"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ListingRow:
    """One trial's row of the bulk CSV: what the monitor needs of it, normalized.

    Dates are ISO ``YYYY-MM-DD``; a cell that is empty, unparseable, or that disagrees
    with the same field's other column gives None rather than a guess. ``status`` is
    canonical (``unknown`` when unfamiliar), ``status_raw`` the registry's words
    (``日本語/English`` when both columns have them). Conditions are a cell's lines.
    ``line`` is where the row starts in the file. ``fingerprint`` is a digest (SHA-256,
    hex) of every cell of the row, so any change to it shows, even one that leaves the
    last-modified date alone; it changes for every row when UMIN changes the layout.
    """

    trial_id: str
    receipt_number: str | None
    date_last_modified: str | None
    date_registered: str | None
    date_disclosed: str | None
    status: str
    status_raw: str | None
    target_sample_size: int | None
    title_ja: str | None
    title_en: str | None
    title_public_ja: str | None
    title_public_en: str | None
    conditions_ja: tuple[str, ...]
    conditions_en: tuple[str, ...]
    line: int
    fingerprint: str


@dataclass(frozen=True)
class FieldColumns:
    """Where one field is in the file: a Japanese-value and an English-value column, or
    a single column whose language is judged by its content; ``indices``: all of them,
    in file order (scalar fields read every one and need them to agree)."""

    ja: int | None = None
    en: int | None = None
    single: int | None = None
    indices: tuple[int, ...] = ()


@dataclass
class ListingStats:
    """What a read found, for logs and checks; final only once the iterator is done."""

    header_form: HeaderForm = "bilingual"
    header_rows: int = 1
    column_count: int = 0
    columns: dict[str, FieldColumns] = field(default_factory=dict)
    unknown_columns: int = 0
    data_rows: int = 0
    yielded: int = 0
    skipped_no_id: int = 0
    skipped_malformed: int = 0
    duplicates: int = 0
    skipped_lines: list[int] = field(default_factory=list)
    complete: bool = False


def read_listing(path: Path) -> ListingReader:
    """Open UMIN-CTR's bulk CSV at ``path`` and read its header; iterate for the rows.

    Raises :class:`BulkDataError` now for a file that is missing, empty, an HTML page,
    not gzip/UTF-8, or whose header lacks the trial-ID or last-modified column; and
    during iteration for damage found later. Consume the iterator fully before trusting
    the rows: only then is ``stats.complete`` true. Close it (or use ``with``) if you
    stop early.
    """
    return ListingReader(path)


class ListingReader(Iterator[ListingRow]):
    """The rows of one bulk CSV, in file order; see :func:`read_listing`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.stats = ListingStats()
        self._raw, self._binary, self._unterminated = _open_binary(self.path)
        try:
            self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig",
                                          errors="strict", newline="")
            # Larger reads than the default 8 KiB: a gzip read has a Python-level cost
            # per call, and this makes the gzip case about 15% faster.
            with contextlib.suppress(AttributeError):
                self._text._CHUNK_SIZE = _CHUNK  # type: ignore[attr-defined]
            if csv.field_size_limit() < FIELD_LIMIT:
                csv.field_size_limit(FIELD_LIMIT)
            self._csv = csv.reader(self._text, strict=True)
            # The first data row, read to learn whether it was a second header row:
            # (record, its first line, its last line).
            self._pending: tuple[list[str], int, int] | None = None
            self._read_header()
        except BaseException:
            self._close_files()
            raise
        self._rows: Generator[ListingRow, None, None] = self._generate()

    # --- iteration and closing --------------------------------------------------------

    def __next__(self) -> ListingRow:
        return next(self._rows)

    def close(self) -> None:
        self._rows.close()
        self._close_files()

    def _close_files(self) -> None:
        self._binary.close()
        self._raw.close()

    def __enter__(self) -> ListingReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # --- header ---------------------------------------------------------------------------

    def _next_record(self) -> list[str] | None:
        """The next CSV record, with every way the file can break turned into one
        BulkDataError naming the file and roughly where."""
        try:
            return next(self._csv)
        except StopIteration:
            return None
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise self._error(f"the gzip data is cut short or damaged after line "
                              f"{self._csv.line_num} ({error}): download it again") from error
        except UnicodeDecodeError as error:
            raise self._error(f"bytes that are not UTF-8 after line {self._csv.line_num}: "
                              "not UMIN-CTR's UTF-8 CSV, or damaged") from error
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise self._error("ends inside a quoted cell: the file is truncated? "
                                  "Download it again") from error
            raise self._error(f"broken CSV after line {self._csv.line_num} ({error}): "
                              "damaged or not UMIN-CTR's CSV") from error
        except OSError as error:
            raise self._error(f"cannot be read ({error})") from error

    def _error(self, problem: str) -> BulkDataError:
        return BulkDataError(f"UMIN-CTR bulk CSV {self.path}: {problem}")

    def _read_header(self) -> None:
        first = self._next_record()
        if first is None:
            raise self._error("has no rows: download it again")
        first_end = self._csv.line_num
        second = self._next_record()
        rows = [first]
        if second is not None and _is_header_row(second):
            rows.append(second)
            self.stats.header_form = "two-rows"
            self.stats.header_rows = 2
        elif second is not None:
            self._pending = (second, first_end + 1, self._csv.line_num)
        self.stats.column_count = max(len(row) for row in rows)
        self.stats.columns, self.stats.unknown_columns = _locate_columns(rows)
        missing = [name for name in REQUIRED if name not in self.stats.columns]
        if missing:
            wanted = " / ".join(f"{name} ({LABELS[name][0]} or {LABELS[name][1]})"
                                for name in missing)
            raise self._error(f"no column labelled as {wanted} in its header: UMIN changed "
                              "the layout? Add the new label to LABELS in "
                              "monitor/registries/umin/bulk.py")

    # --- rows -----------------------------------------------------------------------------

    def _records(self) -> Iterator[tuple[list[str], int]]:
        """Data records with the line each starts on; blank lines left out."""
        if self._pending is not None:
            first, start, end = self._pending
            yield first, start
        else:
            end = self._csv.line_num
        while (record := self._next_record()) is not None:
            start, end = end + 1, self._csv.line_num
            if record:
                yield record, start

    def _generate(self) -> Generator[ListingRow, None, None]:
        stats = self.stats
        width = stats.column_count
        build = _RowBuilder(stats.columns)
        seen: set[str] = set()
        for record, start in self._records():
            stats.data_rows += 1
            if len(record) != width and not _only_empty_beyond(record, width):
                self._skip(stats, start, malformed=True)
                continue
            row = build(record, start)
            if row is None:
                self._skip(stats, start, malformed=False)
                continue
            if row.trial_id in seen:
                stats.duplicates += 1
            seen.add(row.trial_id)
            stats.yielded += 1
            yield row
        if self._unterminated:
            raise self._error("does not end with a line break, so its last row may be cut "
                              "short: the file is truncated? Download it again")
        if stats.skipped_malformed > max(MALFORMED_MIN, MALFORMED_SHARE * stats.data_rows):
            raise self._error(f"{stats.skipped_malformed} of {stats.data_rows} rows do not "
                              f"have the header's {width} columns (first at line "
                              f"{stats.skipped_lines[0]}): not the layout its header says")
        if not stats.yielded:
            raise self._error(f"none of its {stats.data_rows} rows has a valid UMIN ID "
                              "(UMIN + 9 digits): not the listing, or the ID format changed")
        stats.complete = True

    @staticmethod
    def _skip(stats: ListingStats, line: int, *, malformed: bool) -> None:
        if malformed:
            stats.skipped_malformed += 1
        else:
            stats.skipped_no_id += 1
        if len(stats.skipped_lines) < 20:
            stats.skipped_lines.append(line)


def _open_binary(path: Path) -> tuple[BinaryIO, BinaryIO, bool]:
    """The open file; its bytes, decompressed if they are gzip; and whether it is plain
    text that does not end with a line break (so may be cut short: a gzip file's own
    trailer tells that instead). Refuses what is plainly not a CSV first (an HTML error
    page saved in its place, an empty file)."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - returned open, closed by the reader
    except OSError as error:
        raise BulkDataError(f"UMIN-CTR bulk CSV {path} cannot be opened ({error.strerror}): "
                            "check the path") from error
    stream: BinaryIO = raw
    unterminated = False
    try:
        head = raw.peek(2)[:2]
        if head == _GZIP_MAGIC:
            stream = cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
        elif head:
            raw.seek(-1, io.SEEK_END)
            unterminated = raw.read(1) not in (b"\n", b"\r")
            raw.seek(0)
        start = _peek(stream)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as error:
        raw.close()
        raise BulkDataError(f"UMIN-CTR bulk CSV {path}: damaged gzip data ({error}): "
                            "download it again") from error
    problem = _not_a_csv(start)
    if problem:
        raw.close()
        raise BulkDataError(f"UMIN-CTR bulk CSV {path}: {problem}")
    return raw, stream, unterminated


def _peek(stream: BinaryIO) -> bytes:
    peek = getattr(stream, "peek", None)
    assert peek is not None, "a buffered stream"
    data: bytes = peek(_CHUNK)
    return data[:4096]


def _not_a_csv(start: bytes) -> str | None:
    if not start:
        return "is empty: download it again"
    text = start.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) \
            or b"<html" in text[:1024]:
        return ("is an HTML page, not the CSV (the server sent an error or maintenance "
                "page): fetch it again later")
    return None


# --- header ---------------------------------------------------------------------------------

def _normalized(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


_FIELD_OF_LABEL = {_normalized(label): name for name, labels in LABELS.items()
                   for label in labels}
_LANGUAGE_WORDS = sorted(
    ((_normalized(form), language) for word, language in LANGUAGE_WORDS.items()
     for form in ((word,) if word[0] in "(_" else
                  (word, f"({word})", f"[{word}]", f"【{word}】"))),
    key=lambda item: -len(item[0]))  # longest first: "(英語)" before "英語"


def _without_language(label: str) -> tuple[str, str | None]:
    """A normalized label without a language word at either end, and that language."""
    for word, language in _LANGUAGE_WORDS:
        if label == word:
            return "", language
        for bare in (label.removesuffix(word), label.removeprefix(word)):
            if bare != label:
                return bare.strip("-_:/"), language
    return label, None


def _label_readings(cell: str) -> list[tuple[str | None, str | None]]:
    """What a header cell may say: (field, language) for the whole cell and for each
    half of a bilingual ``日本語/English`` cell."""
    text = unicodedata.normalize("NFKC", cell).strip()
    parts = [text]
    ja, en = split_bilingual(text)
    if ja and en:
        parts += [ja, en]
    readings = []
    for part in parts:
        label = _normalized(part)
        bare, language = _without_language(label)
        readings.append((_FIELD_OF_LABEL.get(label) or _FIELD_OF_LABEL.get(bare), language))
    return readings


def _is_header_row(record: list[str]) -> bool:
    """A second header row (the other language's names) rather than the first trial:
    it names at least two known columns and holds no trial ID."""
    if any(TRIAL_ID.fullmatch(cell.strip()) for cell in record):
        return False
    known = sum(1 for cell in record if any(name for name, _ in _label_readings(cell)))
    return known >= 2


def _locate_columns(rows: list[list[str]]) -> tuple[dict[str, FieldColumns], int]:
    """Each known field's columns, from every header row's cells; and how many columns
    are of no known field. A column whose cells name two different fields is ambiguous
    and left unused rather than guessed."""
    width = max(len(row) for row in rows)
    found: dict[str, list[tuple[int, str | None]]] = {}
    unknown = 0
    for index in range(width):
        names: set[str] = set()
        languages: set[str] = set()
        for row in rows:
            if index < len(row):
                for name, language in _label_readings(row[index]):
                    if name:
                        names.add(name)
                    if language:
                        languages.add(language)
        if len(names) != 1:
            unknown += 1
            continue
        language = languages.pop() if len(languages) == 1 else None
        found.setdefault(names.pop(), []).append((index, language))
    return {name: _assign(columns) for name, columns in found.items()}, unknown


def _assign(columns: list[tuple[int, str | None]]) -> FieldColumns:
    """Which of a field's columns holds Japanese values and which English: a language
    word in the label decides; otherwise the first is Japanese, the second English, as
    in the 2017 file; a lone column is judged by its content."""
    ja = next((index for index, language in columns if language == "ja"), None)
    en = next((index for index, language in columns if language == "en"), None)
    rest = [index for index, language in columns if language is None]
    single = None
    if ja is None and en is None:
        if len(rest) == 1:
            single = rest[0]
        elif rest:
            ja, en = rest[0], rest[1]
    elif ja is None and rest:
        ja = rest[0]
    elif en is None and rest:
        en = rest[0]
    return FieldColumns(ja=ja, en=en, single=single,
                        indices=tuple(index for index, _ in columns))


# --- cells ---------------------------------------------------------------------------------

def _only_empty_beyond(record: list[str], width: int) -> bool:
    """A row longer than the header only by empty cells (a trailing comma) is whole."""
    return len(record) > width and not any(record[width:])


def _date(cell: str) -> str | None:
    """ISO date of a cell; the registry's ``YYYY/MM/DD[ hh:mm:ss]`` without a regex."""
    if len(cell) >= 10 and cell[4] == "/" and cell[7] == "/" \
            and (len(cell) == 10 or cell[10] == " "):
        try:
            return date(int(cell[:4]), int(cell[5:7]), int(cell[8:10])).isoformat()
        except ValueError:
            return None
    if not cell or cell.isspace():
        return None
    return parse_date(cell)


def _sample_size(cell: str) -> int | None:
    """A whole-cell number; None for sentinels and for text (``about 100``): a number
    picked out of prose could be the wrong one."""
    text = cell.strip()
    if not (text.isascii() and text.isdigit()):
        text = unicodedata.normalize("NFKC", text).replace(",", "").strip()
        if not (text.isascii() and text.isdigit()):
            return None
    if len(text) >= _SENTINEL_NINES and not text.strip("9"):
        return None
    number = int(text)
    return None if number >= _SENTINEL_MIN else number


def _text(cell: str) -> str | None:
    text = cell.strip()
    return text or None


def _lines(cell: str) -> tuple[str, ...]:
    """A multi-line cell as its non-empty lines, as the view page's parser splits
    conditions (a ``:`` inside a condition is text, not a separator)."""
    if "\n" not in cell:
        text = cell.strip()
        return (text,) if text else ()
    return tuple(line.strip() for line in cell.splitlines() if line.strip())


def _receipt_from_url(cell: str) -> str | None:
    at = cell.find("recptno=")
    if at < 0 or "ctr_view" not in cell:
        return None
    number = cell[at + 8:at + 18]
    return number.upper() if RECEIPT_NUMBER.fullmatch(number) else None


def _receipt(cell: str) -> str | None:
    text = cell.strip()
    return text.upper() if RECEIPT_NUMBER.fullmatch(text) else None


class _RowBuilder:
    """Turns a record into a ListingRow, with the header's column positions fixed once."""

    def __init__(self, columns: dict[str, FieldColumns]) -> None:
        self.columns = columns
        none = FieldColumns()
        self.id_columns = columns["trial_id"].indices
        self.modified = columns["date_last_modified"].indices
        self.registered = columns.get("date_registered", none).indices
        self.disclosed = columns.get("date_disclosed", none).indices
        self.receipt = columns.get("receipt_number", none).indices
        self.urls = columns.get("view_url", none).indices
        self.size = columns.get("target_sample_size", none).indices
        self.status = columns.get("status", none)
        self.title = columns.get("title", none)
        self.title_public = columns.get("title_public", none)
        self.conditions = columns.get("conditions", none)
        # map_status tries every prefix each call; the file has few distinct statuses.
        self.statuses: dict[str | None, str] = {}

    def __call__(self, record: list[str], line: int) -> ListingRow | None:
        trial_id = _agreed(record, self.id_columns, _trial_id)
        if trial_id is None:
            return None
        receipt = (_agreed(record, self.receipt, _receipt) if self.receipt
                   else _agreed(record, self.urls, _receipt_from_url))
        status_ja, status_en = _bilingual(record, self.status, _text)
        if status_ja and status_en:
            status_raw: str | None = f"{status_ja}/{status_en}"
        else:
            status_raw = status_en or status_ja
        title_ja, title_en = _bilingual(record, self.title, _text)
        public_ja, public_en = _bilingual(record, self.title_public, _text)
        conditions_ja, conditions_en = _bilingual(record, self.conditions, _lines)
        return ListingRow(
            trial_id=trial_id,
            receipt_number=receipt,
            date_last_modified=_agreed(record, self.modified, _date),
            date_registered=_agreed(record, self.registered, _date),
            date_disclosed=_agreed(record, self.disclosed, _date),
            status=self._status(status_raw),
            status_raw=status_raw,
            target_sample_size=_agreed(record, self.size, _sample_size),
            title_ja=title_ja, title_en=title_en,
            title_public_ja=public_ja, title_public_en=public_en,
            conditions_ja=conditions_ja or (), conditions_en=conditions_en or (),
            line=line,
            # SHA-256: hardware-accelerated on current CPUs, faster here than blake2b.
            fingerprint=hashlib.sha256("\x1f".join(record).encode()).hexdigest(),
        )


    def _status(self, raw: str | None) -> str:
        status = self.statuses.get(raw)
        if status is None:
            status = map_status(raw)
            if len(self.statuses) < 1000:
                self.statuses[raw] = status
        return status


def _trial_id(cell: str) -> str | None:
    text = cell.strip()
    return text.upper() if TRIAL_ID.fullmatch(text) else None


def _agreed(record: list[str], columns: tuple[int, ...],
            convert: Callable[[str], T | None]) -> T | None:
    """A scalar field's value: the same in every column that has one, else None (two
    columns that disagree cannot both be right, and a guess could be the wrong one)."""
    if len(columns) == 1:
        return convert(record[columns[0]])
    values = {value for value in (convert(record[index]) for index in columns)
              if value is not None}
    return values.pop() if len(values) == 1 else None


def _bilingual(record: list[str], columns: FieldColumns,
               convert: Callable[[str], T | None]) -> tuple[T | None, T | None]:
    """A field's (Japanese, English) values; a lone column's value goes to the language
    it is written in."""
    if columns.single is not None:
        cell = record[columns.single]
        value = convert(cell)
        return (value, None) if has_japanese(cell) else (None, value)
    ja = convert(record[columns.ja]) if columns.ja is not None else None
    en = convert(record[columns.en]) if columns.en is not None else None
    return ja, en


class UminListing:
    """UMIN-CTR's daily CSV as the registry's bulk listing (see ``BulkListing``)."""

    def __init__(self, url: str, max_page_age: float) -> None:
        self.url = url
        self.max_page_age = max_page_age

    def read(self, path: Path) -> Iterator[ListingEntry]:
        with read_listing(path) as reader:
            for row in reader:
                yield ListingEntry(
                    registry="umin", trial_id=row.trial_id,
                    keys={"receipt_number": row.receipt_number} if row.receipt_number else {},
                    status=row.status, status_raw=row.status_raw,
                    date_last_modified=row.date_last_modified,
                    date_registered=row.date_registered,
                    target_sample_size=row.target_sample_size, title_ja=row.title_ja,
                    title_en=row.title_en, title_public_ja=row.title_public_ja,
                    title_public_en=row.title_public_en, conditions_ja=row.conditions_ja,
                    conditions_en=row.conditions_en)
