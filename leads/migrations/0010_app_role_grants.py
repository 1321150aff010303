"""Grant the app's database role what it needs, and no more (README,
"Database roles").

Migrations run as the role that owns the tables (DATABASE_OWNER_URL); the
app logs in as another role (DATABASE_URL, settings.DATABASE_APP_ROLE) that
owns nothing. A table's owner can always TRUNCATE it, ALTER it (DISABLE
TRIGGER) and DROP its triggers, whatever is granted or revoked, so the lead
history is append-only for the app only because the app is not its owner.

The app gets rows on every table (SELECT, INSERT, UPDATE, DELETE) and its
sequences (the import draws lead ids with nextval), except the history:
INSERT and SELECT only, so an UPDATE or DELETE is refused for want of the
privilege before the append-only trigger (0003) is even reached. No
TRUNCATE, REFERENCES or TRIGGER anywhere. Default privileges give the tables
and sequences that later migrations create (as the same owner) the same
grants; a later table that must also be append-only revokes them itself.

Nothing to do with one role (no DATABASE_OWNER_URL) or on SQLite. A
database that ran this with one role and gets an app role later is given
these statements by hand (README, "Database roles").
"""

from django.conf import settings
from django.db import migrations

HISTORY_TABLE = "leads_leadevent"
ROW_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def _app_role(schema_editor) -> str | None:
    if schema_editor.connection.vendor != "postgresql" or not settings.DATABASE_APP_ROLE:
        return None
    return schema_editor.connection.ops.quote_name(settings.DATABASE_APP_ROLE)


def grant(apps, schema_editor):
    app = _app_role(schema_editor)
    if app is None:
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass", [HISTORY_TABLE]
        )
        (owner,) = cursor.fetchone()
    if owner == settings.DATABASE_APP_ROLE:
        raise RuntimeError(
            f"{HISTORY_TABLE} is owned by the app's role {owner}: migrate as the owner (DATABASE_OWNER_URL) "
            "after giving it the tables (REASSIGN OWNED BY the app role TO the owner)"
        )
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {app}",
        f"GRANT {ROW_PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {ROW_PRIVILEGES} ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        # The history: append-only for the app.
        f"REVOKE ALL ON {HISTORY_TABLE} FROM {app}",
        f"GRANT INSERT, SELECT ON {HISTORY_TABLE} TO {app}",
    ):
        schema_editor.execute(statement, params=None)


def revoke(apps, schema_editor):
    app = _app_role(schema_editor)
    if app is None:
        return
    for statement in (
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {app}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE {ROW_PRIVILEGES} ON TABLES FROM {app}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {app}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app}",
    ):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("leads", "0009_lead_search_trigram")]

    operations = [migrations.RunPython(grant, revoke)]
