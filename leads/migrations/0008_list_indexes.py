"""Indexes for the lists at a million leads (issue 11; docs/scaling.md).

Each list page reads its rows from an index that serves its filter and
order (the comment above each index in ``leads/models/lead_schema.py`` names
its query), and indexes that served no query are dropped: every transition
writes an entry into every index of ``leads_lead``.

Dropped, and why:

- ``lead_rep_state_idx`` (assigned_rep, state): the inbox and "my accepted
  leads" now have partial indexes that also serve their order
  (``lead_inbox_idx``, ``lead_worked_idx``); the rep's other lists lead with
  ``assigned_rep`` in ``lead_rep_created_idx``.
- ``lead_criteria_count_idx``: eleven distinct values; a filter
  "at least N criteria" matches a large share of the leads, which the planner
  reads in list order rather than through this index.
- The foreign-key indexes Django adds on ``assigned_rep``, ``marketer`` and
  ``campaign``: the composite list indexes ``lead_rep_created_idx``,
  ``lead_marketer_created_idx`` and ``lead_campaign_created_idx`` start with
  the same column and serve the same lookups (PROTECT checks included).
- ``duplicate_of``: replaced by the partial ``lead_duplicate_of_idx`` (only
  the few leads that are duplicates; the full index held a NULL per lead).
- ``rejection_reason``, ``lost_reason`` and their ``varchar_pattern_ops``
  twins (``_like``): no query looks leads up by reason; they only served
  the PROTECT check when a reason code is deleted (reason codes are
  deactivated, not deleted: a rare administrator action may scan).
- ``segment``: eight segments; no list filters leads by segment, and the
  PROTECT check on deleting a segment (rare) may scan.
- ``external_id``'s ``_like`` twin: serves only ``LIKE 'prefix%'``, which
  nothing runs (the search is a substring search, served by the trigram
  index of 0009); the unique index on ``external_id`` stays.

The foreign keys keep their constraints: only their indexes go (the state
operations set ``db_index=False``; the database operations drop the indexes
by name, which Django derives from the table and column and is the same on
every database built by these migrations).

At a million leads, create the new indexes ``CONCURRENTLY`` first (see the
report of issue 11 / docs/scaling.md): this migration's ``CREATE INDEX``
locks out writes to ``leads_lead`` while it builds.
"""

from django.conf import settings
from django.db import migrations, models

# index name -> (column, with a varchar_pattern_ops twin on PostgreSQL)
FOREIGN_KEY_INDEXES = {
    "leads_lead_assigned_rep_id_7ca23f55": ("assigned_rep_id", False),
    "leads_lead_campaign_id_5dd7a82a": ("campaign_id", False),
    "leads_lead_duplicate_of_id_8a59af48": ("duplicate_of_id", False),
    "leads_lead_lost_reason_id_10743aee": ("lost_reason_id", True),
    "leads_lead_marketer_id_45a35416": ("marketer_id", False),
    "leads_lead_rejection_reason_id_959d0410": ("rejection_reason_id", True),
    "leads_lead_segment_id_33652014": ("segment_id", False),
}
EXTERNAL_ID_LIKE = "leads_lead_external_id_c72287bc_like"


def drop_unused_indexes(apps, schema_editor):
    for name, (_column, has_like) in FOREIGN_KEY_INDEXES.items():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        if has_like:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}_like"')
    schema_editor.execute(f'DROP INDEX IF EXISTS "{EXTERNAL_ID_LIKE}"')


def restore_unused_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, (column, has_like) in FOREIGN_KEY_INDEXES.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "leads_lead" ("{column}")')
        if has_like and postgres:
            schema_editor.execute(
                f'CREATE INDEX "{name}_like" ON "leads_lead" ("{column}" varchar_pattern_ops)'
            )
    if postgres:
        schema_editor.execute(
            f'CREATE INDEX "{EXTERNAL_ID_LIKE}" ON "leads_lead" ("external_id" varchar_pattern_ops)'
        )


def _foreign_key(to, related_name, on_delete=models.PROTECT, **extra):
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=on_delete,
        related_name=related_name,
        to=to,
        **extra,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0007_timestamps_read_the_clock"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lead",
                    name="assigned_rep",
                    field=_foreign_key(settings.AUTH_USER_MODEL, "assigned_leads"),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="campaign",
                    field=_foreign_key("leads.campaign", "leads"),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="duplicate_of",
                    field=_foreign_key(
                        "leads.lead",
                        "probable_duplicates",
                        on_delete=models.SET_NULL,
                        help_text="An earlier lead with the same email (case-insensitive).",
                    ),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="lost_reason",
                    field=_foreign_key("leads.reasoncode", "lost_leads"),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="marketer",
                    field=_foreign_key(settings.AUTH_USER_MODEL, "marketed_leads"),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="rejection_reason",
                    field=_foreign_key("leads.reasoncode", "rejected_leads"),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="segment",
                    field=_foreign_key("leads.segment", "leads"),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_unused_indexes, restore_unused_indexes, elidable=False),
            ],
        ),
        migrations.RemoveIndex(model_name="lead", name="lead_rep_state_idx"),
        migrations.RemoveIndex(model_name="lead", name="lead_criteria_count_idx"),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["assigned_rep", "-created_at", "-id"], name="lead_rep_created_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("state", "mql")),
                fields=["assigned_rep", "decision_due_at", "id"],
                name="lead_inbox_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("state__in", ["sal", "sql"])),
                fields=["assigned_rep", "followup_due_at", "id"],
                name="lead_worked_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["marketer", "-created_at", "-id"], name="lead_marketer_created_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["marketer", "state", "-created_at"],
                include=("criteria_count", "campaign"),
                name="lead_marketer_state_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["campaign", "-created_at", "-id"], name="lead_campaign_created_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("state", "rejected")),
                fields=["marketer", "appeal_due_at", "id"],
                name="lead_rejected_marketer_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("duplicate_of__isnull", False)),
                fields=["duplicate_of"],
                name="lead_duplicate_of_idx",
            ),
        ),
    ]
