"""Workbooks as a source: the documents sheet read like a CSV file, refused before any row."""

import csv
import datetime
import uuid
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from docload.documents.models import EnkelvoudigInformatieObject
from docload.imports.columns import REQUIRED_HEADERS, flat_row_input
from docload.imports.errors import ImportProblem
from docload.imports.jobs import create_job, store_source
from docload.imports.models import Job, JobStatus
from docload.imports.scheduling import start_job
from docload.imports.sources.xlsx import XlsxSource, cell_text
from tests.factories import metadata_row, write_files
from tests.imports.conftest import outcomes, run
from tests.storage import stored_keys as keys_under
from tests.workbooks import Formula, documents_workbook, workbook_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def stored_keys(data_dir: Path) -> list[str]:
    return keys_under("imports")


def start_workbook(data: bytes, base_dir: Path) -> Job:
    job = create_job("openzaak", batch_size=3)
    key = store_source(job, [data], "xlsx")
    start_job(job, key, {"kind": "base_dir", "path": str(base_dir)}, enqueue=False)
    return job


def source_of(tmp_path: Path, data: bytes) -> XlsxSource:
    path = tmp_path / "load.xlsx"
    path.write_bytes(data)

    class _Path:
        def __enter__(self) -> str:
            return str(path)

        def __exit__(self, *args: Any) -> None:
            pass

    return XlsxSource(_Path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (" ", ""),
        ("  a ", "  a "),
        (12.0, "12"),
        (2.5, "2.5"),
        (7, "7"),
        (True, "true"),
        (False, "false"),
        (datetime.date(2024, 3, 1), "2024-03-01"),
        (datetime.datetime(2024, 3, 1), "2024-03-01"),
        (datetime.datetime(2024, 3, 1, 10, 30), "2024-03-01T10:30:00"),
    ],
)
def test_cells_become_the_apis_text(value: Any, text: str) -> None:
    assert cell_text(value) == text


def test_rows_in_any_column_order_skipping_empty_rows(tmp_path: Path) -> None:
    headers = list(reversed(REQUIRED_HEADERS))
    table = [
        headers,
        [{"titel": "Een", "creatiedatum": datetime.date(2024, 3, 1), "bestandsomvang": 12.0}
         .get(name, "") for name in headers],
        ["" for _ in headers],
        [" " for _ in headers],
        [{"titel": "Twee", "auteur": " "}.get(name, "") for name in headers],
    ]  # fmt: skip
    source = source_of(tmp_path, workbook_bytes({"enkelvoudiginformatieobjecten": table}))
    assert source.header() == headers
    assert source.count() == 2
    rows = list(source.rows())
    assert [row.number for row in rows] == [2, 3]
    # The place is the row as the spreadsheet program numbers it, empty rows counted.
    assert [row.place for row in rows] == [
        "enkelvoudiginformatieobjecten row 2", "enkelvoudiginformatieobjecten row 5",
    ]  # fmt: skip
    first = flat_row_input(rows[0].values).document
    assert (first["titel"], first["creatiedatum"], first["bestandsomvang"]) == (
        "Een", "2024-03-01", "12",
    )  # fmt: skip
    assert flat_row_input(rows[1].values).document["auteur"] is None
    assert [row.number for row in source.rows(skip=1)] == [3]


def test_sheets_are_one_stream_of_records_left_to_right(tmp_path: Path) -> None:
    types = [["omschrijving"], ["a"], [], ["b"]]
    links = [["object"], ["x"]]
    sheets = {"informatieobjecttypen": types, "objectinformatieobjecten": links}
    source = source_of(tmp_path, workbook_bytes(sheets))
    assert source.header() == ["sheet", "omschrijving", "object"]
    assert source.count() == 3
    rows = list(source.rows())
    assert [(row.number, row.place, row.values) for row in rows] == [
        (2, "informatieobjecttypen row 2", {"omschrijving": "a"}),
        (3, "informatieobjecttypen row 4", {"omschrijving": "b"}),
        (4, "objectinformatieobjecten row 2", {"object": "x"}),
    ]
    assert [row.number for row in source.rows(skip=2)] == [4]
    assert list(source.rows(skip=3)) == []


def test_a_workbook_imports_like_a_csv_file(base_dir: Path, document_type_url: str) -> None:
    paths = write_files(base_dir, 4)
    rows = [metadata_row(document_type_url, bestandspad=p, titel=f"doc {p}") for p in paths]
    rows[2]["bronorganisatie"] = "123"
    job = run(start_workbook(documents_workbook(rows), base_dir))
    assert (job.status, job.source_format, job.total, job.succeeded) == (
        JobStatus.FINISHED, "xlsx", 4, 3,
    )  # fmt: skip
    assert not outcomes(job)[4][0] and "bronorganisatie" in outcomes(job)[4][1]
    assert EnkelvoudigInformatieObject.objects.count() == 3


