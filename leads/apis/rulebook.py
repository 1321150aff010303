"""``GET /rulebook/``: the rules in force, explained."""

from __future__ import annotations

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from leadcourt.api.fields import TextField
from leadcourt.api.schema import errors
from leadcourt.api.views import JsonApi
from leads import selectors, services
from leads.criteria import Criterion
from leads.models import (
    ReasonBlame,
    RulebookVersion,
)
from leads.rulebook_display import rulebook_rules

# --- GET /rulebook/ ----------------------------------------------------------------------


@extend_schema_serializer(component_name="Rules")
class RulesOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RulebookVersion
        fields = services.RULE_FIELDS
        read_only_fields = services.RULE_FIELDS


@extend_schema_serializer(component_name="RuleExplained")
class RuleExplainedOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(help_text="As the rulebook page shows it, with its unit.")
    meaning = serializers.CharField()


@extend_schema_serializer(component_name="ReasonCode")
class ReasonCodeOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    blames = serializers.ChoiceField(choices=ReasonBlame.choices)
    requires_note = serializers.BooleanField()


@extend_schema_serializer(component_name="Criterion")
class CriterionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class RulebookApi(JsonApi):
    # The one-page rulebook (SPEC §5), for every signed-in user.

    @extend_schema_serializer(component_name="Rulebook")
    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        created_at = serializers.DateTimeField()
        author = serializers.CharField(
            source="author.username", allow_null=True, help_text="Username of the administrator."
        )
        change_note = TextField()
        rules = RulesOutputSerializer(source="*")
        rules_explained = RuleExplainedOutputSerializer(many=True, source="api_rules_explained")
        reason_codes = ReasonCodeOutputSerializer(many=True, source="api_reason_codes")
        criteria = CriterionOutputSerializer(many=True, source="api_criteria")

    @extend_schema(
        summary="The rulebook in force: its rules, reason codes and criteria",
        description="Every signed-in user may read it; administrators change it in the admin.",
        responses={200: OutputSerializer, **errors()},
    )
    def get(self, request):
        rulebook = selectors.rulebook_current()
        rulebook.api_rules_explained = rulebook_rules(rulebook)
        rulebook.api_reason_codes = list(selectors.reason_codes_active())
        rulebook.api_criteria = [{"code": code, "label": label} for code, label in Criterion.choices]
        return Response(self.OutputSerializer(rulebook).data)
