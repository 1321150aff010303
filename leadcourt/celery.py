"""The one Celery app of the project (cookiecutter-django style).

Settings come from Django settings under the ``CELERY_`` namespace; tasks are
discovered in each app's ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadcourt.settings")

app = Celery("leadcourt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Packages inside an app with their own tasks.py (not found by the line above).
app.autodiscover_tasks(["leads.imports"])
