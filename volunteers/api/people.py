"""Volunteers API: volunteers (with the directory search) and skills."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets

from project.api import CountedRows, DateTimeField, StrictModelSerializer, StrictSerializer

from .. import selectors, services
from ..models import Affiliation, ContactEmail, LocalStatus, Organization, Skill, Volunteer, VolunteerSkill
from .common import CONTACT_PERMISSIONS, SCOPED_PERMISSIONS, SalesforceIdMixin


# --------------------------------------------------------------------------- volunteers
class VolunteerOrganizationSerializer(serializers.Serializer):
    """One of the volunteer's affiliations."""

    id = serializers.IntegerField(help_text="The organisation's id.")
    name = serializers.CharField()
    role = serializers.CharField()
    is_primary = serializers.BooleanField()
    status = serializers.CharField()


class VolunteerSerializer(SalesforceIdMixin, StrictModelSerializer):
    organizations = serializers.SerializerMethodField()
    skills = serializers.SerializerMethodField()
    primary_email = serializers.SerializerMethodField()
    email = serializers.EmailField(write_only=True, required=False, help_text="Becomes the primary email.")
    phone = serializers.CharField(write_only=True, required=False, max_length=30)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), write_only=True, required=False, help_text="Primary organization."
    )

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "salutation",
            "first_name",
            "middle_name",
            "last_name",
            "suffix",
            "title",
            "department",
            "industry",
            "education",
            "status",
            "local_status",
            "do_not_call",
            "do_not_contact",
            "email_opt_out",
            "exclude_from_reports",
            "times_volunteered",
            "first_volunteered_on",
            "last_volunteered_on",
            "additional_volunteer_count",
            "organizations",
            "skills",
            "primary_email",
            "email",
            "phone",
            "organization",
            "salesforce_id",
            "last_synced_at",
        ]
        read_only_fields = [
            "local_status",
            "times_volunteered",
            "first_volunteered_on",
            "last_volunteered_on",
            "last_synced_at",
        ]

    @extend_schema_field(VolunteerOrganizationSerializer(many=True))
    def get_organizations(self, obj) -> list[dict]:
        return [
            {
                "id": a.organization_id,
                "name": a.organization.name,
                "role": a.role,
                "is_primary": a.is_primary,
                "status": a.status,
            }
            for a in obj.affiliations.all()
        ]

    def get_skills(self, obj) -> list[str]:
        return [link.skill.name for link in obj.volunteer_skills.all()]

    def get_primary_email(self, obj) -> str:
        emails = getattr(obj, "primary_emails", None)
        if emails is None:
            emails = [e for e in obj.emails.all() if e.is_primary]
        return emails[0].email if emails else ""

    def create(self, validated_data):
        return services.volunteer_create(**validated_data)

    def update(self, instance, validated_data):
        for key in ("email", "phone", "organization"):
            value = validated_data.pop(key, None)
            if value and key == "email":
                services.contact_email_add(contact=instance, email=value, make_primary=True)
            elif value and key == "phone":
                services.contact_phone_add(contact=instance, number=value, make_primary=True)
            elif value:
                services.affiliation_set(volunteer=instance, organization=value, is_primary=True)
        return services.volunteer_update(volunteer=instance, **validated_data)


# The list's columns: VolunteerSerializer's readable fields stored on the volunteer's rows, in its order
# (the others, computed or write-only, are shaped by `volunteer_list_rows` or not shown).
LIST_COLUMNS = tuple(
    name
    for name in VolunteerSerializer.Meta.fields
    if name in {field.name for field in Volunteer._meta.concrete_fields}
    and not getattr(VolunteerSerializer._declared_fields.get(name), "write_only", False)
)
_SYNCED_AT = DateTimeField()