def test_formulas_give_their_cached_values_and_comments_are_ignored(
    base_dir: Path, document_type_url: str
) -> None:
    paths = write_files(base_dir, 1)
    row = metadata_row(document_type_url, bestandspad=paths[0], titel=Formula("A1&A2", "Som"))
    job = run(start_workbook(documents_workbook([row], comments=True), base_dir))
    assert (job.status, job.succeeded) == (JobStatus.FINISHED, 1)
    assert EnkelvoudigInformatieObject.objects.get().titel == "Som"


@pytest.mark.parametrize(
    ("data", "code", "named"),
    [
        (b"not a zip at all", "not-xlsx", ""),
        (b"PK\x03\x04broken", "not-xlsx", ""),
        (workbook_bytes({"documenten": [["x"]]}), "unknown-sheet", "documenten"),
        (
            documents_workbook([], extra=[["x"]]),
            "unknown-sheet",
            "extra",
        ),
        (documents_workbook([], headers=["uuid", "titel"]), "missing-import-headers", "auteur"),
    ],
)
def test_a_workbook_that_cannot_be_loaded_is_refused_and_not_kept(
    data_dir: Path, data: bytes, code: str, named: str
) -> None:
    job = create_job("openzaak")
    with pytest.raises(ImportProblem) as refused:
        store_source(job, [data], "xlsx")
    assert refused.value.code == code and named in refused.value.message
    assert not stored_keys(data_dir)


def test_a_zip_bomb_is_refused_before_it_is_opened(settings: Any, data_dir: Path) -> None:
    settings.DOCLOAD_XLSX_MAX_UNCOMPRESSED_BYTES = 100_000
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 200_000)
    assert len(buffer.getvalue()) < 10_000
    with pytest.raises(ImportProblem) as refused:
        store_source(create_job("openzaak"), [buffer.getvalue()], "xlsx")
    assert refused.value.code == "xlsx-too-large"
    assert not stored_keys(data_dir)


def test_import_command_loads_a_workbook(tmp_path: Path, document_type_url: str) -> None:
    files = tmp_path / "files"
    paths = write_files(files, 3)
    metadata = tmp_path / "load.xlsx"
    metadata.write_bytes(
        documents_workbook([metadata_row(document_type_url, bestandspad=p) for p in paths])
    )
    call_command("import", str(metadata), "--base-dir", str(files))
    assert EnkelvoudigInformatieObject.objects.count() == 3
    assert "Geïmporteerd" in (tmp_path / "load.report.csv").read_text(encoding="utf-8")


def test_the_report_of_several_sheets_names_each_rows_sheet(tmp_path: Path) -> None:
    files = tmp_path / "files"
    paths = write_files(files, 2)
    type_uuid = uuid.uuid4()
    type_url = f"http://testserver/catalogi/api/v1/informatieobjecttypen/{type_uuid}"
    types = [
        ["uuid", "omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid"],
        [str(type_uuid), "Brief", "openbaar", datetime.date(2024, 1, 1)],
        ["", "", "openbaar", "2024-01-01"],
    ]
    metadata = tmp_path / "load.xlsx"
    documents = [list(REQUIRED_HEADERS)]
    documents += [[row.get(name, "") for name in REQUIRED_HEADERS] for row in (
        metadata_row(type_url, bestandspad=p) for p in paths
    )]  # fmt: skip
    sheets = {"informatieobjecttypen": types, "enkelvoudiginformatieobjecten": documents}
    metadata.write_bytes(workbook_bytes(sheets))
    with pytest.raises(SystemExit):  # a row failed
        call_command("import", str(metadata), "--base-dir", str(files))
    assert EnkelvoudigInformatieObject.objects.count() == 2
    text = (tmp_path / "load.report.csv").read_text(encoding="utf-8")
    report = list(csv.DictReader(text.splitlines()))
    assert [(r["sheet"], r["resultaat"]) for r in report] == [
        ("informatieobjecttypen", "Geïmporteerd"),
        ("informatieobjecttypen", "Niet geïmporteerd"),
        ("enkelvoudiginformatieobjecten", "Geïmporteerd"),
        ("enkelvoudiginformatieobjecten", "Geïmporteerd"),
    ]
    assert "omschrijving: This field is required." in report[1]["opmerking"]
    assert report[0]["omschrijving"] == "Brief" and report[2]["titel"]


def test_import_command_refuses_an_unknown_sheet(tmp_path: Path) -> None:
    metadata = tmp_path / "load.xlsx"
    metadata.write_bytes(workbook_bytes({"Blad1": [["x"]]}))
    with pytest.raises(CommandError, match="Blad1"):
        call_command("import", str(metadata), "--base-dir", str(tmp_path))
