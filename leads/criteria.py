"""The ten qualification criteria (SPEC §3).

A lead stores the criteria it meets as a bitmask: bit ``i`` is ``CODES[i]``.
The order below is therefore part of the database format — append new codes,
never reorder. The database derives the count from the mask (a generated,
indexed column), so "leads meeting at least N criteria" is one index scan.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class Criterion(models.TextChoices):
    VERTICAL = "vertical", "Vertical known (SIC or NAICS code)"
    FIRMOGRAPHICS = "firmographics", "Firmographics known (revenue, employees, locations)"
    DECISION_MAKERS = "decision_makers", "Decision makers / influencers and their roles identified"
    ENVIRONMENT = "environment", "Environment known (e.g. technical environment)"
    ENGAGEMENT = "engagement", "Decision maker engaged"
    PAINS = "pains", "Business issues / pains uncovered and validated"
    DECISION_PROCESS = "decision_process", "Decision-making process documented"
    BUDGET = "budget", "Budget allocated, or the process for one documented"
    COMPETITION = "competition", "Competitive landscape documented"
    URGENCY = "urgency", "Sense of urgency or a compelling event"


CODES: tuple[str, ...] = tuple(Criterion.values)
FULL_MASK = (1 << len(CODES)) - 1


def criteria_to_mask(codes: Iterable[str]) -> int:
    """Turn criterion codes into the stored mask; unknown codes raise ValueError."""
    mask = 0
    for code in codes:
        try:
            mask |= 1 << CODES.index(code)
        except ValueError:
            raise ValueError(f"unknown criterion {code!r}") from None
    return mask


def mask_to_criteria(mask: int) -> list[str]:
    return [code for bit, code in enumerate(CODES) if mask & (1 << bit)]


def criteria_count_expression() -> models.Expression:
    """SQL that counts the set bits of ``criteria_mask`` (portable: SQLite and
    PostgreSQL both have ``>>`` and ``&``)."""
    terms = [models.F("criteria_mask").bitrightshift(bit).bitand(1) for bit in range(len(CODES))]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total
