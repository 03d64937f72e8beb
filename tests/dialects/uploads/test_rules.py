"""Extensions: FOLIO's extension rule, the metadata file, blocked extensions."""

from __future__ import annotations

from typing import Any

import pytest

from docload.dialects.uploads.rules import (
    extension_of,
    extension_rules,
    is_blocked,
    metadata_format,
)


@pytest.mark.parametrize(
    ("name", "extension"),
    [("a.pdf", ".pdf"), ("A.TAR.GZ", ".gz"), ("noext", ""), (".bashrc", ""), ("a.", ".")],
)
def test_extension_is_from_the_last_dot(name: str, extension: str) -> None:
    assert extension_of(name) == extension


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("metadata.csv", "csv"),
        ("Metadata.CSV", "csv"),
        ("sheet.xlsx", "xlsx"),
        ("manifest.json", "json"),
        ("other.json", ""),
        ("a.pdf", ""),
    ],
)
def test_metadata_format(name: str, kind: str) -> None:
    assert metadata_format(name) == kind


def test_blocked_extensions_come_from_the_settings(settings: Any) -> None:
    settings.UPLOAD_BLOCKED_EXTENSIONS = [".exe"]
    assert is_blocked("setup.EXE") and not is_blocked("exe.pdf")


def test_rules_list_processable_metadata_and_blocked_extensions(settings: Any) -> None:
    settings.UPLOAD_BLOCKED_EXTENSIONS = [".exe", ".bat"]
    rules = extension_rules()
    assert [(rule["extension"], rule["importBlocked"]) for rule in rules] == [
        (".csv", False),
        (".exe", True),
        (".bat", True),
    ]
    assert rules[0]["dataTypes"] == ["metadata"]
    assert extension_rules()[1]["id"] == rules[1]["id"]  # stable
