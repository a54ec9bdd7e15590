"""UMIN-CTR's bulk CSV: columns found by label in any header form and order, values
normalized, and every way the file can be unreadable reported as one BulkDataError."""

from __future__ import annotations

import dataclasses
import gzip
import tracemalloc
from pathlib import Path

import pytest
from csvdata import Header, trial, write_listing

from monitor.errors import MonitorError
from monitor.registries.umin.bulk import (
    BulkDataError,
    ListingReader,
    ListingRow,
    read_listing,
)


def read_all(path: Path) -> tuple[list[ListingRow], ListingReader]:
    reader = read_listing(path)
    with reader:
        return list(reader), reader


def sample_rows() -> list[dict[str, str]]:
    """Five trials, three shaped to exercise particular values."""
    rows = [trial(n) for n in range(1, 6)]
    rows[0].update(
        title_ja="糖尿病, \"高血圧\"\n合併例の試験", title_en='A trial, "quoted"\nover two lines',
        conditions_ja="2型糖尿病\n\n 高血圧症 ", conditions_en="Type 2 diabetes\nHypertension",
        status_ja="募集終了", status_en="No longer recruiting",
        target_sample_size="120", date_last_modified="2022/12/15 11:23:42",
        date_registered="2020/08/31", date_disclosed="2020/09/01")
    rows[1].update(target_sample_size="9999999999", status_ja="", status_en="Completed")
    rows[2].update(status_ja="何か新しい状態", status_en="", target_sample_size="１，２００")
    return rows


# --- rows ------------------------------------------------------------------------------------

def test_rows_carry_normalized_values(tmp_path: Path) -> None:
    rows = sample_rows()
    write_listing(tmp_path / "ctr.csv.gz", rows)
    listing, reader = read_all(tmp_path / "ctr.csv.gz")

    assert [row.trial_id for row in listing] == [f"UMIN{n:09d}" for n in range(1, 6)]
    first = listing[0]
    assert first.receipt_number == "R000100001"
    assert first.date_last_modified == "2022-12-15"
    assert first.date_registered == "2020-08-31"
    assert first.date_disclosed == "2020-09-01"
    assert (first.status, first.status_raw) == ("active_not_recruiting",
                                                "募集終了/No longer recruiting")
    assert first.target_sample_size == 120
    assert first.title_ja == "糖尿病, \"高血圧\"\n合併例の試験"
    assert first.title_en == 'A trial, "quoted"\nover two lines'
    assert first.title_public_ja == rows[0]["title_public_ja"]
    assert first.title_public_en == rows[0]["title_public_en"]
    assert first.conditions_ja == ("2型糖尿病", "高血圧症")
    assert first.conditions_en == ("Type 2 diabetes", "Hypertension")
    assert first.line == 2

    assert (listing[1].status, listing[1].status_raw) == ("completed", "Completed")
    assert listing[1].target_sample_size is None  # the 9999999999 sentinel
    assert (listing[2].status, listing[2].status_raw) == ("unknown", "何か新しい状態")
    assert listing[2].target_sample_size == 1200
    assert reader.stats.complete and reader.stats.yielded == 5
    assert reader.stats.header_form == "bilingual"


def test_line_numbers_count_lines_inside_quoted_cells(tmp_path: Path) -> None:
    rows = sample_rows()
    write_listing(tmp_path / "ctr.csv", rows, gzip=False)
    text = (tmp_path / "ctr.csv").read_text(encoding="utf-8").split("\n")
    for row in read_all(tmp_path / "ctr.csv")[0]:
        assert row.trial_id in text[row.line - 1], row.line


TWO_ROWS: list[Header] = ["two-rows", "two-rows-en-first"]
ONE_AND_TWO_ROWS: list[Header] = ["bilingual", "two-rows"]


@pytest.mark.parametrize("header", TWO_ROWS)
def test_two_row_headers_read_as_the_bilingual_one(tmp_path: Path, header: Header) -> None:
    write_listing(tmp_path / "one.csv.gz", sample_rows())
    write_listing(tmp_path / "two.csv.gz", sample_rows(), header=header)
    bilingual = read_all(tmp_path / "one.csv.gz")[0]
    two, reader = read_all(tmp_path / "two.csv.gz")
    assert reader.stats.header_form == "two-rows"
    assert [dataclasses.replace(row, line=row.line - 1) for row in two] == bilingual


