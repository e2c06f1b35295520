"""Which fields of a record Salesforce owns ("Salesforce wins for synced fields").

`synced_fields(model)` reads the one declaration, `mapping.SYNCED_FIELDS`; the API serializers,
the admin and page forms use it to make those fields read-only on records with a salesforce_id.
"""

from __future__ import annotations

import copy

from django import forms

from ..models import (
    Affiliation,
    ContactHistory,
    District,
    Event,
    Organization,
    School,
    SchoolClass,
    Student,
    StudentParticipation,
    Teacher,
    Volunteer,
    VolunteerParticipation,
)
from .mapping import SYNCED_FIELDS

SYNCED_MESSAGE = "Synced from Salesforce: change it in Salesforce. Crewbase takes Salesforce's value at every sync."
_OBJECTS = {
    District: ("districts",),
    School: ("schools",),
    Organization: ("organizations",),
    SchoolClass: ("classes",),
    Volunteer: ("volunteers",),
    Teacher: ("teachers",),
    Student: ("students",),
    Affiliation: ("affiliations",),
    Event: ("events",),
    VolunteerParticipation: ("volunteer_participations",),
    StudentParticipation: ("student_participations",),
    ContactHistory: ("tasks", "emails"),
}


def synced_fields(model) -> frozenset[str]:
    """The fields the sync writes for this model (empty for a model the sync does not write)."""
    return frozenset().union(*(SYNCED_FIELDS[key] for key in _OBJECTS.get(model, ())))


def is_synced(instance) -> bool:
    return bool(instance is not None and instance.pk and getattr(instance, "salesforce_id", None))


def synced_changes(instance, values: dict) -> list[str]:
    """The synced fields of a synced record that `values` would change (for the API's refusal)."""
    if not is_synced(instance):
        return []
    fields = synced_fields(type(instance))
    return sorted(name for name, value in values.items() if name in fields and getattr(instance, name) != value)


class SyncedFieldsFormMixin:
    """For a ModelForm (the admin's included): on a record with a salesforce_id the fields the sync
    writes are disabled with a note saying Salesforce owns them, and a posted change to one is
    refused with that message on the field. Local-only fields stay editable."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.synced_locked = []
        if is_synced(self.instance):
            for name in sorted(synced_fields(type(self.instance))):
                field = self.fields.get(name)
                if field is not None:
                    field.disabled, field.help_text = True, SYNCED_MESSAGE
                    self.synced_locked.append(name)

    def clean(self):
        data = super().clean()
        for name in self.synced_locked:
            key = self.add_prefix(name)
            if key not in self.data:  # browsers do not post disabled inputs
                continue
            probe = copy.copy(self.fields[name])
            probe.disabled = False  # a disabled field never reports a change
            posted = probe.widget.value_from_datadict(self.data, self.files, key)
            if probe.has_changed(self.get_initial_for_field(probe, name), posted):
                self.add_error(name, SYNCED_MESSAGE)
        return data


class SyncedModelForm(SyncedFieldsFormMixin, forms.ModelForm):
    """The admin's form for every model the sync writes."""
