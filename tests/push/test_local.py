"""The client's pure parts: reading names, digests, the state file, the report summary."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from docload.push.local import (
    PushError,
    State,
    backoff_delays,
    batches,
    read_names,
    sha256_of,
    summarize_report,
    unsendable,
)


def test_names_are_read_from_bestandspad_distinct_and_in_order(tmp_path: Path) -> None:
    metadata = tmp_path / "m.csv"
    metadata.write_text("\ufefftitel,bestandspad\na,x.pdf\nb,\nc,y.pdf\nd,x.pdf\ne\n")
    assert read_names(metadata) == ["x.pdf", "y.pdf"]


def test_a_csv_without_bestandspad_is_refused(tmp_path: Path) -> None:
    metadata = tmp_path / "m.csv"
    metadata.write_text("titel\na\n")
    with pytest.raises(PushError, match="bestandspad"):
        read_names(metadata)


def test_names_with_directories_or_the_metadata_name_cannot_be_sent() -> None:
    problems = unsendable(["ok.pdf", "a/b.pdf", "m.csv", ".."], "m.csv")
    assert len(problems) == 3 and "a/b.pdf" in problems[0] and "m.csv" in problems[1]


def test_sha256_of_a_file_larger_than_a_chunk(tmp_path: Path) -> None:
    data = b"x" * (3 * 1024 * 1024 + 5)
    (tmp_path / "f").write_bytes(data)
    assert sha256_of(tmp_path / "f") == hashlib.sha256(data).hexdigest()


def test_batches_and_backoff() -> None:
    assert list(batches(list("abcde"), 2)) == [["a", "b"], ["c", "d"], ["e"]]
    assert backoff_delays(5) == [0.5, 1.0, 2.0, 4.0]
    assert backoff_delays(7) == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_the_state_is_kept_per_server(tmp_path: Path) -> None:
    metadata = tmp_path / "m.csv"
    state = State.for_metadata(metadata, "http://a")
    state.definition_id = "d-1"
    state.save()
    assert (tmp_path / "m.csv.push.json").exists()
    assert State.for_metadata(metadata, "http://a").definition_id == "d-1"
    assert State.for_metadata(metadata, "http://b").definition_id == ""
    state.clear()
    assert State.for_metadata(metadata, "http://a").definition_id == ""


def test_the_report_summary_counts_and_keeps_the_first_failures(tmp_path: Path) -> None:
    report = tmp_path / "r.csv"
    report.write_text(
        "titel,bestandspad,opmerking,resultaat\n"
        "a,a.pdf,,Geïmporteerd\n"
        "b,b.pdf,taal: ongeldig,Niet geïmporteerd\n"
        "c,c.pdf,,Geïmporteerd\n"
        "d,d.pdf,bestand ontbreekt,Niet geïmporteerd\n",
        encoding="utf-8",
    )
    summary = summarize_report(report, keep=1)
    assert (summary.ok, summary.failed) == (2, 2)
    assert summary.failures == [{"row": 2, "bestandspad": "b.pdf", "opmerking": "taal: ongeldig"}]


def test_the_client_imports_no_django() -> None:
    code = (
        "import sys, docload.cli, docload.push.command; "
        "sys.exit(sorted(m for m in sys.modules if m.split('.')[0] == 'django') != [])"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
