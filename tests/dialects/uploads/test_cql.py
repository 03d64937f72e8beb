"""The CQL subset: clauses, and/or from the left, parentheses, inherited fields, sortBy."""

from __future__ import annotations

import pytest
from django.db.models import Q

from docload.dialects.uploads.cql import QueryError, parse_query

FIELDS = {
    "id": lambda value: Q(id=value),
    "status": lambda value: Q(status=value),
}
SORT = {"createDate": "create_date", "status": "status"}


def parse(text: str) -> tuple[Q, list[str]]:
    query = parse_query(text, FIELDS, SORT)
    return query.where, query.order_by


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("status==NEW", Q(status="NEW")),
        ("status=NEW", Q(status="NEW")),
        ('status=="IN_PROGRESS"', Q(status="IN_PROGRESS")),
        ('  status == "a \\"quoted\\" (value)" ', Q(status='a "quoted" (value)')),
        ("status==NEW and id==1", Q(status="NEW") & Q(id="1")),
        ("status==NEW OR status==LOADED", Q(status="NEW") | Q(status="LOADED")),
        # CQL: and/or bind equally, from the left.
        (
            "status==A or status==B and id==1",
            (Q(status="A") | Q(status="B")) & Q(id="1"),
        ),
        (
            "status==A or (status==B and id==1)",
            Q(status="A") | (Q(status="B") & Q(id="1")),
        ),
        ('status==("NEW" or "LOADED")', Q(status="NEW") | Q(status="LOADED")),
        ("status==(NEW or id==7)", Q(status="NEW") | Q(id="7")),
        ("cql.allRecords=1", Q()),
    ],
)
def test_clauses_become_filters(text: str, where: Q) -> None:
    assert parse(text) == (where, [])


def test_sort_by_with_modifiers() -> None:
    assert parse("cql.allRecords=1 sortBy createDate/sort.descending status") == (
        Q(),
        ["-create_date", "status"],
    )
    assert parse("status==NEW sortby status/sort.ascending") == (Q(status="NEW"), ["status"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "ends where a search clause"),
        ("NEW", "not of the form field==value"),
        ("name==x", "unknown field 'name'"),
        ("status==", "ends where a value"),
        ("status==NEW and", "ends where a search clause"),
        ("status==NEW status==LOADED", "unexpected 'status'"),
        ("(status==NEW", "ends where ')'"),
        ("status==NEW)", "unexpected ')'"),
        ("status<>NEW", "unexpected '<'"),
        ('status=="NEW', "unexpected '\"'"),
        ('"status"==NEW', "cannot be a field name"),
        ("status==and", "a value is expected"),
        ("and==x", "cannot start with 'and'"),
        ("status==NEW sortBy", "sortBy needs a field"),
        ("status==NEW sortBy titel", "cannot sort by 'titel'"),
        ("status==NEW sortBy status/sort.random", "unknown sort modifier"),
        ("(status==NEW sortBy status)", "')' expected"),
    ],
)
def test_anything_else_is_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(text)
