"""The API and the import refuse an invalid value with the same code: one set of rules."""

import re

import pytest
from rest_framework.test import APIClient

from docload.imports.models import RowResult
from tests.factories import metadata_row
from tests.imports.conftest import run, start_import

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bronorganisatie", "123456789"),
        ("taal", "nederlands"),
        ("creatiedatum", "2024-02-30"),
        ("vertrouwelijkheidaanduiding", "topgeheim"),
    ],
)
def test_api_and_import_use_the_same_code(
    api: APIClient, document_type_url: str, field: str, value: str
) -> None:
    body = {**metadata_row(document_type_url), field: value}
    api_response = api.post(
        "/documenten/api/v1/enkelvoudiginformatieobjecten",
        {key: item for key, item in body.items() if item and "." not in key},
        format="json",
    )
    assert api_response.status_code == 400
    (param,) = api_response.json()["invalidParams"]

    job = run(start_import([body]))
    comment = RowResult.objects.get(job=job).comment
    assert comment.startswith(f"{field}: ")
    assert re.search(r"\[([\w-]+)\]$", comment).group(1) == param["code"]  # type: ignore[union-attr]
    assert param["name"] == field
