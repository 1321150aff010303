"""Let the app's database role refresh planner statistics
(``leadcourt.planner_statistics``) without owning a table.

The jobs that write in bulk (a CSV import, the demo seed) ANALYZE what they
filled before computing over it, and they run as the app's role (README,
"Database roles"), which owns nothing; PostgreSQL 15 and 16 let only a
table's owner ANALYZE it (anyone else gets a warning and nothing is done).
So the owner, which runs this migration, defines a function that runs
ANALYZE with the owner's rights (SECURITY DEFINER), and only the app's role
may call it. Giving the app the tables instead would let it TRUNCATE the
history; PostgreSQL 17's MAINTAIN privilege would do, but 15 and 16 have none.

What the function grants is narrow: ANALYZE only (it writes statistics,
never rows), only of tables (plain, partitioned, materialized views) in the
public schema that the function's owner owns; anything else is refused
whole, before anything is analyzed. Its search_path is pinned (pg_catalog
first) so that no object the caller creates can stand in for one it uses,
and the tables are named to ANALYZE schema-qualified and quoted, as read
from pg_class, never as the caller spelt them.

EXECUTE is taken from PUBLIC (PostgreSQL grants it on every new function)
and given to the app's role only; with one role (no DATABASE_OWNER_URL) that
role owns the function and may call it as it is. Nothing on SQLite, which
keeps no statistics unless asked. A database that ran this with one role and
gets an app role later is given the GRANT by hand (README, "Database roles").
"""

from django.conf import settings
from django.db import migrations

FUNCTION = "public.leadcourt_tables_analyze(regclass[])"

CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION public.leadcourt_tables_analyze(tables regclass[])
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $function$
DECLARE
    refused text;
    targets text;
BEGIN
    -- current_user is the function's owner here (SECURITY DEFINER).
    SELECT string_agg(coalesce(t.oid::text, 'NULL'), ', ')
      INTO refused
      FROM unnest(tables) AS t(oid)
      LEFT JOIN pg_class c ON c.oid = t.oid
     WHERE c.oid IS NULL
        OR c.relnamespace <> 'public'::regnamespace
        OR c.relkind NOT IN ('r', 'p', 'm')
        OR c.relowner <> current_user::regrole;
    IF refused IS NOT NULL THEN
        RAISE EXCEPTION 'leadcourt_tables_analyze: % is not a table of the public schema owned by %',
              refused, current_user
              USING ERRCODE = 'insufficient_privilege';
    END IF;

    SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY t.position)
      INTO targets
      FROM unnest(tables) WITH ORDINALITY AS t(oid, position)
      JOIN pg_class c ON c.oid = t.oid
      JOIN pg_namespace n ON n.oid = c.relnamespace;
    IF targets IS NOT NULL THEN
        EXECUTE 'ANALYZE ' || targets;
    END IF;
END
$function$
"""


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def create(apps, schema_editor):
    if not _postgresql(schema_editor):
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    schema_editor.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC", params=None)
    if settings.DATABASE_APP_ROLE:
        app = schema_editor.connection.ops.quote_name(settings.DATABASE_APP_ROLE)
        schema_editor.execute(f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO {app}", params=None)


def drop(apps, schema_editor):
    if _postgresql(schema_editor):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}", params=None)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_sweeps_run_by_the_court")]

    operations = [migrations.RunPython(create, drop)]
