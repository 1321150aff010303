"""Rulebook v1 with the SPEC §5 defaults, and the SPEC §5 reason codes."""

from django.db import migrations

REASON_CODES = [
    # code, label, blames, requires_note
    ("not_icp", "Not our target market", "fit", False),
    ("no_budget", "No budget", "fit", False),
    ("no_authority", "No authority", "data", False),
    ("no_need", "No need", "fit", False),
    ("no_timeline", "No timeline", "timing", False),
    ("bad_contact_data", "Bad contact data", "data", False),
    ("duplicate", "Duplicate", "data", False),
    ("existing_customer", "Existing customer", "data", False),
    ("competitor_won", "Competitor won", "timing", False),
    ("unreachable", "Unreachable", "data", False),
    ("student_or_job_seeker", "Student or job seeker", "fit", False),
    ("other", "Other (note required)", "fit", True),
]


def seed(apps, schema_editor):
    RulebookVersion = apps.get_model("leads", "RulebookVersion")
    ReasonCode = apps.get_model("leads", "ReasonCode")
    if not RulebookVersion.objects.exists():
        RulebookVersion.objects.create(version=1, change_note="SPEC §5 defaults")
    for position, (code, label, blames, requires_note) in enumerate(REASON_CODES):
        ReasonCode.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "blames": blames,
                "requires_note": requires_note,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
