import pytest

from leads.criteria import CODES, criteria_to_mask, mask_to_criteria
from leads.models import Lead
from tests.factories import inquiry


def test_mask_round_trips_every_code():
    assert mask_to_criteria(criteria_to_mask(CODES)) == list(CODES)


def test_unknown_criterion_is_refused():
    with pytest.raises(ValueError, match="unknown criterion 'telepathy'"):
        criteria_to_mask(["vertical", "telepathy"])


def test_database_counts_criteria_so_threshold_is_one_query(marketer, django_assert_num_queries):
    inquiry(marketer, criteria=["vertical", "budget"])
    inquiry(marketer, criteria=["vertical", "budget", "pains", "urgency", "engagement"])
    with django_assert_num_queries(1):
        assert Lead.objects.filter(criteria_count__gte=4).count() == 1
