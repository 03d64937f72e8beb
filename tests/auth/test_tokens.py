import time

import jwt
import pytest
from rest_framework.test import APIClient

from docload.auth.models import Applicatie
from docload.auth.tokens import make_token

pytestmark = pytest.mark.django_db
TYPES = "/catalogi/api/v1/informatieobjecttypen"


@pytest.fixture
def reader() -> Applicatie:
    return Applicatie.objects.create(client_id="reader", scopes=["catalogi.lezen"])


def get_with(token: str) -> tuple[int, dict]:
    response = APIClient().get(TYPES, HTTP_AUTHORIZATION=f"Bearer {token}")
    return response.status_code, response.json()


def test_valid_token_is_accepted(reader: Applicatie) -> None:
    assert get_with(make_token(reader))[0] == 200


@pytest.mark.parametrize(
    "token_of",
    [
        lambda app: jwt.encode(
            {"client_id": app.client_id, "iat": int(time.time())},
            "a-forged-secret-that-is-long-enough-for-hs256",
        ),
        lambda app: jwt.encode({"client_id": "nobody", "iat": int(time.time())}, app.secret),
        lambda app: jwt.encode({"client_id": app.client_id}, app.secret),
        lambda app: make_token(app, now=time.time() + 3600),
        lambda app: make_token(app, now=time.time() - 2 * 24 * 3600),
        lambda app: "not-a-jwt",
        lambda app: jwt.encode(
            {"client_id": app.client_id, "iat": int(time.time())}, None, algorithm="none"
        ),
    ],
    ids=["forged", "unknown-client", "no-iat", "future", "expired", "garbage", "alg-none"],
)
def test_bad_tokens_get_401(reader: Applicatie, token_of) -> None:
    status, problem = get_with(token_of(reader))
    assert status == 401
    assert problem["code"] == "authentication_failed"


def test_clock_skew_within_leeway_is_tolerated(reader: Applicatie) -> None:
    assert get_with(make_token(reader, now=time.time() + 60))[0] == 200


def test_missing_token_gets_401() -> None:
    response = APIClient().get(TYPES)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_missing_scope_gets_403(reader: Applicatie) -> None:
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {make_token(reader)}")
    response = client.post(TYPES, {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_aud_claim_is_not_checked(reader: Applicatie) -> None:
    token = jwt.encode(
        {"client_id": reader.client_id, "iat": int(time.time()), "aud": "some-api"}, reader.secret
    )
    status, _ = get_with(token)
    assert status == 200
