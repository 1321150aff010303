"""The four role groups and the system actor that scheduled jobs act as."""

from django.db import migrations

ROLES = ("sales_rep", "marketer", "judge", "manager")


def create_roles_and_system_actor(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("accounts", "User")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    if not User.objects.filter(username="system").exists():
        # "!" prefix: Django's marker for an unusable password. Inactive too,
        # so the system actor can never log in.
        User.objects.create(
            username="system",
            first_name="LeadCourt",
            last_name="system",
            password="!system-actor-cannot-log-in",
            is_active=False,
            is_system=True,
            department="other",
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles_and_system_actor, migrations.RunPython.noop)]
