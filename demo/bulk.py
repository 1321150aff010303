"""The bulk writer: demo leads past the first ``SERVICE_DRIVEN_MAX``, built by
running the model's transitions in memory (the same field changes the
services make) and written with ``bulk_create`` in batches, for benchmarks
that need 10^5 leads. ``BulkWriter`` is mixed into the command."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.text import slugify
from faker import Faker

from demo.data import (
    BULK_BATCH_SIZE,
    COUNTRIES,
    DEMO_SEED,
    DISQUALIFY_REASONS,
    EXTERNAL_ID_PREFIX,
    HISTORY_DAYS,
    REJECT_REASONS,
    REJECTION_NOTES,
    SOURCES_WITHOUT_CAMPAIGN,
    TITLES,
    demo_external_id,
)
from demo.story import (
    working_time_after,
)
from leadcourt.accounts.models import User
from leads.criteria import CODES, criteria_to_mask
from leads.history import lead_event_new
from leads.models import (
    Lead,
    LeadEvent,
    LeadState,
    ReasonCode,
)


class BulkWriter:
    def _seed_bulk_leads(self, first: int, last: int) -> int:
        """Leads ``first``..``last`` written with ``bulk_create``, with history.

        A simple mix whose rows mirror what the services would have written:
        inquiries, disqualified inquiries, leads accepted and qualified as
        opportunities, and rejected leads (returned once their appeal window
        closed). Delivered ones are at least 30 days old so each story fits
        before today. ``tests/leads/test_seed_demo.py`` checks that every
        lead's history chains up to its state.
        """
        rng = random.Random(DEMO_SEED + 1)
        fake = Faker("en_GB")
        fake.seed_instance(DEMO_SEED + 1)
        # Small pools drawn once: Faker per row would dominate the run time.
        first_names = [fake.first_name() for _ in range(400)]
        last_names = [fake.last_name() for _ in range(400)]
        companies = [fake.company() for _ in range(600)]
        existing = set(
            Lead.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).values_list(
                "external_id", flat=True
            )
        )
        missing = [number for number in range(first, last + 1) if demo_external_id(number) not in existing]
        if not missing:
            return 0
        reasons = {reason.pk: reason for reason in ReasonCode.objects.filter(pk__in=REJECT_REASONS)}
        created = 0
        batch: list[tuple[Lead, list[LeadEvent]]] = []
        for number in range(first, missing[-1] + 1):
            # Draw the row even when it exists, so the numbers stay reproducible.
            lead, events = self._bulk_lead(number, rng, first_names, last_names, companies, reasons)
            if lead.external_id in existing:
                continue
            batch.append((lead, events))
            if len(batch) >= BULK_BATCH_SIZE:
                created += self._bulk_write(batch)
                batch = []
        if batch:
            created += self._bulk_write(batch)
        return created

    def _bulk_lead(self, number, rng, first_names, last_names, companies, reasons):
        """One bulk lead and its history rows: the model's own transitions set
        its fields; only the saving (in bulk) and the routing differ from the services."""
        rb = self.rulebook
        first, last, company = rng.choice(first_names), rng.choice(last_names), rng.choice(companies)
        segment = rng.choice([*self.segments, None])
        kind = rng.choices(("inquiry", "disqualified", "sql", "rejected"), weights=(45, 10, 25, 20))[0]
        if kind == "inquiry":
            created_at = self.now - timedelta(days=rng.uniform(0.5, HISTORY_DAYS))
            met = rng.randint(0, 7)
        elif kind == "disqualified":
            # A week back at least: the disqualification (≤ 30 working hours later) is past too.
            created_at = self.now - timedelta(days=rng.uniform(7, HISTORY_DAYS))
            met = rng.randint(0, rb.mql_min_criteria - 1)
        else:
            # Old enough that the whole story (at most ~3 weeks) ends before today.
            created_at = self.now - timedelta(days=rng.uniform(30, HISTORY_DAYS))
            met = rng.randint(rb.mql_min_criteria, 10)
        campaign = self._campaign_for(created_at, rng)
        marketer = (campaign.marketer if campaign else None) or rng.choice(self.marketers)
        values = {
            "external_id": demo_external_id(number),
            "first_name": first,
            "last_name": last,
            "company": company,
            "email": f"{slugify(first)}.{slugify(last)}.{number}@{slugify(company)[:40]}.example",
            "title": rng.choice(TITLES),
            "country": rng.choice(COUNTRIES),
            "source": campaign.source if campaign else rng.choice(SOURCES_WITHOUT_CAMPAIGN),
            "campaign": campaign,
            "segment": segment,
            "marketer": marketer,
            "criteria_mask": criteria_to_mask(rng.sample(CODES, met)),
            "created_at": created_at,
        }
        lead = Lead(**values)
        events = [
            lead_event_new(
                lead=lead,
                transition="create",
                from_state=LeadState.INQUIRY,
                actor=marketer,
                occurred_at=created_at,
                rulebook=rb,
            )
        ]

        def step(transition: str, actor: User, at: datetime, event: dict | None = None, **arguments) -> None:
            """Run the model's transition (it sets the fields, as in the
            service) and write the history row the service would write."""
            from_state = lead.state
            getattr(lead, transition)(at=at, **arguments)
            events.append(
                lead_event_new(
                    lead=lead,
                    transition=transition,
                    from_state=from_state,
                    actor=actor,
                    occurred_at=at,
                    rulebook=rb,
                    **(event or {}),
                )
            )

        if kind == "disqualified":
            at = working_time_after(created_at, rng.uniform(1, 30))
            reason = rng.choice(DISQUALIFY_REASONS)
            step("disqualify", marketer, at, {"note": reason}, reason=reason)
        elif kind in ("sql", "rejected"):
            # Routed as the router would: the segment's owner, else one of the reps.
            rep = segment.owner_rep if segment and segment.owner_rep else rng.choice(self.reps)
            delivered = created_at + timedelta(hours=rng.uniform(1, 72))
            step(
                "qualify",
                marketer,
                delivered,
                {"data": {"rep": rep.pk, "criteria_met": met}},
                rep=rep,
                decision_due_at=rb.decision_due(delivered),
            )
            # Decided within the decision deadline (and within six working days).
            decided = working_time_after(delivered, rng.uniform(0.1, 0.95) * min(rb.decision_hours, 48))
            if kind == "sql":
                step("accept", rep, decided, followup_due_at=rb.followup_due(decided))
                step("qualify_opportunity", rep, working_time_after(decided, rng.uniform(8, 60)))
            else:
                reason = reasons[rng.choice(REJECT_REASONS)]
                note = rng.choice(REJECTION_NOTES[reason.pk])
                step(
                    "reject",
                    rep,
                    decided,
                    {"reason": reason, "note": note},
                    reason=reason,
                    note=note,
                    appeal_due_at=rb.appeal_due(decided),
                )
                expired = lead.appeal_due_at + timedelta(minutes=rng.uniform(1, 59))
                if expired < self.now:  # the hourly appeal-expiry job has run since
                    step("expire_appeal", self.system, expired)
        lead.updated_at = events[-1].occurred_at
        return lead, events

    def _bulk_write(self, batch: list[tuple[Lead, list[LeadEvent]]]) -> int:
        leads = [lead for lead, _ in batch]
        # These rows carry their simulated times. ``created_at`` keeps the value
        # given; ``updated_at`` is stamped by every save (bulk_create too), so
        # it is written again by ``bulk_update``, which does not stamp it.
        with transaction.atomic():
            Lead.objects.bulk_create(leads, batch_size=BULK_BATCH_SIZE)
            if any(lead.pk is None for lead in leads):  # backends that cannot return ids
                ids = dict(
                    Lead.objects.filter(external_id__in=[lead.external_id for lead in leads]).values_list(
                        "external_id", "pk"
                    )
                )
                for lead in leads:
                    lead.pk = ids[lead.external_id]
            events = []
            for lead, lead_events in batch:
                for event in lead_events:
                    event.lead = lead
                    events.append(event)
            LeadEvent.objects.bulk_create(events, batch_size=BULK_BATCH_SIZE)
            Lead.objects.bulk_update(leads, ["updated_at"], batch_size=BULK_BATCH_SIZE)
        self.stdout.write(f"  bulk: {leads[-1].external_id} written")
        return len(leads)

    # --- output -------------------------------------------------------------------------
