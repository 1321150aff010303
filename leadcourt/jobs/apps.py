from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "leadcourt.jobs"
    label = "jobs"
    verbose_name = "Scheduled jobs"
