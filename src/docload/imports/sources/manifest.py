"""A JSON import's manifest (fylr-style): which payloads to import, in which order, and how.

Small by nature (a list of names and a few options), so it is parsed whole, but never more than
`MAX_MANIFEST_BYTES` of it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from docload.imports.errors import ImportProblem

MAX_MANIFEST_BYTES = 1024 * 1024
EAS_TYPES = ("direct", "url", "ignore")
BATCH_SIZES = range(1, 1001)


@dataclass(frozen=True)
class Manifest:
    payloads: list[str]
    source: str = ""
    batch_size: int = 100
    payload_base_uri: str = ""
    eas_type: str = "direct"
    eas_replace_url: str = ""
    eas_skip_errors: bool = False


def _refuse(message: str) -> ImportProblem:
    return ImportProblem("invalid-manifest", f"manifest.json: {message}")


def parse_manifest(data: bytes) -> Manifest:
    """The manifest in `data`, or ImportProblem `invalid-manifest` saying what is wrong."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise _refuse(f"larger than {MAX_MANIFEST_BYTES} bytes.")
    try:
        found = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse(f"not JSON: {exc}") from exc
    if not isinstance(found, dict):
        raise _refuse("must be a JSON object.")
    payloads = found.get("payloads")
    if (
        not isinstance(payloads, list)
        or not payloads
        or not all(isinstance(name, str) and name for name in payloads)
    ):
        raise _refuse("payloads must be a list of one or more payload names.")
    repeated = sorted({name for name in payloads if payloads.count(name) > 1})
    if repeated:
        raise _refuse(f"payloads names these more than once: {', '.join(repeated)}.")
    batch_size = found.get("batch_size", 100)
    if type(batch_size) is not int or batch_size not in BATCH_SIZES:
        raise _refuse(f"batch_size must be a whole number from 1 to 1000, not {batch_size!r}.")
    eas_type = found.get("eas_type", "direct")
    if eas_type not in EAS_TYPES:
        raise _refuse(f"eas_type must be one of {', '.join(EAS_TYPES)}, not {eas_type!r}.")
    skip = found.get("eas_skip_errors", False)
    if not isinstance(skip, bool):
        raise _refuse("eas_skip_errors must be true or false.")
    return Manifest(
        payloads=payloads,
        source=_text(found, "source"),
        batch_size=batch_size,
        payload_base_uri=_text(found, "payload_base_uri"),
        eas_type=eas_type,
        eas_replace_url=_text(found, "eas_replace_url"),
        eas_skip_errors=skip,
    )


def _text(found: dict[str, Any], key: str) -> str:
    value = found.get(key, "")
    if not isinstance(value, str):
        raise _refuse(f"{key} must be text.")
    return value


def check_payloads_given(manifest: Manifest, given: Collection[str]) -> None:
    """Refuse (`payload-missing`) a manifest naming payloads that were not given."""
    missing = [name for name in manifest.payloads if name not in given]
    if missing:
        raise ImportProblem(
            "payload-missing",
            f"The manifest names payloads that were not uploaded: {', '.join(missing)}.",
        )
