"""Celery task of the CSV import: thin, it takes the run's id and calls the service."""

from __future__ import annotations

from celery import shared_task

from leadcourt.jobs.retry import JOB_TASK_OPTIONS, TRANSIENT_DATABASE_ERRORS
from leads.imports.services import lead_import_fail, lead_import_run

# Retried by hand (not ``autoretry_for``) so that the last failed attempt can
# mark the run failed instead of leaving it "running" for ever.
_OPTIONS = {
    key: value for key, value in JOB_TASK_OPTIONS.items() if not key.startswith(("autoretry", "retry_"))
}


@shared_task(bind=True, name="leads.imports.tasks.lead_import_run", **_OPTIONS)
def lead_import_run_task(self, import_id: int) -> dict | None:
    """Run (or resume) import ``import_id``.

    Safe to deliver twice: a finished run is left alone, an interrupted one
    resumes after its last committed chunk, and two workers on one run never
    import a chunk twice (see ``lead_import_run``). Returns the counters.
    """
    try:
        lead_import = lead_import_run(import_id=import_id)
    except TRANSIENT_DATABASE_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            lead_import_fail(import_id=import_id, reason=f"The database stayed unavailable: {exc}")
            raise
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc
    if lead_import is None:
        return None  # deleted meanwhile: nothing to do
    return {
        "status": lead_import.status,
        "rows_done": lead_import.rows_done,
        "created": lead_import.created_count,
        "existing": lead_import.existing_count,
        "refused": lead_import.refused_count,
    }