def volunteer_list_rows(rows: list[dict]) -> list[dict]:
    """A page of `.values(*LIST_COLUMNS)` rows in VolunteerSerializer's representation, with three
    queries for the related rows (affiliations, skills, primary e-mails). The same output as the
    serializer (tests/volunteers/test_api.py compares them) at a fraction of its cost: a page of 50
    through the serializer's per-field calls was most of the directory search's CPU time."""
    ids = [row["id"] for row in rows]
    organizations, skills = defaultdict(list), defaultdict(list)
    affiliations = (
        Affiliation.objects.filter(volunteer_id__in=ids)
        .order_by("-is_primary", "organization__name", "pk")
        .values_list("volunteer_id", "organization_id", "organization__name", "role", "is_primary", "status")
    )
    for volunteer_id, organization_id, name, role, is_primary, status in affiliations:
        organizations[volunteer_id].append(
            {"id": organization_id, "name": name, "role": role, "is_primary": is_primary, "status": status}
        )
    links = VolunteerSkill.objects.filter(volunteer_id__in=ids).order_by("skill__name", "pk")
    for volunteer_id, name in links.values_list("volunteer_id", "skill__name"):
        skills[volunteer_id].append(name)
    emails = dict(ContactEmail.objects.filter(contact_id__in=ids, is_primary=True).values_list("contact_id", "email"))
    shaped = []
    for row in rows:
        pk, salesforce_id, synced = row["id"], row.pop("salesforce_id"), row.pop("last_synced_at")
        first, last = row["first_volunteered_on"], row["last_volunteered_on"]
        shaped.append(
            {
                **row,
                "first_volunteered_on": first and first.isoformat(),
                "last_volunteered_on": last and last.isoformat(),
                "organizations": organizations[pk],
                "skills": skills[pk],
                "primary_email": emails.get(pk, ""),
                "salesforce_id": salesforce_id,
                "last_synced_at": synced and _SYNCED_AT.to_representation(synced),
            }
        )
    return shaped


class DirectoryParams(StrictSerializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Every term must match a name part, organization, title, department or skill.",
    )
    organization = serializers.IntegerField(required=False, min_value=1)
    skill = serializers.IntegerField(required=False, min_value=1)
    local_status = serializers.ChoiceField(choices=LocalStatus.choices, required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=list(selectors.DirectorySort.ORDERING), required=False, default="name")
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class VolunteerViewSet(viewsets.ModelViewSet):
    queryset = Volunteer.objects.none()
    serializer_class = VolunteerSerializer
    permission_classes = CONTACT_PERMISSIONS
    filter_backends: list = []  # the directory selector does the filtering and sorting

    def get_queryset(self):
        if self.action != "list":
            return selectors.volunteer_directory()
        # Built once per request: the model permission check asks for it too (for its model).
        if "_directory" not in self.__dict__:
            params = DirectoryParams(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            data = {k: v for k, v in params.validated_data.items() if k not in ("page", "page_size")}
            self._directory = selectors.volunteer_directory(**data)
        return self._directory

    @extend_schema(parameters=[DirectoryParams])
    def list(self, request, *args, **kwargs):
        # The serializer's representation, shaped from plain rows (not a docstring: the schema
        # would show it as the operation's description).
        volunteers = self.get_queryset().prefetch_related(None)
        page = self.paginate_queryset(CountedRows(volunteers.values(*LIST_COLUMNS), counted=volunteers))
        return self.get_paginated_response(volunteer_list_rows(page))

    def perform_destroy(self, instance):
        services.volunteers_delete(volunteer_ids=[instance.pk])


class SkillSerializer(StrictModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name"]

    def validate_name(self, value):
        """Names are unique case-insensitively (a database constraint DRF does not check)."""
        skill = Skill(name=" ".join(value.split()))
        try:
            skill.validate_constraints()
        except DjangoValidationError:
            raise serializers.ValidationError("A skill with this name already exists.") from None
        return skill.name


class SkillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Skill.objects.order_by("name")
    serializer_class = SkillSerializer
    permission_classes = SCOPED_PERMISSIONS
