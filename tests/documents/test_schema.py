"""The documents' schema says what the standard says: operation ids, required fields, lengths,
formats, errors and scopes (checked on the generated schema, which `make check` keeps equal to
the committed one)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from docload.api.components import COMPONENTS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def documenten() -> dict[str, Any]:

    component = next(c for c in COMPONENTS if c.name == "documenten")
    return dict(yaml.safe_load(component.render()))


def operation(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return dict(schema["paths"][path][method])


def test_operation_ids_are_the_standards(documenten: dict[str, Any]) -> None:
    ids = {op["operationId"] for ops in documenten["paths"].values() for op in ops.values()}
    assert {
        "enkelvoudiginformatieobject_list", "enkelvoudiginformatieobject_create",
        "enkelvoudiginformatieobject_read", "enkelvoudiginformatieobject_update",
        "enkelvoudiginformatieobject_partial_update", "enkelvoudiginformatieobject_delete",
        "enkelvoudiginformatieobject_download", "enkelvoudiginformatieobject_lock",
        "enkelvoudiginformatieobject_unlock", "objectinformatieobject_list",
        "bestandsdeel_update",
    } <= ids  # fmt: skip
    assert documenten["servers"] == [{"url": "/documenten/api/v1"}]


def test_fields_have_the_standards_facts(documenten: dict[str, Any]) -> None:
    schemas = documenten["components"]["schemas"]
    document = schemas["EnkelvoudigInformatieObject"]
    assert {"bronorganisatie", "creatiedatum", "titel", "auteur", "taal"} <= set(
        document["required"]
    )
    assert document["properties"]["titel"]["maxLength"] == 200
    assert document["properties"]["bronorganisatie"]["maxLength"] == 9
    assert document["properties"]["url"]["format"] == "uri"
    assert document["properties"]["inhoud"]["format"] == "uri"
    assert document["properties"]["beginRegistratie"]["format"] == "date-time"
    request = schemas["EnkelvoudigInformatieObjectRequest"]
    assert request["properties"]["inhoud"]["format"] == "byte"
    assert "required" not in schemas["PatchedEnkelvoudigInformatieObjectRequest"]


def test_errors_and_scopes(documenten: dict[str, Any]) -> None:
    read = operation(documenten, "/enkelvoudiginformatieobjecten/{uuid}", "get")
    assert {"400", "401", "403", "404", "409", "410", "412", "415", "500"} <= set(read["responses"])
    fout = read["responses"]["404"]["content"]["application/problem+json"]["schema"]
    assert fout == {"$ref": "#/components/schemas/Fout"}
    create = operation(documenten, "/enkelvoudiginformatieobjecten", "post")
    validatie = create["responses"]["400"]["content"]["application/problem+json"]["schema"]
    assert validatie == {"$ref": "#/components/schemas/ValidatieFout"}
    assert create["security"] == [{"JWT-Claims": ["documenten.aanmaken"]}]
    unlock = operation(documenten, "/enkelvoudiginformatieobjecten/{uuid}/unlock", "post")
    assert unlock["security"] == [
        {"JWT-Claims": ["documenten.lock"]},
        {"JWT-Claims": ["documenten.geforceerd-unlock"]},
    ]
