"""The lead's current rep and marketer on each case, kept by triggers.

"My cases" shows the cases a user is a party to: the rep and marketer as at
opening, and the lead's current ones (a reassigned lead brings its new rep
in). Asked of every lead the user owns (tens of thousands for a rep), that
was a scan of every case at a million leads; with the lead's owners on the
case, it is four indexed columns.

The database keeps the two columns, so no writer can forget them (the
services, the set-based sweep, the bench's bulk load): on PostgreSQL a
BEFORE INSERT OR UPDATE trigger on the case copies them from its lead, and an
AFTER UPDATE trigger on the lead copies a change of owner to its cases. On
SQLite, whose triggers cannot change the row being written, AFTER triggers
do the same with an UPDATE of the case. Existing cases are filled from their
leads.
"""

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

PG_FORWARD = [
    """
    CREATE FUNCTION adjudication_case_lead_owners() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT assigned_rep_id, marketer_id INTO NEW.lead_rep_id, NEW.lead_marketer_id
        FROM leads_lead WHERE id = NEW.lead_id;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER case_lead_owners_on_write BEFORE INSERT OR UPDATE ON adjudication_case
    FOR EACH ROW EXECUTE FUNCTION adjudication_case_lead_owners()
    """,
    """
    CREATE FUNCTION adjudication_lead_owners_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE adjudication_case SET lead_rep_id = NEW.assigned_rep_id, lead_marketer_id = NEW.marketer_id
        WHERE lead_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER case_lead_owners_follow_lead AFTER UPDATE OF assigned_rep_id, marketer_id ON leads_lead
    FOR EACH ROW WHEN (OLD.assigned_rep_id IS DISTINCT FROM NEW.assigned_rep_id
                       OR OLD.marketer_id IS DISTINCT FROM NEW.marketer_id)
    EXECUTE FUNCTION adjudication_lead_owners_changed()
    """,
    """
    UPDATE adjudication_case AS c SET lead_rep_id = l.assigned_rep_id, lead_marketer_id = l.marketer_id
    FROM leads_lead AS l WHERE l.id = c.lead_id
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS case_lead_owners_follow_lead ON leads_lead",
    "DROP FUNCTION IF EXISTS adjudication_lead_owners_changed()",
    "DROP TRIGGER IF EXISTS case_lead_owners_on_write ON adjudication_case",
    "DROP FUNCTION IF EXISTS adjudication_case_lead_owners()",
]

_SQLITE_COPY = """
    UPDATE adjudication_case
    SET lead_rep_id = (SELECT assigned_rep_id FROM leads_lead WHERE id = NEW.lead_id),
        lead_marketer_id = (SELECT marketer_id FROM leads_lead WHERE id = NEW.lead_id)
    WHERE id = NEW.id;
"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER case_lead_owners_on_insert AFTER INSERT ON adjudication_case BEGIN {_SQLITE_COPY} END",
    # Recursive triggers are off in SQLite: the UPDATE inside does not fire this again.
    f"CREATE TRIGGER case_lead_owners_on_update AFTER UPDATE ON adjudication_case BEGIN {_SQLITE_COPY} END",
    """
    CREATE TRIGGER case_lead_owners_follow_lead AFTER UPDATE OF assigned_rep_id, marketer_id ON leads_lead
    WHEN OLD.assigned_rep_id IS NOT NEW.assigned_rep_id OR OLD.marketer_id IS NOT NEW.marketer_id
    BEGIN
        UPDATE adjudication_case SET lead_rep_id = NEW.assigned_rep_id, lead_marketer_id = NEW.marketer_id
        WHERE lead_id = NEW.id;
    END
    """,
    """
    UPDATE adjudication_case
    SET lead_rep_id = (SELECT assigned_rep_id FROM leads_lead WHERE leads_lead.id = adjudication_case.lead_id),
        lead_marketer_id = (SELECT marketer_id FROM leads_lead WHERE leads_lead.id = adjudication_case.lead_id)
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS case_lead_owners_follow_lead",
    "DROP TRIGGER IF EXISTS case_lead_owners_on_update",
    "DROP TRIGGER IF EXISTS case_lead_owners_on_insert",
]


def forward(apps, schema_editor):
    statements = PG_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = PG_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("adjudication", "0003_queue_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="lead_rep",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="lead_marketer",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
