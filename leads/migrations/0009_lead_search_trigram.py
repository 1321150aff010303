"""A trigram index for the lead search (issue 11), PostgreSQL only.

``selectors.lead_text_matches`` looks for a case-insensitive substring in
five fields as ``UPPER(<the fields joined by '|'>) LIKE UPPER('%term%')``,
and this GIN index (``pg_trgm``) answers it instead of a scan of every lead.
The expression must stay exactly ``UPPER(lead_schema.lead_search_document())``
as the query writes it; a test checks that the planner can use the index.

``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database's owner, or
any role with CREATE on the database, may create it; a superuser can create
it beforehand, and then this migration only checks it is there. SQLite has
no GIN indexes: there the search reads every row, as before.

At a million leads, build the index ``CONCURRENTLY`` first (same statement
with ``CREATE INDEX CONCURRENTLY IF NOT EXISTS``, outside a transaction);
this migration then finds it and does nothing.
"""

from django.db import migrations, transaction
from django.db.utils import DatabaseError

INDEX = "lead_search_trgm_idx"
CREATE_INDEX = (
    f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "leads_lead" USING gin '
    "((UPPER((\"first_name\" || '|' || \"last_name\" || '|' || \"company\" || '|' || \"email\" || '|' "
    "|| COALESCE(\"external_id\", '')))) gin_trgm_ops)"
)


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        installed = cursor.fetchone() is not None
    if not installed:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:
            raise RuntimeError(
                "The lead search needs the pg_trgm extension, and this database role may not "
                "create it. Run `CREATE EXTENSION pg_trgm;` in this database as its owner or a "
                f"superuser, then migrate again. ({error})"
            ) from error
    schema_editor.execute(CREATE_INDEX)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects may use it, and it costs nothing idle.
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("leads", "0008_list_indexes")]

    operations = [migrations.RunPython(create_search_index, drop_search_index, elidable=False)]
