"""Scheduling API: the shapes of the JSON the API returns, declared for the OpenAPI schema.

The stored JSON (warnings on a schedule, a sync run's problems, a run's settings snapshot, the
settings' slots and durations) stays as it is; these fields only give the schema its properties,
so generated clients get typed models instead of free-form objects."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The rule's code (e.g. `weekly_availability`).")
    message = serializers.CharField()
    severity = serializers.CharField(help_text="hard or soft")


class SyncProblemSerializer(serializers.Serializer):
    mplan_id = serializers.CharField()
    event = serializers.CharField(required=False, help_text="The event's name, when known.")
    rep_id = serializers.CharField(required=False, allow_null=True)
    rep_name = serializers.CharField(required=False, allow_null=True)
    error = serializers.CharField()


class RunSettingsSerializer(serializers.Serializer):
    """The settings a run used (a snapshot taken when it planned); empty (`{}`) for a run that
    failed before planning."""

    buffer_days = serializers.IntegerField(required=False)
    short_notice_free_slots = serializers.BooleanField(required=False)
    core_slots = serializers.ListField(child=serializers.CharField(help_text="HH:MM"), required=False)
    supervisor_time = serializers.CharField(help_text="HH:MM", required=False)


class VerificationIssueSerializer(serializers.Serializer):
    check = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    event_id = serializers.IntegerField(allow_null=True)
    employee_id = serializers.IntegerField(allow_null=True)


@extend_schema_field(WarningSerializer(many=True))
class WarningsField(serializers.JSONField):
    """Rule warnings accepted with a reason: `[{code, message, severity}]`."""


@extend_schema_field(SyncProblemSerializer(many=True))
class SyncProblemsField(serializers.JSONField):
    """Records a sync skipped or reported: `[{mplan_id, error, …}]`."""


@extend_schema_field(RunSettingsSerializer)
class RunSettingsField(serializers.JSONField):
    """A run's settings snapshot."""


@extend_schema_field(serializers.ListField(child=serializers.CharField(help_text="HH:MM")))
class SlotsField(serializers.JSONField):
    """A list of start times, `["HH:MM", …]`."""


@extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
class DurationsField(serializers.JSONField):
    """Minutes per event type or sub-type."""


class RepRowSerializer(serializers.Serializer):
    """A Crossmark rep as the import review shows it."""

    rep_id = serializers.CharField()
    crossmark_employee_id = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()


class RepMatchedSerializer(RepRowSerializer):
    employee_id = serializers.IntegerField()
    how = serializers.CharField()
    recase = inline_serializer(
        "RepRecase",
        fields={"from": serializers.CharField(), "to": serializers.CharField()},
        allow_null=True,
        help_text="Set when only Crossmark's casing of the name differs.",
    )


class RepCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RepCandidatesSerializer(RepRowSerializer):
    candidates = RepCandidateSerializer(many=True)


class RepRefusedSerializer(RepRowSerializer):
    field = serializers.CharField()
    error = serializers.CharField()


class RepReviewSerializer(serializers.Serializer):
    matched = RepMatchedSerializer(many=True)
    ambiguous = RepCandidatesSerializer(many=True)
    look_alike = RepCandidatesSerializer(many=True)
    new = RepRowSerializer(many=True)
    refused = RepRefusedSerializer(many=True)
