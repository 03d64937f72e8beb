"""Every endpoint of every API and dialect refuses a request it cannot trust, in its own shape.

The endpoints come from the committed OpenAPI files (paths and methods); a test checks that
every URL the resolver knows is one of them or listed as exempt, so a new endpoint joins the
matrix by itself. Each (endpoint, method, case) is one test: 401 with `WWW-Authenticate` for a
missing or unusable token, 403 for a missing scope or, on bulk endpoints, for an application
that has every scope but not `heeft_alle_autorisaties`.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from docload.auth.models import Applicatie, Scope
from docload.auth.tokens import make_token

pytestmark = pytest.mark.django_db

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM = "problem"  # ZGW problem+json
FOLIO = "folio"  # {"errors": [...], "total_records": n}
BULKLOAD = "bulkload"  # {"success": false, "code", "message"}

# (path prefix, error shape, bulk endpoint?) — the longest prefix first.
AREAS = [
    ("/documenten/api/v1/import/", PROBLEM, True),
    ("/documenten/api/v1/", PROBLEM, False),
    ("/catalogi/api/v1/", PROBLEM, False),
    ("/data-import/", FOLIO, True),
    ("/api/v1/json-import", PROBLEM, True),
    ("/api/", BULKLOAD, True),
]

# URL routes outside the matrix (a regex on the route), each with the reason.
EXEMPT = {
    r"^admin/": "Django admin: session login, its own login page",
    r"^imports/": "the imports page: session login of staff users",
    r"(^|/)schema/": "the OpenAPI schemas and their pages are public by design",
}
# An API root answers its schema (where gemma-zds-client looks): public like schema/.
EXEMPT_NAMES = re.compile(r"^(root|schema)-")


@dataclass(frozen=True)
class Endpoint:
    template: str  # the OpenAPI path, servers' url included
    method: str
    shape: str
    bulk: bool

    @property
    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), self.template)


def _area(path: str) -> tuple[str, bool]:
    for prefix, shape, bulk in AREAS:
        if path.startswith(prefix):
            return shape, bulk
    raise AssertionError(f"{path}: no error shape known for it; add its area to AREAS")


def openapi_endpoints() -> Iterator[Endpoint]:
    for spec_file in sorted(OPENAPI_DIR.glob("*.yaml")):
        spec = yaml.safe_load(spec_file.read_text())
        server = spec["servers"][0]["url"].rstrip("/")
        for path, operations in spec["paths"].items():
            full = server + path
            for method in METHODS:
                if method in operations:
                    yield Endpoint(full, method.upper(), *_area(full))


ENDPOINTS = list(openapi_endpoints())


# --- tokens -------------------------------------------------------------------------------


def _claims(client_id: str, iat: float | None = None) -> dict[str, Any]:
    return {
        "iss": client_id,
        "iat": int(time.time() if iat is None else iat),
        "client_id": client_id,
        "user_id": "matrix",
        "user_representation": "matrix",
    }


def signed(applicatie: Applicatie, **claims: Any) -> str:
    return jwt.encode({**_claims(applicatie.client_id), **claims}, applicatie.secret, "HS256")


def signed_without(applicatie: Applicatie, claim: str) -> str:
    claims = _claims(applicatie.client_id)
    del claims[claim]
    return jwt.encode(claims, applicatie.secret, "HS256")


def unsigned(applicatie: Applicatie) -> str:
    return jwt.encode(_claims(applicatie.client_id), None, algorithm="none")


def too_old() -> float:
    return time.time() - settings.JWT_MAX_AGE_SECONDS - settings.JWT_LEEWAY_SECONDS - 60


def too_new() -> float:
    return time.time() + settings.JWT_LEEWAY_SECONDS + 60


@pytest.fixture
def apps(db: None) -> dict[str, Applicatie]:
    """A trusted application and the ones that may not do the endpoint's work."""
    every_scope = [scope.value for scope in Scope]
    return {
        "good": Applicatie.objects.create(client_id="matrix-all", heeft_alle_autorisaties=True),
        # The Documenten API's scopes do not open the Catalogi API, and the other way round.
        "catalogi-only": Applicatie.objects.create(
            client_id="matrix-catalogi", scopes=[s for s in every_scope if s.startswith("catalogi")]
        ),
        "documenten-only": Applicatie.objects.create(
            client_id="matrix-documenten",
            scopes=[s for s in every_scope if not s.startswith("catalogi")],
        ),
        "every-scope": Applicatie.objects.create(client_id="matrix-scopes", scopes=every_scope),
        "no-scope": Applicatie.objects.create(client_id="matrix-none"),
    }


