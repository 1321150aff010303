"""The leads app's models, one module per thing they hold; imported here so
that Django registers them all under the ``leads`` label (and so that
``from leads.models import Lead`` keeps reading naturally).

Campaigns and import runs live beside their own services and views
(``leads/campaigns/``, ``leads/imports/``) but are ``leads`` models too: their
tables and migrations did not move.
"""

from leads.campaigns.models import Campaign, CampaignStatus
from leads.imports.models import LeadImport, LeadImportRowError, LeadImportStatus
from leads.models.history import LeadEvent
from leads.models.lead import Lead
from leads.models.reference import ReasonBlame, ReasonCode, Segment
from leads.models.rulebook import ReviewMode, RulebookVersion
from leads.models.states import OPEN_STATES, LeadState
from leads.models.touches import Touch, TouchChannel, TouchOutcome

__all__ = [
    "OPEN_STATES",
    "Campaign",
    "CampaignStatus",
    "Lead",
    "LeadEvent",
    "LeadImport",
    "LeadImportRowError",
    "LeadImportStatus",
    "LeadState",
    "ReasonBlame",
    "ReasonCode",
    "ReviewMode",
    "RulebookVersion",
    "Segment",
    "Touch",
    "TouchChannel",
    "TouchOutcome",
]
