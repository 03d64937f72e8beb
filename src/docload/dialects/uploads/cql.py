"""The subset of CQL that FOLIO clients send to list upload definitions.

    query   := clause (("and" | "or") clause)* ["sortBy" key ("/sort.ascending" | ...)*]
    clause  := "(" query ")" | field ("==" | "=") (value | "(" query ")")
    value   := word | "quoted string"

As in CQL, `and` and `or` bind equally and group from the left. Inside `field==( ... )` a bare
value means `field==value`, so FOLIO's `status==("NEW" or "LOADED")` works.
`cql.allRecords=1` matches everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import Q

_TOKENS = re.compile(
    r"""\s*(?:
        (?P<paren>[()])
      | (?P<relation>==|=)
      | (?P<slash>/)
      | "(?P<quoted>(?:[^"\\]|\\.)*)"
      | (?P<word>[^\s()=<>/"]+)
      | (?P<bad>\S)
    )""",
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(.)")
_KEYWORDS = ("and", "or", "not", "prox", "sortby")
_DESCENDING = {"sort.ascending": False, "sort.descending": True}


class QueryError(ValueError):
    """The query is not in the supported subset; the message says where."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


@dataclass(frozen=True)
class Query:
    where: Q
    order_by: list[str]


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKENS.finditer(text.strip()):
        kind = match.lastgroup or ""
        if kind == "bad":
            raise QueryError(f"unexpected {match.group(kind)!r} at position {match.start(kind)}")
        value = match.group(kind)
        tokens.append(_Token(kind, _ESCAPE.sub(r"\1", value) if kind == "quoted" else value))
    return tokens


class _Parser:
    def __init__(
        self,
        tokens: list[_Token],
        fields: Mapping[str, Callable[[str], Q]],
        sort_fields: Mapping[str, str],
    ) -> None:
        self.tokens = tokens
        self.position = 0
        self.fields = fields
        self.sort_fields = sort_fields

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str = "") -> _Token:
        token = self.peek()
        if token is None:
            raise QueryError(f"the query ends where {expected or 'more'} was expected")
        self.position += 1
        return token

    def expect_close(self) -> None:
        token = self.take("')'")
        if token.text != ")":
            raise QueryError(f"')' expected, not {token.text!r}")

    def query(self, field: str = "") -> Q:
        where = self.clause(field)
        while (token := self.peek()) is not None and token.is_keyword("and", "or"):
            self.take()
            right = self.clause(field)
            where = where & right if token.text.lower() == "and" else where | right
        return where

    def clause(self, field: str) -> Q:
        token = self.take("a search clause")
        if token.kind == "paren" and token.text == "(":
            where = self.query(field)
            self.expect_close()
            return where
        if token.kind not in ("word", "quoted") or token.is_keyword(*_KEYWORDS):
            raise QueryError(f"a search clause cannot start with {token.text!r}")
        following = self.peek()
        if following is not None and following.kind == "relation":
            if token.kind == "quoted":
                raise QueryError(f"{token.text!r} cannot be a field name")
            self.take()
            value = self.take("a value")
            if value.kind == "paren" and value.text == "(":
                where = self.query(token.text)
                self.expect_close()
                return where
            if value.kind not in ("word", "quoted") or value.is_keyword(*_KEYWORDS):
                raise QueryError(f"a value is expected after {token.text}, not {value.text!r}")
            return self.match(token.text, value.text)
        if not field:
            raise QueryError(f"{token.text!r} is not of the form field==value")
        return self.match(field, token.text)

    def match(self, field: str, value: str) -> Q:
        if field.lower() == "cql.allrecords":
            return Q()
        if field not in self.fields:
            raise QueryError(f"unknown field {field!r}; use one of {', '.join(self.fields)}")
        return self.fields[field](value)

    def sort_keys(self) -> list[str]:
        keys = []
        while self.peek() is not None:
            key = self.take()
            if key.kind != "word" or key.text not in self.sort_fields:
                raise QueryError(f"cannot sort by {key.text!r}")
            descending = False
            while (slash := self.peek()) is not None and slash.kind == "slash":
                self.take()
                modifier = self.take("a sort modifier").text
                if modifier not in _DESCENDING:
                    raise QueryError(f"unknown sort modifier {modifier!r}")
                descending = _DESCENDING[modifier]
            keys.append(("-" if descending else "") + self.sort_fields[key.text])
        if not keys:
            raise QueryError("sortBy needs a field")
        return keys


def parse_query(
    text: str, fields: Mapping[str, Callable[[str], Q]], sort_fields: Mapping[str, str]
) -> Query:
    """Translate a CQL query into a filter and an ordering, or raise QueryError.

    `fields` maps each searchable field to a function building its `==` filter; `sort_fields`
    maps each sortable field to a model field.
    """
    parser = _Parser(_tokenize(text), fields, sort_fields)
    where = parser.query()
    order_by: list[str] = []
    token = parser.peek()
    if token is not None and token.is_keyword("sortby"):
        parser.take()
        order_by = parser.sort_keys()
    elif token is not None:
        raise QueryError(f"unexpected {token.text!r} after the query")
    return Query(where, order_by)
