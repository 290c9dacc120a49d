"""Queries that run on every request, compiled once per key instead of once per call.

Building a queryset and compiling it to SQL costs the ORM about a millisecond for a
query like the exchange policy's, which the search API runs on every request. When a
queryset's SQL depends only on a few plain values (a user's id and State, a policy
`Viewer`), it is compiled once for those values and kept, and only executed after
that. Its SQL must therefore not carry anything that changes with time: the clock
must be the database's (`django.db.models.functions.Now`), never a Python value.
Statements still run through Django's cursor (its execute wrappers and query
logging see them), and every execution reads the current rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

Builder = Callable[..., QuerySet]
CACHE_SIZE = 4096


@functools.lru_cache(maxsize=CACHE_SIZE)
def compiled(build: Builder, key: tuple[Hashable, ...]) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters of `build(*key)`, compiled on first use."""
    sql, params = build(*key).query.sql_with_params()
    return sql, tuple(params)


def rows(
    build: Builder,
    key: tuple[Hashable, ...],
    *,
    where_in: tuple[str, Sequence[Any]] | None = None,
) -> list[tuple[Any, ...]]:
    """The rows of `build(*key)`; with `where_in=(column, values)`, only those whose
    `column` (one the query selects) is among `values`, passed as parameters."""
    sql, params = compiled(build, key)
    if where_in is not None:
        column, values = where_in
        marks = ", ".join(["%s"] * len(values))
        name = connection.ops.quote_name(column)
        # Only the column name (the caller's, quoted) and placeholders are spliced.
        sql = f"SELECT * FROM ({sql}) AS compiled WHERE compiled.{name} IN ({marks})"  # noqa: S608
        params = (*params, *values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
