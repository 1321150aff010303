"""Showing a service's refusal on the form that asked for it.

Browser views call services and catch ``ApplicationError``: field errors go
next to their fields, anything else (forbidden, conflict, a rulebook guard)
above the form. Nothing was written when a service refused.
"""

from __future__ import annotations

from django import forms

from leadcourt.errors import ApplicationError, InvalidInput


def form_add_service_error(form: forms.Form, error: ApplicationError) -> None:
    if isinstance(error, InvalidInput):
        for field, messages in error.errors.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
        return
    form.add_error(None, error.message)
