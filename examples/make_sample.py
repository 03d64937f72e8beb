"""Make the sample of the five-minute tour: content files, a metadata CSV and a workbook.

    .venv/bin/python examples/make_sample.py examples/sample --server http://localhost:8000 \\
        --client-id tour --secret tour-secret [--documents 50] [--bad-rows 0]

It asks the server for a published document type "Voorbeeld" (created once, found by its
omschrijving later), then writes, under the target folder:

- `files/scan-000.pdf` … : small PDF files, each its own text;
- `metadata.csv`: one row per file (Open Zaak's 27 columns), for `docload push` or the Import API;
  with `--bad-rows N` the last N rows have a language code that is refused, to see failed rows;
- `load.xlsx`: a workbook for the bulk load or `docload import`, with a sheet of two types, one of
  documents for the same files and one linking each document to a zaak.

Nothing here is committed: the files are made from these lines each time.
"""

from __future__ import annotations

import argparse
import csv
import sys
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.workbooks import workbook_bytes  # noqa: E402

from docload.imports.columns import REQUIRED_HEADERS  # noqa: E402
from docload.push.client import ZgwAuth  # noqa: E402

TYPES = "/catalogi/api/v1/informatieobjecttypen"
RSIN = "002220647"


def published_type(server: str, auth: ZgwAuth) -> str:
    """The URL of the published type "Voorbeeld", created when there is none."""
    with httpx.Client(base_url=server, auth=auth, timeout=30) as client:
        listed = client.get(TYPES)
        listed.raise_for_status()
        for found in listed.json()["results"]:
            if found["omschrijving"] == "Voorbeeld" and not found["concept"]:
                return str(found["url"])
        created = client.post(
            TYPES,
            json={
                "omschrijving": "Voorbeeld",
                "vertrouwelijkheidaanduiding": "openbaar",
                "beginGeldigheid": "2024-01-01",
            },
        )
        created.raise_for_status()
        url = str(created.json()["url"])
        client.post(f"{url}/publish").raise_for_status()
        return url


def pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (cross-reference offsets computed, so readers accept it)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def document_row(type_url: str, name: str, title: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(REQUIRED_HEADERS, "")
    row.update(
        bronorganisatie=RSIN,
        creatiedatum="2024-05-01",
        titel=title,
        auteur="Gemeente Voorbeeld",
        taal="nld",
        formaat="application/pdf",
        bestandsnaam=name,
        bestandspad=name,
        informatieobjecttype=type_url,
        **values,
    )
    return row


def make_sample(target: Path, type_url: str, documents: int, bad_rows: int) -> None:
    files = target / "files"
    files.mkdir(parents=True, exist_ok=True)
    names = [f"scan-{number:03d}.pdf" for number in range(documents)]
    for number, name in enumerate(names):
        (files / name).write_bytes(pdf(f"Voorbeeld document {number}"))

    rows = [document_row(type_url, name, f"Scan {number}") for number, name in enumerate(names)]
    for row in rows[len(rows) - bad_rows :] if bad_rows else []:
        row["taal"] = "nederlands"
    with open(target / "metadata.csv", "w", encoding="utf-8", newline="") as metadata:
        writer = csv.DictWriter(metadata, fieldnames=REQUIRED_HEADERS)
        writer.writeheader()
        writer.writerows(rows)

    server = type_url.split("/catalogi/")[0]
    type_uuids = [str(uuid.uuid4()), str(uuid.uuid4())]
    document_uuids = [str(uuid.uuid4()) for _ in names]
    sheet_rows = [
        document_row(f"{server}{TYPES}/{type_uuids[number % 2]}", name, f"Werkmap {number}", uuid=u)
        for number, (name, u) in enumerate(zip(names, document_uuids, strict=True))
    ]
    workbook = workbook_bytes(
        {
            "informatieobjecttypen": [
                ["uuid", "omschrijving", "vertrouwelijkheidaanduiding", "beginGeldigheid"],
                [type_uuids[0], "Inkomende post", "openbaar", "2024-01-01"],
                [type_uuids[1], "Besluit", "intern", "2024-01-01"],
            ],
            "enkelvoudiginformatieobjecten": [
                list(REQUIRED_HEADERS),
                *([row[name] for name in REQUIRED_HEADERS] for row in sheet_rows),
            ],
            "objectinformatieobjecten": [
                ["informatieobject", "object", "objectType"],
                *(
                    [
                        f"{server}/documenten/api/v1/enkelvoudiginformatieobjecten/{u}",
                        f"https://zaken.example.org/api/v1/zaken/{number // 10}",
                        "zaak",
                    ]
                    for number, u in enumerate(document_uuids)
                ),
            ],
        }
    )
    (target / "load.xlsx").write_bytes(workbook)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--server", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--bad-rows", type=int, default=0)
    args = parser.parse_args()
    type_url = published_type(args.server.rstrip("/"), ZgwAuth(args.client_id, args.secret))
    make_sample(args.target, type_url, args.documents, args.bad_rows)
    print(f"Sample of {args.documents} documents in {args.target} (type {type_url}).")


if __name__ == "__main__":
    main()
