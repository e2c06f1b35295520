"""Volunteers API: districts, schools and organisations."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from project.api import StrictModelSerializer

from .. import selectors
from ..models import District, Organization, School
from .common import CONTACT_PERMISSIONS, SCOPED_PERMISSIONS, SalesforceIdMixin


# --------------------------------------------------------------------------- geography
class DistrictSerializer(SalesforceIdMixin, StrictModelSerializer):
    class Meta:
        model = District
        fields = ["id", "name", "code", "salesforce_id", "last_synced_at"]
        read_only_fields = ["last_synced_at"]


class SchoolSerializer(SalesforceIdMixin, StrictModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = School
        fields = [
            "id",
            "name",
            "district",
            "district_name",
            "level",
            "code",
            "aliases",
            "salesforce_id",
            "last_synced_at",
        ]
        read_only_fields = ["last_synced_at"]


class DistrictViewSet(viewsets.ModelViewSet):
    queryset = District.objects.none()
    serializer_class = DistrictSerializer
    permission_classes = SCOPED_PERMISSIONS
    search_fields = ["name"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.district_list_for_user(self.request.user).order_by("name")


class SchoolViewSet(viewsets.ModelViewSet):
    queryset = School.objects.none()
    serializer_class = SchoolSerializer
    permission_classes = SCOPED_PERMISSIONS
    filterset_fields = ["district", "level"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.school_list_for_user(self.request.user).prefetch_related("aliases").order_by("name")


# --------------------------------------------------------------------------- organizations
class OrganizationSerializer(SalesforceIdMixin, StrictModelSerializer):
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "city",
            "state",
            "postal_code",
            "last_activity_date",
            "aliases",
            "salesforce_id",
            "last_synced_at",
        ]
        read_only_fields = ["last_synced_at"]


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Organization
        fields = ["kind"]


class OrganizationViewSet(viewsets.ModelViewSet):
    queryset = Organization.objects.none()
    serializer_class = OrganizationSerializer
    permission_classes = CONTACT_PERMISSIONS
    filterset_class = OrganizationFilter
    ordering_fields = ["name"]

    def get_queryset(self):
        return Organization.objects.prefetch_related("aliases").order_by("name")
