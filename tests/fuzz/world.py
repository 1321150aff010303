"""The data the fuzz run starts from: one user and one API token per role,
and leads in every state on two sides, so that generated requests reach the
services both for objects the caller may act on and for objects it may not.

Everything goes through the real services (tests/factories.py), so every
lead has the history a real one would have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from adjudication import services as court
from leadcourt.accounts import roles
from leadcourt.accounts.models import Department, User
from leads import services
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Segment
from tests import factories

# The roles fuzzed, each with its own token; ``other_rep`` and
# ``other_marketer`` own the objects that the rep and the marketer must not
# act on.
ROLES = {
    "rep": (roles.SALES_REP, Department.SALES),
    "marketer": (roles.MARKETER, Department.MARKETING),
    "judge": (roles.JUDGE, Department.EXECUTIVE),
    "manager": (roles.MANAGER, Department.EXECUTIVE),
}
PASSWORD = "fuzz-only-password"  # a throwaway local database
LEADS_PER_STATE = 4
IMPORT_CSV = (
    b"First Name,Last Name,Email,Company,Prospect ID\n"
    b"Grace,Hopper,grace@example.com,Navy,FUZZ-1\n"
    b"Alan,Turing,not-an-email,Bletchley,FUZZ-2\n"
)


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    lead_ids: list[int] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    import_ids: list[int] = field(default_factory=list)


def _user(username: str, role: str | None, department: str) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.replace("_", " ").title(),
        email=f"{username}@example.com",
        department=department,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def _side(marketer: User, rep: User, segment: Segment, world: World) -> None:
    """Leads of ``marketer`` routed to ``rep`` in every state a request can act on."""
    for _ in range(LEADS_PER_STATE):
        worked = factories.sal(marketer, rep, segment=segment)
        for channel in ("call", "email", "sms"):
            services.lead_touch_log(lead=worked, actor=rep, channel=channel, outcome="no_answer")
        leads = [
            factories.inquiry(marketer, segment=segment),
            factories.mql(marketer, rep, segment=segment),
            factories.sal(marketer, rep, segment=segment),
            worked,
            factories.sql(marketer, rep, segment=segment),
            factories.rejected(marketer, rep, segment=segment),
            court.lead_concede(lead=factories.rejected(marketer, rep, segment=segment), actor=marketer),
        ]
        case = court.case_open_appeal(
            lead=factories.rejected(marketer, rep, segment=segment), actor=marketer, argument="Budget."
        )
        world.lead_ids += [lead.pk for lead in leads] + [case.lead_id]
        world.case_ids.append(case.pk)


def world_build() -> World:
    """Create the users, tokens and objects in an empty, migrated database."""
    world = World()
    users = {name: _user(f"fuzz_{name}", role, dept) for name, (role, dept) in ROLES.items()}
    users["admin"] = User.objects.create_superuser("fuzz_admin", "fuzz_admin@example.com", PASSWORD)
    other_rep = _user("fuzz_other_rep", roles.SALES_REP, Department.SALES)
    other_marketer = _user("fuzz_other_marketer", roles.MARKETER, Department.MARKETING)
    world.tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}

    mine = Segment.objects.create(code="fuzz-mine", name="Fuzz mine", owner_rep=users["rep"])
    theirs = Segment.objects.create(code="fuzz-theirs", name="Fuzz theirs", owner_rep=other_rep)
    _side(users["marketer"], users["rep"], mine, world)
    _side(other_marketer, other_rep, theirs, world)

    upload = SimpleUploadedFile("leads.csv", IMPORT_CSV, content_type="text/csv")
    lead_import = lead_import_start(actor=users["marketer"], file=upload, enqueue=False)
    lead_import_run(import_id=lead_import.pk)
    world.import_ids.append(lead_import.pk)
    return world
