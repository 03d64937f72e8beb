"""The JSON import over HTTP: a manifest of related payloads, lookups, prepare, rollback."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from docload.catalog.models import InformatieObjectType
from docload.documents.models import EnkelvoudigInformatieObject, ObjectInformatieObject
from tests.conftest import run_worker
from tests.factories import VALID_RSIN, write_files

pytestmark = pytest.mark.django_db(transaction=True)
RUNS = "/api/v1/json-import"
RSIN = VALID_RSIN
BRIEF = {"lookup:informatieobjecttype": {"reference": "brief"}}


def payload(import_type: str, key: str, records: list[dict[str, Any]]) -> bytes:
    return json.dumps({"import_type": import_type, key: records}).encode()


def types_payload() -> bytes:
    return payload(
        "informatieobjecttype",
        "informatieobjecttypen",
        [
            {"reference": r, "omschrijving": o, "vertrouwelijkheidaanduiding": "openbaar",
             "beginGeldigheid": "2024-01-01"}
            for r, o in (("brief", "Brief"), ("besluit", "Besluit"))
        ],
    )  # fmt: skip


def documents_payload(paths: list[str], **changes: dict[str, Any]) -> bytes:
    records = [
        {
            "identificatie": f"DOC-{n}", "bronorganisatie": VALID_RSIN,
            "creatiedatum": "2024-05-01", "titel": f"Document {n}", "auteur": "Gemeente",
            "taal": "nld", "inhoud": {"eas:path": path},
            "lookup:informatieobjecttype": {"reference": "brief" if n % 2 else "besluit"},
        }
        for n, path in enumerate(paths)
    ]  # fmt: skip
    for index, change in changes.items():
        records[int(index)].update(change)
    return payload("document", "documents", records)


def links_payload(count: int) -> bytes:
    return payload(
        "link",
        "links",
        [
            {"lookup:informatieobject": {"identificatie": f"DOC-{n}", "bronorganisatie": RSIN},
             "object": f"https://zaken.example.org/zaken/{n}", "objectType": "zaak"}
            for n in range(count)
        ],
    )  # fmt: skip


def create(api: APIClient, manifest: dict[str, Any], payloads: dict[str, bytes]) -> Any:
    parts = {
        "manifest": SimpleUploadedFile("manifest.json", json.dumps(manifest).encode()),
        "payload": [SimpleUploadedFile(name, data) for name, data in payloads.items()],
    }
    return api.post(RUNS, parts, format="multipart")


def logs(api: APIClient, run_id: str) -> list[dict[str, str]]:
    response = api.get(f"{RUNS}/{run_id}/logs.csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_three_payloads_import_in_order_and_roll_back(api: APIClient, base_dir: Path) -> None:
    paths = write_files(base_dir, 500, size=64)
    manifest = {
        "source": "fylr",
        "batch_size": 100,
        "payloads": ["types.json", "docs.json", "links.json"],
    }
    created = create(
        api,
        manifest,
        {
            "types.json": types_payload(),
            "docs.json": documents_payload(paths),
            "links.json": links_payload(500),
        },
    )
    assert created.status_code == 201, created.json()
    run = created.json()
    assert run["status"] == "Pending" and created["Location"].endswith(f"{RUNS}/{run['id']}")
    assert [p["import_type"] for p in run["payloads"]] == [
        "informatieobjecttype",
        "document",
        "link",
    ]

    assert api.post(f"{RUNS}/{run['id']}/start", {}, format="json").status_code == 202
    run_worker()

    run = api.get(f"{RUNS}/{run['id']}").json()
    assert run["status"] == "Success", run
    assert run["counts"] == {"created": 1002, "updated": 0, "failed": 0}
    assert [p["status"] for p in run["payloads"]] == ["Success"] * 3
    assert [p["batches"] for p in run["payloads"]] == [1, 5, 5]
    assert InformatieObjectType.objects.filter(reference__in=["brief", "besluit"]).count() == 2
    assert EnkelvoudigInformatieObject.objects.count() == 500
    assert ObjectInformatieObject.objects.count() == 500
    assert api.get(RUNS).json()["results"][0]["id"] == run["id"]

    assert api.post(f"{RUNS}/{run['id']}/rollback").status_code == 202
    run_worker()
    run_worker()  # the types wait for their documents' rollback
    assert api.get(f"{RUNS}/{run['id']}").json()["status"] == "RolledBack"
    assert not EnkelvoudigInformatieObject.objects.exists()
    assert not ObjectInformatieObject.objects.exists()
    assert not InformatieObjectType.objects.exists()
    assert api.post(f"{RUNS}/{run['id']}/rollback").status_code == 200


def test_prepare_lets_later_payloads_find_what_earlier_ones_would_create(
    api: APIClient, base_dir: Path
) -> None:
    paths = write_files(base_dir, 30, size=64)
    bad = documents_payload(paths, **{"7": {"titel": ""}})
    links = json.loads(links_payload(30))
    links["links"][3]["lookup:informatieobject"]["identificatie"] = "DOC-99"  # no such document
    manifest = {"batch_size": 10, "payloads": ["types.json", "docs.json", "links.json"]}
    payloads = {
        "types.json": types_payload(), "docs.json": bad, "links.json": json.dumps(links).encode()
    }  # fmt: skip
    run = create(api, manifest, payloads).json()
    api.post(f"{RUNS}/{run['id']}/prepare")
    run_worker()

    run = api.get(f"{RUNS}/{run['id']}").json()
    # The link to DOC-99 fails its batch: the dry run stops there, as the real one would.
    assert run["status"] == "Error", run
    assert [p["status"] for p in run["payloads"]] == ["Success", "Success", "Error"]
    assert run["payloads"][1]["objects"] == 30 and run["counts"]["failed"] == 1
    errors = {(e["payload"], e["key"]) for e in logs(api, run["id"]) if e["severity"] == "error"}
    assert ("docs.json", "titel") in errors
    assert ("links.json", "lookup:informatieobject") in errors
    assert not InformatieObjectType.objects.exists()
    assert not EnkelvoudigInformatieObject.objects.exists()


def test_a_failed_lookup_stops_the_run_and_a_fixed_payload_resumes_it(
    api: APIClient, base_dir: Path
) -> None:
    paths = write_files(base_dir, 6, size=64)
    bad = documents_payload(paths, **{"4": {"lookup:informatieobjecttype": {"reference": "nope"}}})
    manifest = {"batch_size": 2, "payloads": ["types.json", "docs.json"]}
    run = create(api, manifest, {"types.json": types_payload(), "docs.json": bad}).json()
    api.post(f"{RUNS}/{run['id']}/start", {}, format="json")
    run_worker()

    run = api.get(f"{RUNS}/{run['id']}").json()
    assert run["status"] == "Error"
    assert [p["status"] for p in run["payloads"]] == ["Success", "Error"]
    assert "LookupNotFound" in run["payloads"][1]["error"]
    entries = [e for e in logs(api, run["id"]) if e["code"] == "LookupNotFound"]
    assert {(e["batch"], e["key"], e["value"]) for e in entries} == {
        ("3", "lookup:informatieobjecttype", "'nope'"),  # each record of the batch
        ("", "lookup:informatieobjecttype", "'nope'"),  # and why the payload stopped
    }
    assert len(entries) == 3
    assert EnkelvoudigInformatieObject.objects.count() == 4  # the batches before

    fixed = SimpleUploadedFile("docs.json", documents_payload(paths))
    response = api.post(f"{RUNS}/{run['id']}/start", {"docs.json": fixed}, format="multipart")
    assert response.status_code == 202, response.json()
    run_worker()
    assert api.get(f"{RUNS}/{run['id']}").json()["status"] == "Success"
    assert EnkelvoudigInformatieObject.objects.count() == 6


def test_prepare_reports_every_bad_record_and_writes_nothing(
    api: APIClient, base_dir: Path, document_type: InformatieObjectType
) -> None:
    document_type.reference = "brief"
    document_type.concept = False
    document_type.save()
    paths = write_files(base_dir, 6, size=64)
    records = documents_payload(
        paths,
        **{"0": {**BRIEF, "taal": "nederlands"},
           "1": {**BRIEF, "bronorganisatie": "1"},
           "2": {**BRIEF, "inhoud": {"eas:path": "gone.pdf"}},
           **{str(n): BRIEF for n in (3, 4, 5)}},
    )  # fmt: skip
    run = create(api, {"payloads": ["docs.json"]}, {"docs.json": records}).json()
    assert api.post(f"{RUNS}/{run['id']}/prepare").status_code == 202
    run_worker()
    run = api.get(f"{RUNS}/{run['id']}").json()
    assert run["status"] == "Prepared" and run["counts"]["failed"] == 3
    errors = [e for e in logs(api, run["id"]) if e["severity"] == "error"]
    assert sorted(e["key"] for e in errors) == ["bestandspad", "bronorganisatie", "taal"]
    assert not EnkelvoudigInformatieObject.objects.exists()
    # Then for real: the same three fail, the rest are imported.
    api.post(f"{RUNS}/{run['id']}/start", {}, format="json")
    run_worker()
    assert api.get(f"{RUNS}/{run['id']}").json()["counts"] == {
        "created": 3,
        "updated": 0,
        "failed": 3,
    }


LINK = {"a.json": payload("link", "links", [])}
ONE = {"payloads": ["a.json"]}


@pytest.mark.parametrize(
    ("manifest", "payloads", "code", "said"),
    [
        ({**ONE, "batch_size": 0}, {"a.json": b"{}"}, "invalid-manifest", "batch_size"),
        ({**ONE, "batch_size": 5000}, {"a.json": b"{}"}, "invalid-manifest", "5000"),
        ({"payloads": ["a.json", "b.json"]}, LINK, "payload-missing", "b.json"),
        (ONE, {"a.json": payload("document", "links", [])}, "import-type-mismatch", "a.json"),
        (ONE, {"a.json": b'{"import_type": "link", "links": [{]}'}, "malformed-json", "byte"),
        ({**ONE, "eas_type": "ftp"}, LINK, "invalid-manifest", "eas_type"),
    ],
)
def test_bad_input_is_a_400_that_names_the_problem(
    api: APIClient, manifest: dict[str, Any], payloads: dict[str, bytes], code: str, said: str
) -> None:
    response = create(api, manifest, payloads)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and said in body["detail"], body
    assert response["Content-Type"] == "application/problem+json"


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a folder."""
    folder = tmp_path / "served"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def test_content_is_fetched_from_allowed_urls_only(
    api: APIClient,
    settings: Any,
    file_server: tuple[str, Path],
    document_type: InformatieObjectType,
) -> None:
    origin, folder = file_server
    settings.DOCLOAD_FETCH_ALLOWLIST = [origin]
    (folder / "a.pdf").write_bytes(b"%PDF a" * 1000)
    document_type.reference, document_type.concept = "brief", False
    document_type.save()
    records = json.loads(documents_payload(["x", "y", "z"]))
    urls = [f"{origin}/a.pdf", "http://files.example.org/b.pdf", f"{origin}/missing.pdf"]
    for record, url in zip(records["documents"], urls, strict=True):
        record.update(BRIEF, inhoud={"eas:url": url, "eas:filename": "a.pdf"})
    manifest = {**ONE, "eas_type": "url"}
    run = create(api, manifest, {"a.json": json.dumps(records).encode()}).json()
    api.post(f"{RUNS}/{run['id']}/start", {}, format="json")
    run_worker()
    run = api.get(f"{RUNS}/{run['id']}").json()
    assert run["counts"] == {"created": 1, "updated": 0, "failed": 2}, run
    stored = EnkelvoudigInformatieObject.objects.get()
    assert stored.bestandsomvang == 6000
    reasons = [e["message"] for e in logs(api, run["id"]) if e["severity"] == "error"]
    assert any("files.example.org" in r and "allow" in r for r in reasons), reasons
    assert any("404" in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("options", "content_keys", "failed"),
    [
        ({}, 1, 1),  # the missing file fails its record
        ({"eas_skip_errors": True}, 1, 0),  # ... or is only logged, the record kept
        ({"eas_type": "ignore"}, 0, 0),  # no content at all
    ],
)
def test_content_options(
    api: APIClient,
    base_dir: Path,
    document_type: InformatieObjectType,
    options: dict[str, Any],
    content_keys: int,
    failed: int,
) -> None:
    document_type.reference, document_type.concept = "brief", False
    document_type.save()
    paths = [*write_files(base_dir, 1, size=64), "missing.pdf"]
    records = documents_payload(paths, **{"0": BRIEF, "1": BRIEF})
    run = create(api, {**ONE, **options}, {"a.json": records}).json()
    api.post(f"{RUNS}/{run['id']}/start", {}, format="json")
    run_worker()
    run = api.get(f"{RUNS}/{run['id']}").json()
    assert run["counts"]["failed"] == failed
    stored = EnkelvoudigInformatieObject.objects.all()
    assert stored.count() == 2 - failed
    assert len([d for d in stored if d.content_key]) == content_keys
    warnings = [e for e in logs(api, run["id"]) if e["severity"] == "warning"]
    assert len(warnings) == (1 if options.get("eas_skip_errors") else 0)


