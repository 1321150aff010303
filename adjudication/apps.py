from django.apps import AppConfig


class AdjudicationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "adjudication"

    def ready(self) -> None:
        # The court joins the leads app's lifecycle through the hooks leads
        # offers (leads imports nothing of the court; see leads/hooks.py).
        from adjudication.apis.appeals import lead_cases_register
        from adjudication.services import case_open_audit_after_reject
        from leads.hooks import after_reject_register

        after_reject_register(case_open_audit_after_reject)
        lead_cases_register()
