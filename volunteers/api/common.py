"""Volunteers API: who sees contact details, and the Salesforce-id mixin (synced fields are
read-only on records that have a `salesforce_id`)."""

from __future__ import annotations

from rest_framework import permissions, serializers

from project.api import RoleModelPermissions

from .. import selectors
from ..salesforce.synced import SYNCED_MESSAGE, is_synced, synced_changes


# --------------------------------------------------------------------------- permissions
class SeesContacts(permissions.BasePermission):
    """People and their details are for Administrators, Coordinators and Staff only."""

    message = "Your role sees aggregate reports only."

    def has_permission(self, request, view):
        return selectors.user_sees_contacts(request.user)


CONTACT_PERMISSIONS = [permissions.IsAuthenticated, SeesContacts, RoleModelPermissions]
SCOPED_PERMISSIONS = [permissions.IsAuthenticated, RoleModelPermissions]


class SalesforceIdMixin:
    """A blank salesforce_id means "not from Salesforce" and is stored as NULL (the column is
    unique, and a blank value skips DRF's uniqueness check, so a second "" was a 500).

    Salesforce wins for synced fields: on a record with a salesforce_id, a change to a field the
    sync writes (`salesforce.synced.synced_fields`) or to the id itself is refused with a 400
    naming each field; sending the current value is fine, local-only fields stay editable."""

    def validate_salesforce_id(self, value):
        return value or None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        errors = {name: [SYNCED_MESSAGE] for name in synced_changes(self.instance, attrs)}
        if (
            is_synced(self.instance)
            and "salesforce_id" in attrs
            and attrs["salesforce_id"] != self.instance.salesforce_id
        ):
            errors["salesforce_id"] = ["The Salesforce id of a record synced from Salesforce cannot change."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