@pytest.mark.parametrize("header", ONE_AND_TWO_ROWS)
def test_shuffled_columns_and_unknown_extra_columns(tmp_path: Path, header: Header) -> None:
    write_listing(tmp_path / "plain.csv.gz", sample_rows(), header=header)
    columns = write_listing(tmp_path / "mixed.csv.gz", sample_rows(), header=header,
                            shuffle=11, extra_columns=7)
    assert [c.key for c in columns][:3] != ["receipt_number", "trial_id", "title_public_ja"]
    expected = read_all(tmp_path / "plain.csv.gz")[0]
    got, reader = read_all(tmp_path / "mixed.csv.gz")
    assert reader.stats.unknown_columns == read_all(tmp_path / "plain.csv.gz")[1] \
        .stats.unknown_columns + 7
    # Same values; only the fingerprint (of the cells in file order) differs.
    assert [dataclasses.replace(row, fingerprint="") for row in got] == \
        [dataclasses.replace(row, fingerprint="") for row in expected]


def test_plain_csv_with_bom_and_gzip_told_by_content_not_name(tmp_path: Path) -> None:
    write_listing(tmp_path / "named.csv.gz", sample_rows(), gzip=False, bom=True)
    write_listing(tmp_path / "named.csv", sample_rows(), gzip=True)
    plain = read_all(tmp_path / "named.csv.gz")[0]
    packed = read_all(tmp_path / "named.csv")[0]
    assert plain == packed
    assert plain[0].receipt_number == "R000100001"  # first column despite the BOM


@pytest.mark.parametrize(("cell", "expected"), [
    ("120", 120), ("0", 0), ("9999", 9999), ("1,200", 1200), ("１２０", 120), (" 45 ", 45),
    ("9999999999", None), ("99999", None), ("1000000000", None), ("", None),
    ("about 100", None), ("100名", None), ("-1", None), ("12.5", None),
])
def test_target_sample_size(tmp_path: Path, cell: str, expected: int | None) -> None:
    write_listing(tmp_path / "ctr.csv.gz", [{**trial(1), "target_sample_size": cell}])
    assert read_all(tmp_path / "ctr.csv.gz")[0][0].target_sample_size == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("2020/08/31", "2020-08-31"), ("2022/12/15 11:23:42", "2022-12-15"),
    ("2020/8/1", "2020-08-01"), ("2020年8月31日", "2020-08-31"), ("2020-08-31", "2020-08-31"),
    ("2020/02/30", None), ("0000/00/00", None), ("", None), ("未定", None),
])
def test_dates(tmp_path: Path, cell: str, expected: str | None) -> None:
    write_listing(tmp_path / "ctr.csv.gz", [{**trial(1), "date_registered": cell}])
    assert read_all(tmp_path / "ctr.csv.gz")[0][0].date_registered == expected


def test_rows_without_a_valid_id_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = [trial(1), {**trial(2), "trial_id": ""}, {**trial(3), "trial_id": "UMIN12345"},
            {**trial(4), "trial_id": " umin000000004 "}, trial(1)]
    write_listing(tmp_path / "ctr.csv.gz", rows)
    listing, reader = read_all(tmp_path / "ctr.csv.gz")
    assert [row.trial_id for row in listing] == ["UMIN000000001", "UMIN000000004",
                                                 "UMIN000000001"]
    assert reader.stats.skipped_no_id == 2
    assert reader.stats.duplicates == 1
    assert len(reader.stats.skipped_lines) == 2
    assert reader.stats.complete


def test_receipt_number_from_the_page_link_when_there_is_no_column(tmp_path: Path) -> None:
    rows = [trial(1), {**trial(2), "url_ja": "", "url_en": ""},
            {**trial(3), "url_ja": "https://example.org/?recptno=R000000009"}]
    write_listing(tmp_path / "ctr.csv.gz", rows, omit=["receipt_number"])
    listing = read_all(tmp_path / "ctr.csv.gz")[0]
    # A link that is not to a view page gives nothing; the row's other link still does.
    assert [row.receipt_number for row in listing] == ["R000100001", None, "R000100003"]


def test_columns_that_disagree_give_no_value(tmp_path: Path) -> None:
    rows = [{**trial(1), "url_en": trial(1)["url_en"].replace("R000100001", "R000100999")}]
    write_listing(tmp_path / "ctr.csv.gz", rows, omit=["receipt_number"])
    assert read_all(tmp_path / "ctr.csv.gz")[0][0].receipt_number is None


