"""CSV imports: rows counted by the worker when the file is large, and runs
the job queue refused sent again.

``total_rows`` may be empty until counted (the upload parses only the first
megabyte; the worker counts a larger file before importing any row, which
the new check constraint holds it to). ``send_tried_at`` / ``sent_at``
record handing the run to the job queue; the partial index serves the
``send_waiting_imports`` job's ``WHERE status = 'queued' AND send_tried_at
<= cutoff``. Adding nullable columns rewrites nothing.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0011_history_write_path_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='leadimport',
            name='send_tried_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='leadimport',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='leadimport',
            name='total_rows',
            field=models.PositiveIntegerField(blank=True, help_text='Data rows in the file (blank lines not counted).', null=True),
        ),
        migrations.AddIndex(
            model_name='leadimport',
            index=models.Index(condition=models.Q(('status', 'queued')), fields=['send_tried_at'], name='leadimport_waiting_idx'),
        ),
        migrations.AddConstraint(
            model_name='leadimport',
            constraint=models.CheckConstraint(condition=models.Q(('total_rows__isnull', False), ('rows_done', 0), _connector='OR'), name='leadimport_counted_before_rows_done'),
        ),
    ]
