"""Who may do what to a lead: the one place that answers it.

Each predicate takes ``(lead, user)`` so it can serve as django-fsm's
``permission=`` on the model, as the service-layer check, and as the
"allowed transitions for the caller" list in pages and the API. Superusers may
do everything (SPEC §1). Who may *see* a lead is a queryset rule, kept in
``selectors.leads_visible_to``.
"""

from __future__ import annotations

from leadcourt.accounts import roles


def _superuser(user) -> bool:
    return roles.is_superuser(user)


def is_marketer(lead, user) -> bool:
    return _superuser(user) or roles.is_marketer(user)


def is_assigned_rep(lead, user) -> bool:
    return _superuser(user) or (
        lead.assigned_rep_id is not None and lead.assigned_rep_id == user.pk and roles.is_sales_rep(user)
    )


def is_owning_marketer(lead, user) -> bool:
    return _superuser(user) or (
        roles.is_marketer(user) and lead.marketer_id is not None and lead.marketer_id == user.pk
    )


def is_system(lead, user) -> bool:
    return _superuser(user) or bool(getattr(user, "is_system", False))


def is_manager(lead, user) -> bool:
    return _superuser(user) or roles.is_manager(user)


def is_judge(lead, user) -> bool:
    # Recusal (parties, independent judges) depends on the case and is
    # checked by the adjudication service.
    return _superuser(user) or roles.is_judge(user)


# Why a refusal happened, by predicate, in words a user understands.
REFUSALS = {
    is_marketer: "Only marketers may do this.",
    is_assigned_rep: "Only the sales rep assigned to this lead may do this.",
    is_owning_marketer: "Only the marketer who owns this lead may do this.",
    is_system: "Only the system (a scheduled job) may do this.",
    is_manager: "Only managers may do this.",
    is_judge: "Only judges may do this.",
}


def may_log_touch(lead, user) -> bool:
    return is_assigned_rep(lead, user)


def may_reassign(lead, user) -> bool:
    return is_manager(lead, user)
