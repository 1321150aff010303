"""Make the lead history append-only in the database, below the ORM.

``LeadEvent.save``/``delete`` already refuse changes; these triggers also stop
a raw ``UPDATE`` or ``DELETE`` (a queryset ``.update()``, a shell session).
TRUNCATE (used by test database flushes) is not a row event and still works.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION leads_leadevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'leads_leadevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER leads_leadevent_append_only
    BEFORE UPDATE OR DELETE ON leads_leadevent
    FOR EACH ROW EXECUTE FUNCTION leads_leadevent_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS leads_leadevent_append_only ON leads_leadevent;
DROP FUNCTION IF EXISTS leads_leadevent_append_only();
"""
# SQLite: updates only; its test-database flush deletes rows one by one.
SQLITE_FORWARD = """
CREATE TRIGGER leads_leadevent_append_only
BEFORE UPDATE ON leads_leadevent
BEGIN
    SELECT RAISE(ABORT, 'leads_leadevent is append-only (UPDATE refused)');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS leads_leadevent_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_seed_rulebook_and_reason_codes")]

    operations = [migrations.RunPython(forward, backward)]