def test_a_manifest_url_is_fetched_with_its_payloads(
    api: APIClient, settings: Any, base_dir: Path, file_server: tuple[str, Path]
) -> None:
    origin, folder = file_server
    paths = write_files(base_dir, 2, size=64)
    manifest = {"payloads": ["types.json", "docs.json"]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "types.json").write_bytes(types_payload())
    (folder / "docs.json").write_bytes(documents_payload(paths))
    url = f"{origin}/manifest.json"

    refused = api.post(RUNS, {"manifest_url": url}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "manifest-not-fetched"

    settings.DOCLOAD_FETCH_ALLOWLIST = [origin]
    created = api.post(RUNS, {"manifest_url": url}, format="json")
    assert created.status_code == 201, created.json()
    run = created.json()
    api.post(f"{RUNS}/{run['id']}/start", {}, format="json")
    run_worker()
    assert api.get(f"{RUNS}/{run['id']}").json()["status"] == "Success"
    assert EnkelvoudigInformatieObject.objects.count() == 2

    both = api.post(RUNS, {"manifest_url": url, "upload_definition": run["id"]}, format="json")
    assert both.status_code == 400


def test_a_running_run_is_not_rolled_back_or_started_again(api: APIClient, base_dir: Path) -> None:
    run = create(api, {"payloads": ["types.json"]}, {"types.json": types_payload()}).json()
    api.post(f"{RUNS}/{run['id']}/start", {}, format="json")
    assert api.post(f"{RUNS}/{run['id']}/rollback").status_code == 409
    assert api.post(f"{RUNS}/{run['id']}/start", {}, format="json").status_code == 409
    assert api.get(f"{RUNS}/{run['id']}").json()["status"] == "Running"