def test_labels_match_in_any_width_case_and_spacing(tmp_path: Path) -> None:
    labels = {"trial_id": ("ＵＭＩＮ試験ＩＤ", " unique  ID issued by umin "),
              "date_last_modified": ("最終 更新日", "LAST MODIFIED ON")}
    write_listing(tmp_path / "ctr.csv.gz", [trial(1)], labels=labels)
    row = read_all(tmp_path / "ctr.csv.gz")[0][0]
    assert row.trial_id == "UMIN000000001"
    assert row.date_last_modified is not None


def test_a_language_word_in_the_label_beats_column_order(tmp_path: Path) -> None:
    # The first title column is labelled English, the second Japanese.
    labels = {"title_ja": ("試験名（英語）", "Scientific Title (English)"),
              "title_en": ("試験名（日本語）", "Scientific Title (Japanese)")}
    rows = [trial(1)]
    write_listing(tmp_path / "ctr.csv.gz", rows, labels=labels, header="two-rows")
    row = read_all(tmp_path / "ctr.csv.gz")[0][0]
    assert (row.title_ja, row.title_en) == (rows[0]["title_en"], rows[0]["title_ja"])


def test_a_lone_column_goes_to_the_language_it_is_written_in(tmp_path: Path) -> None:
    rows = [{**trial(1), "title_ja": "日本語の試験名"},
            {**trial(2), "title_ja": "An English title"}]
    write_listing(tmp_path / "ctr.csv.gz", rows, omit=["title_en"])
    first, second = read_all(tmp_path / "ctr.csv.gz")[0]
    assert (first.title_ja, first.title_en) == ("日本語の試験名", None)
    assert (second.title_ja, second.title_en) == (None, "An English title")


def test_the_fingerprint_changes_with_any_cell(tmp_path: Path) -> None:
    write_listing(tmp_path / "a.csv.gz", [trial(1), trial(2)])
    write_listing(tmp_path / "b.csv.gz", [trial(1), {**trial(2), "inclusion_en": "changed"}])
    a, b = read_all(tmp_path / "a.csv.gz")[0], read_all(tmp_path / "b.csv.gz")[0]
    assert a[0].fingerprint == b[0].fingerprint
    assert a[1].fingerprint != b[1].fingerprint
    assert a[1].date_last_modified == b[1].date_last_modified


def test_blank_lines_and_trailing_empty_cells_are_harmless(tmp_path: Path) -> None:
    path = tmp_path / "ctr.csv"
    path.write_text("UMIN試験ID/Unique ID issued by UMIN,最終更新日/Last modified on\n"
                    "UMIN000000001,2020/01/01,\n\n"
                    "UMIN000000002,2020/01/02,,\n\n", encoding="utf-8")
    listing, reader = read_all(path)
    assert [(row.trial_id, row.line) for row in listing] == [("UMIN000000001", 2),
                                                             ("UMIN000000002", 4)]
    assert reader.stats.skipped_malformed == 0


def test_reading_streams_instead_of_loading_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ctr.csv.gz"
    write_listing(path, (trial(n, prose=3) for n in range(1, 301)), compresslevel=1)
    with gzip.open(path, "rb") as file:
        size = len(file.read())
    assert size > 3_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_listing(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 300
    assert peak < size / 5, f"peak {peak:,} B for a {size:,} B file"


def test_stopping_early_closes_the_file(tmp_path: Path) -> None:
    write_listing(tmp_path / "ctr.csv.gz", [trial(1), trial(2)])
    with read_listing(tmp_path / "ctr.csv.gz") as reader:
        next(reader)
    assert reader._raw.closed
    assert not reader.stats.complete


# --- files that cannot be read -----------------------------------------------------------

def expect_failure(path: Path, *words: str) -> tuple[list[ListingRow], BulkDataError]:
    """Read ``path`` to its end, which must fail with one BulkDataError naming the file
    and ``words``; returns the rows yielded before the failure."""
    rows: list[ListingRow] = []
    with pytest.raises(BulkDataError) as caught:  # noqa: PT012 - opening or reading
        reader = read_listing(path)
        for row in reader:
            rows.append(row)
    message = str(caught.value)
    assert isinstance(caught.value, MonitorError)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message, message
    return rows, caught.value


HTML = b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head></html>\n"


@pytest.mark.parametrize("packed", [False, True])
def test_an_html_error_page(tmp_path: Path, packed: bool) -> None:
    path = tmp_path / "ctr.csv.gz"
    path.write_bytes(gzip.compress(HTML) if packed else HTML)
    expect_failure(path, "HTML page")


def test_a_truncated_gzip_fails_after_the_rows_it_had(tmp_path: Path) -> None:
    path = tmp_path / "ctr.csv.gz"
    write_listing(path, (trial(n) for n in range(1, 401)), compresslevel=1)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) * 3 // 5])
    rows, _ = expect_failure(path, "cut short", "download it again")
    assert 0 < len(rows) < 400
    assert [row.trial_id for row in rows] == [f"UMIN{n:09d}" for n in range(1, len(rows) + 1)]


