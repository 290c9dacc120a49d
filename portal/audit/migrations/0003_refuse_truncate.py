"""On PostgreSQL, the audit table refuses TRUNCATE too (row triggers never see it).

The one way round it is a setting the test suite alone sets on its connections
(`portal.audit_allow_truncate = on`), because Django empties every table with
TRUNCATE between transactional tests. No deployment sets it; the portal's database
role should not hold TRUNCATE on the table in the first place (docs/deployment.md).
"""

from django.db import migrations

from portal.audit.triggers import on_postgresql

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('portal.audit_allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: TRUNCATE is not allowed'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_refuse_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_refuse_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [on_postgresql(CREATE, DROP)]
