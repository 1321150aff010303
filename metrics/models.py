from django.db import models  # noqa: F401  (snapshots come with the metrics issue)
