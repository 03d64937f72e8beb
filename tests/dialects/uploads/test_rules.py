"""FOLIO's fileExtension rules: the metadata formats and the blocked extensions."""

from __future__ import annotations

from typing import Any

from docload.dialects.uploads.rules import extension_rules


def test_rules_list_processable_metadata_and_blocked_extensions(settings: Any) -> None:
    settings.UPLOAD_BLOCKED_EXTENSIONS = [".exe", ".bat"]
    rules = extension_rules()
    assert [(rule["extension"], rule["importBlocked"]) for rule in rules] == [
        (".csv", False),
        (".xlsx", False),
        (".exe", True),
        (".bat", True),
    ]
    assert rules[0]["dataTypes"] == ["metadata"]
    assert extension_rules()[1]["id"] == rules[1]["id"]  # stable
