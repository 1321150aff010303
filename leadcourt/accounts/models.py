from django.contrib.auth.models import AbstractUser
from django.db import models


class Department(models.TextChoices):
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    EXECUTIVE = "executive", "Executive"
    OTHER = "other", "Other"


# The departments whose judges are parties in all but name: with the
# rulebook's ``independent_judges`` on, judges from these never decide.
NON_INDEPENDENT_DEPARTMENTS = (Department.SALES, Department.MARKETING)


class User(AbstractUser):
    """A person using LeadCourt, or the one system actor that jobs act as.

    Roles are Django groups (see ``roles.py``); the department matters for the
    rulebook's ``independent_judges`` rule.
    """

    department = models.CharField(max_length=16, choices=Department.choices, default=Department.OTHER)
    # Exactly one row has this set: the actor recorded in history for jobs.
    # It can never log in (unusable password, inactive).
    is_system = models.BooleanField(default=False, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_system"],
                condition=models.Q(is_system=True),
                name="accounts_user_one_system_actor",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
