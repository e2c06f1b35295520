"""Volunteers API: the four reports (thank-you, district year-end, organisations, first-time
volunteers) as JSON, each with its typed body."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from project.api import StrictSerializer

from .. import reports, selectors
from ..models import District, Organization
from .common import SeesContacts


# --------------------------------------------------------------------------- reports
def report_payload(report: reports.Report) -> dict:
    return {
        "title": report.title,
        "subtitle": report.subtitle,
        "columns": report.columns,
        "rows": report.rows,
        **report.data,
    }


@extend_schema_field({"anyOf": [{"type": "string"}, {"type": "number"}]})
class ReportCellField(serializers.Field):
    """One cell of a report table: text, a date (ISO string) or a number, as the page shows it."""

    def to_representation(self, value):
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, date):
            return value.isoformat()
        return value


class ReportSerializer(serializers.Serializer):
    """What every report answers: its title, subtitle and table (the page's and the CSV's)."""

    title = serializers.CharField()
    subtitle = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=ReportCellField()))


class DateRangeReportSerializer(ReportSerializer):
    start = serializers.DateField()
    end = serializers.DateField()


class ThankYouVolunteerSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    volunteer_id = serializers.IntegerField()
    name = serializers.CharField()
    organization = serializers.CharField(help_text="The primary organisation; empty when none.")
    events = serializers.IntegerField()
    hours = serializers.FloatField()


class ThankYouReportSerializer(DateRangeReportSerializer):
    by = serializers.ChoiceField(choices=["hours", "events"])
    limit = serializers.IntegerField()
    volunteers = ThankYouVolunteerSerializer(many=True)


class DistrictRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EventTypeFiguresSerializer(serializers.Serializer):
    event_type = serializers.CharField(help_text="The event type's label.")
    events = serializers.IntegerField()
    volunteer_engagements = serializers.IntegerField()
    hours = serializers.FloatField()
    students_reached = serializers.IntegerField()


class DistrictYearEndReportSerializer(DateRangeReportSerializer):
    district = DistrictRefSerializer()
    academic_year = serializers.IntegerField()
    events_total = serializers.IntegerField()
    events_in_person = serializers.IntegerField()
    events_virtual = serializers.IntegerField()
    students_in_person_unique = serializers.IntegerField()
    virtual_teacher_engagements = serializers.IntegerField()
    students_virtual_estimated = serializers.IntegerField()
    students_reached = serializers.IntegerField()
    volunteer_engagements = serializers.IntegerField()
    unique_volunteers = serializers.IntegerField()
    volunteer_hours = serializers.FloatField()
    unique_organizations = serializers.IntegerField()
    schools_by_level = serializers.DictField(
        child=serializers.IntegerField(), help_text="Schools reached, by school level (its label)."
    )
    schools_total = serializers.IntegerField()
    students_per_volunteer = serializers.IntegerField(
        allow_null=True, help_text="In-person, from attendance detail; null when no event has complete detail."
    )
    by_event_type = EventTypeFiguresSerializer(many=True)


class OrganizationFiguresSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    name = serializers.CharField()
    events = serializers.IntegerField()
    events_in_person = serializers.IntegerField()
    events_virtual = serializers.IntegerField()
    volunteers = serializers.IntegerField()
    hours = serializers.FloatField()


class OrganizationReportSerializer(DateRangeReportSerializer):
    academic_year = serializers.IntegerField()
    organizations = OrganizationFiguresSerializer(many=True)


class FirstTimeVolunteerSerializer(serializers.Serializer):
    volunteer_id = serializers.IntegerField()
    name = serializers.CharField()
    organization = serializers.CharField(help_text="The primary organisation; empty when none.")
    first_date = serializers.DateField()
    first_event = serializers.CharField()


class FirstTimeReportSerializer(DateRangeReportSerializer):
    count = serializers.IntegerField()
    volunteers = FirstTimeVolunteerSerializer(many=True)


def report_response(serializer_class, report: reports.Report) -> Response:
    return Response(serializer_class(report_payload(report)).data)


class DateRangeParams(StrictSerializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The end date is before the start date."]})
        return attrs


class ThankYouParams(DateRangeParams):
    by = serializers.ChoiceField(choices=[("hours", "Hours"), ("events", "Events")], default="hours")
    limit = serializers.IntegerField(min_value=1, max_value=500, default=25)


class YearEndParams(StrictSerializer):
    district = serializers.PrimaryKeyRelatedField(queryset=District.objects.all())
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, help_text="Academic year start (2025 = Aug 1 2025 – Jul 31 2026)."
    )


class OrganizationReportParams(StrictSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)


def _params(serializer_class, request):
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


class ThankYouReportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SeesContacts]

    @extend_schema(parameters=[ThankYouParams], responses={200: ThankYouReportSerializer})
    def get(self, request):
        p = _params(ThankYouParams, request)
        return report_response(ThankYouReportSerializer, reports.thank_you_report(**p))


class DistrictYearEndReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[YearEndParams], responses={200: DistrictYearEndReportSerializer})
    def get(self, request):
        p = _params(YearEndParams, request)
        if not user_may_see_district(request.user, p["district"]):
            raise PermissionDenied("You may only see reports for your districts.")
        return report_response(DistrictYearEndReportSerializer, reports.district_year_end_report(**p))


def user_may_see_district(user, district: District) -> bool:
    if selectors.user_sees_contacts(user):
        return True
    return selectors.user_is_district_viewer(user) and district.pk in selectors.viewer_district_ids(user)


class OrganizationReportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SeesContacts]

    @extend_schema(parameters=[OrganizationReportParams], responses={200: OrganizationReportSerializer})
    def get(self, request):
        report = reports.organization_report(**_params(OrganizationReportParams, request))
        return report_response(OrganizationReportSerializer, report)


class FirstTimeReportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SeesContacts]

    @extend_schema(parameters=[DateRangeParams], responses={200: FirstTimeReportSerializer})
    def get(self, request):
        report = reports.first_time_volunteers_report(**_params(DateRangeParams, request))
        return report_response(FirstTimeReportSerializer, report)