# A case gives the Authorization header for an endpoint (None: send none).
TokenOf = Callable[[dict[str, Applicatie], Endpoint], str | None]
UNAUTHENTICATED: dict[str, TokenOf] = {
    "no-token": lambda apps, e: None,
    "malformed": lambda apps, e: "Bearer not-a-jwt",
    "not-bearer": lambda apps, e: f"Token {make_token(apps['good'])}",
    "bad-signature": lambda apps, e: (
        "Bearer " + jwt.encode(_claims("matrix-all"), "another-secret-" + "x" * 32, "HS256")
    ),
    "alg-none": lambda apps, e: f"Bearer {unsigned(apps['good'])}",
    "expired": lambda apps, e: f"Bearer {signed(apps['good'], iat=int(too_old()))}",
    "future-iat": lambda apps, e: f"Bearer {signed(apps['good'], iat=int(too_new()))}",
    "exp-passed": lambda apps, e: f"Bearer {signed(apps['good'], exp=int(time.time()) - 3600)}",
    "no-iat": lambda apps, e: f"Bearer {signed_without(apps['good'], 'iat')}",
    "no-client-id": lambda apps, e: f"Bearer {signed_without(apps['good'], 'client_id')}",
    "unknown-client": lambda apps, e: "Bearer " + jwt.encode(_claims("nobody"), "x" * 40, "HS256"),
}


def _unauthorized_app(apps: dict[str, Applicatie], endpoint: Endpoint) -> str:
    if endpoint.bulk:
        return f"Bearer {make_token(apps['every-scope'])}"
    other = "documenten-only" if endpoint.template.startswith("/catalogi/") else "catalogi-only"
    return f"Bearer {make_token(apps[other])}"


CASES = [(name, 401, token_of) for name, token_of in UNAUTHENTICATED.items()]
CASES.append(("not-authorized", 403, _unauthorized_app))
CASES.append(("no-scope", 403, lambda apps, e: f"Bearer {make_token(apps['no-scope'])}"))
# The error code each shape carries, whatever the dialect.
CODES = {401: {"not_authenticated", "authentication_failed"}, 403: {"permission_denied"}}


def request(endpoint: Endpoint, authorization: str | None) -> Any:
    client = APIClient()
    if authorization is not None:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client.generic(endpoint.method, endpoint.url)


def assert_shape(endpoint: Endpoint, response: Any, status: int) -> None:
    body = response.json()
    if endpoint.shape == PROBLEM:
        assert response["Content-Type"].startswith("application/problem+json")
        assert {"type", "code", "title", "status", "detail", "instance"} <= body.keys(), body
        assert body["status"] == status
        code = body["code"]
    elif endpoint.shape == FOLIO:
        assert response["Content-Type"].startswith("application/json")
        assert body["total_records"] == len(body["errors"]) >= 1, body
        assert {"message", "type", "code", "parameters"} <= body["errors"][0].keys(), body
        code = body["errors"][0]["code"]
    else:
        assert response["Content-Type"].startswith("application/json")
        assert body["success"] is False, body
        assert set(body) == {"success", "code", "message"}, body
        code = body["code"]
    assert code in CODES[status], body


@pytest.mark.parametrize("case, status, token_of", CASES, ids=[case[0] for case in CASES])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{e.method} {e.template}" for e in ENDPOINTS])
def test_refused(
    apps: dict[str, Applicatie], endpoint: Endpoint, case: str, status: int, token_of: TokenOf
) -> None:
    response = request(endpoint, token_of(apps, endpoint))

    assert response.status_code == status, response.content[:300]
    assert_shape(endpoint, response, status)
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="docload"'


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{e.method} {e.template}" for e in ENDPOINTS])
def test_trusted_token_gets_past_auth(apps: dict[str, Applicatie], endpoint: Endpoint) -> None:
    """The control: the refusals above are about the token, not about the request."""
    response = request(endpoint, f"Bearer {make_token(apps['good'])}")

    assert response.status_code not in (401, 403), response.content[:300]


# --- the matrix covers every endpoint -------------------------------------------------------


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        # Joined as ResolverMatch.route joins them: an inner regex loses its "^".
        route = prefix + str(entry.pattern).removeprefix("^" if prefix else "")
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        else:
            yield route, entry


def _exempt(route: str, pattern: URLPattern) -> bool:
    return any(re.search(key, route) for key in EXEMPT) or bool(
        EXEMPT_NAMES.match(pattern.name or "")
    )


def _methods(view: Any) -> set[str]:
    """The HTTP methods a resolved view answers (a viewset's actions, an APIView's handlers)."""
    actions = getattr(view, "actions", None)
    if actions:
        return {method.upper() for method in actions if method != "head"}
    cls = view.view_class
    return {m.upper() for m in METHODS if hasattr(cls, m)}


def test_every_endpoint_is_in_the_matrix() -> None:
    covered: dict[str, set[str]] = {}
    for endpoint in ENDPOINTS:
        match = resolve(endpoint.url)
        covered.setdefault(match.route, set()).add(endpoint.method)
    missing = []
    for route, pattern in _routes(get_resolver().url_patterns):
        if _exempt(route, pattern):
            continue
        methods = _methods(pattern.callback)
        if covered.get(route) != methods:
            missing.append((route, sorted(methods - covered.get(route, set()))))
    assert not missing, f"endpoints missing from the OpenAPI files and so the matrix: {missing}"