@pytest.mark.parametrize("cut_after", [",", '"1. '])  # between cells; in a quoted one
def test_a_plain_file_cut_mid_row(tmp_path: Path, cut_after: str) -> None:
    path = tmp_path / "ctr.csv"
    write_listing(path, [trial(n) for n in range(1, 4)], gzip=False)
    text = path.read_text(encoding="utf-8")
    cut = text.index(cut_after, text.index("UMIN000000003")) + len(cut_after) + 2
    path.write_text(text[:cut], encoding="utf-8")
    rows, _ = expect_failure(path, "truncated")
    assert len(rows) <= 2


def test_a_damaged_gzip(tmp_path: Path) -> None:
    path = tmp_path / "ctr.csv.gz"
    write_listing(path, [trial(n) for n in range(1, 50)])
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = bytes(64)
    path.write_bytes(bytes(data))
    expect_failure(path, "gzip")


@pytest.mark.parametrize("missing", ["trial_id", "date_last_modified"])
def test_a_header_without_a_required_column(tmp_path: Path, missing: str) -> None:
    path = tmp_path / "ctr.csv.gz"
    write_listing(path, [trial(1)], omit=[missing], header="two-rows")
    _, error = expect_failure(path, missing, "LABELS")
    assert ("UMIN試験ID" if missing == "trial_id" else "最終更新日") in str(error)


@pytest.mark.parametrize("packed", [False, True])
def test_bytes_that_are_not_utf8(tmp_path: Path, packed: bool) -> None:
    path = tmp_path / "ctr.csv"
    write_listing(path, [trial(n) for n in range(1, 40)], gzip=False)
    data = path.read_bytes()
    at = data.index(b"UMIN000000030")
    data = data[:at] + "UMIN000000030".encode("shift_jis") + "試験".encode("shift_jis") \
        + data[at + 13:]
    path.write_bytes(gzip.compress(data) if packed else data)
    rows, _ = expect_failure(path, "not UTF-8")
    assert len(rows) < 30


@pytest.mark.parametrize(("content", "words"), [
    (b"", ["empty"]),
    (b"UMIN\xe8\xa9\xa6\xe9\xa8\x93ID/Unique ID issued by UMIN,\xe6\x9c\x80\xe7\xb5\x82"
     b"\xe6\x9b\xb4\xe6\x96\xb0\xe6\x97\xa5/Last modified on\n", ["none of its 0 rows"]),
    (b'UMIN\xe8\xa9\xa6\xe9\xa8\x93ID/Unique ID issued by UMIN,Last modified on\n'
     b'UMIN000000001,"2020/01/01"x\n', ["broken CSV"]),
])
def test_other_unreadable_files(tmp_path: Path, content: bytes, words: list[str]) -> None:
    path = tmp_path / "ctr.csv"
    path.write_bytes(content)
    expect_failure(path, *words)


def test_a_missing_file(tmp_path: Path) -> None:
    expect_failure(tmp_path / "nowhere.csv.gz", "cannot be opened")


def test_a_few_malformed_rows_are_skipped_but_many_refuse_the_file(tmp_path: Path) -> None:
    header = "UMIN試験ID/Unique ID issued by UMIN,最終更新日/Last modified on,x/x\n"
    good = "".join(f"UMIN{n:09d},2020/01/01,a\n" for n in range(1, 1001))
    path = tmp_path / "few.csv"
    path.write_text(header + good + "UMIN000009999,2020/01/01\n", encoding="utf-8")
    listing, reader = read_all(path)
    assert len(listing) == 1000 and reader.stats.skipped_malformed == 1
    assert reader.stats.skipped_lines == [1002]

    bad = "".join(f"UMIN{n:09d},2020/01/01,a,b\n" for n in range(2000, 2020))
    path = tmp_path / "many.csv"
    path.write_text(header + good + bad, encoding="utf-8")
    expect_failure(path, "20 of 1020 rows", "line 1002")
