"""Volunteers API: the four reports (thank-you, district year-end, organisations, first-time
volunteers) as JSON, each with its typed body."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
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


REPORT_RESPONSE = OpenApiTypes.OBJECT


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

    @extend_schema(parameters=[ThankYouParams], responses={200: REPORT_RESPONSE})
    def get(self, request):
        p = _params(ThankYouParams, request)
        return Response(report_payload(reports.thank_you_report(**p)))


class DistrictYearEndReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[YearEndParams], responses={200: REPORT_RESPONSE})
    def get(self, request):
        p = _params(YearEndParams, request)
        if not user_may_see_district(request.user, p["district"]):
            raise PermissionDenied("You may only see reports for your districts.")
        return Response(report_payload(reports.district_year_end_report(**p)))


def user_may_see_district(user, district: District) -> bool:
    if selectors.user_sees_contacts(user):
        return True
    return selectors.user_is_district_viewer(user) and district.pk in selectors.viewer_district_ids(user)


class OrganizationReportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SeesContacts]

    @extend_schema(parameters=[OrganizationReportParams], responses={200: REPORT_RESPONSE})
    def get(self, request):
        return Response(report_payload(reports.organization_report(**_params(OrganizationReportParams, request))))


class FirstTimeReportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SeesContacts]

    @extend_schema(parameters=[DateRangeParams], responses={200: REPORT_RESPONSE})
    def get(self, request):
        return Response(report_payload(reports.first_time_volunteers_report(**_params(DateRangeParams, request))))
