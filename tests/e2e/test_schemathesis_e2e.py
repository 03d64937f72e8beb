"""schemathesis against each served schema on a live server with a valid token: no 5xx, and every
response as the schema says (status codes, content types, headers, bodies).

Two checks are left out, each for a reason: `positive_data_acceptance`, because some rules
cannot be said in OpenAPI (an RSIN's check digit, a type that must be this registry's), so a
schema-valid body can rightly be refused; and, for docload's own schema,
`ensure_resource_availability`, whose guessed links take an upload definition's `id` for the
`file_id` of its files.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.deployment import Deployment

pytestmark = pytest.mark.e2e
SEED = "20261203"
SCHEMATHESIS = str(Path(sys.executable).parent / "st")


@pytest.mark.parametrize(
    ("schema", "excluded"),
    [
        ("/documenten/api/v1/schema/openapi.yaml", "positive_data_acceptance"),
        ("/catalogi/api/v1/schema/openapi.yaml", "positive_data_acceptance"),
        ("/schema/openapi.yaml", "positive_data_acceptance,ensure_resource_availability"),
    ],
)
def test_no_5xx_and_every_response_as_the_schema_says(
    deployment: Deployment, schema: str, excluded: str, tmp_path: Path
) -> None:
    deployment.serve(worker=False)
    deployment.published_type()
    done = subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            deployment.base_url + schema,
            "--header",
            f"Authorization: Bearer {deployment.token}",
            "--checks",
            "all",
            "--exclude-checks",
            excluded,
            "--max-examples",
            "25",
            "--seed",
            SEED,
            "--workers",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # where schemathesis keeps its example database
    )
    failures = done.stdout.find("FAILURES")
    assert done.returncode == 0, done.stdout[max(failures, 0) :][:8000]
