"""What the content storage holds, through Django's storage API: local files and S3 alike."""

from __future__ import annotations

from django.core.files.storage import storages


def stored_keys(prefix: str = "") -> list[str]:
    """Every key in the content storage under `prefix` (a directory), sorted."""
    storage = storages["default"]
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:  # a local directory not made yet
        return []
    keys = [f"{prefix}/{name}" if prefix else name for name in files]
    for directory in directories:
        keys += stored_keys(f"{prefix}/{directory}" if prefix else directory)
    return sorted(keys)


def stored_bytes(key: str) -> bytes:
    with storages["default"].open(key, "rb") as file:
        return bytes(file.read())
