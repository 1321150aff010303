"""Indexes for the case lists at a million leads (issue 11).

- ``case_queue_idx``: the review queue page reads its 25 cases and its
  capped count from it (open cases, oldest first, with the columns the
  queue filters on included: ``due_at`` splits overdue from the rest, the
  parties and the lead recuse).
- ``case_opened_idx``: the case lists newest first ("My cases", the API),
  with the parties, the lead and the status included, so that "My cases"
  and its count read the index alone.

Nothing dropped: ``case_open_queue_idx`` serves the escalation job. At a
million leads (220,000 cases), build both ``CONCURRENTLY`` first.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("adjudication", "0002_case_sample_month"),
        ("leads", "0009_lead_search_trigram"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["opened_at", "id"],
                include=("due_at", "rep", "marketer", "lead"),
                name="case_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["-opened_at", "-id"],
                include=("rep", "marketer", "lead", "status"),
                name="case_opened_idx",
            ),
        ),
    ]
