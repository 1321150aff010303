"""The cache's table, when the cache is the database (no CACHE_URL: `make run`,
and a deployment without Redis). The throttles and the login lockout count in
the cache, so it must exist before the first request; a migration makes
`manage.py migrate` enough everywhere. With CACHE_URL=redis://… there is no
table to create and this does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # createcachetable skips tables that already exist and caches that are not
    # the database's.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles_and_system_actor")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
