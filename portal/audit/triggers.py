"""The audit table's triggers are PostgreSQL's: a migration operation that runs
their SQL there and does nothing on the demo's SQLite."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def on_postgresql(create_sql: str, drop_sql: str) -> migrations.RunPython:
    def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create_sql, params=None)

    def drop(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop_sql, params=None)

    return migrations.RunPython(create, drop)


def append_only(table: str) -> migrations.RunPython:
    """A trigger that refuses UPDATE and DELETE on `table` (PostgreSQL only)."""
    create = f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""
    return on_postgresql(create, drop)
