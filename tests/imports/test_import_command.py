import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from docload.documents.models import EnkelvoudigInformatieObject
from tests.factories import csv_text, metadata_row, write_files

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_command_writes_the_report_beside_the_csv(
    tmp_path: Path, document_type_url: str
) -> None:
    files = tmp_path / "files"
    paths = write_files(files, 4)
    rows = [metadata_row(document_type_url, bestandspad=p) for p in paths]
    metadata = tmp_path / "metadata.csv"
    metadata.write_text(csv_text(rows))

    call_command("import", str(metadata), "--base-dir", str(files), "--batch-size", "3")

    assert EnkelvoudigInformatieObject.objects.count() == 4
    with open(tmp_path / "metadata.report.csv", newline="", encoding="utf-8") as report:
        assert [row["resultaat"] for row in csv.DictReader(report)] == ["Geïmporteerd"] * 4


def test_import_command_exits_non_zero_when_a_row_failed(
    tmp_path: Path, document_type_url: str
) -> None:
    metadata = tmp_path / "metadata.csv"
    metadata.write_text(csv_text([metadata_row(document_type_url, bestandspad="missing.pdf")]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", str(metadata), "--base-dir", str(tmp_path))
    assert exit_info.value.code == 1
    assert "does not exist" in (tmp_path / "metadata.report.csv").read_text(encoding="utf-8")


def test_import_command_refuses_a_missing_base_dir(tmp_path: Path, document_type_url: str) -> None:
    metadata = tmp_path / "metadata.csv"
    metadata.write_text(csv_text([metadata_row(document_type_url)]))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import", str(metadata), "--base-dir", str(tmp_path / "nope"))
