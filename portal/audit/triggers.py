"""The audit table's triggers are PostgreSQL's: a migration operation that runs
their SQL there and does nothing on the demo's SQLite."""

from __future__ import annotations

from django.db import migrations


def on_postgresql(create_sql: str, drop_sql: str) -> migrations.RunPython:
    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create_sql, params=None)

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop_sql, params=None)

    return migrations.RunPython(create, drop)
