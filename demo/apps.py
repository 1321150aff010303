from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for ``make run`` (``manage.py seed_demo``). It builds on every
    app (it plays the whole story through their services), so nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
