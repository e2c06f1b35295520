"""`manage.py load_demo_data` is idempotent across every app."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max

from volunteers.demo import BASE_VOLUNTEERS
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def snapshot():
    state = {}
    for model in apps.get_models():
        manager = getattr(model, "all_objects", model._default_manager)
        fields = {f.name for f in model._meta.concrete_fields}
        state[model._meta.label] = (
            manager.count(),
            manager.aggregate(m=Max("updated_at"))["m"] if "updated_at" in fields else None,
        )
    return state


def test_load_demo_data_twice_changes_nothing(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "Log in as admin / crewbase-demo" in out.getvalue()
    first = snapshot()
    call_command("load_demo_data", stdout=StringIO())
    assert snapshot() == first
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("crewbase-demo")
    roles = {u.username: [g.name for g in u.groups.all()] for u in get_user_model().objects.all()}
    assert roles["coordinator"] == ["Coordinator"] and roles["viewer"] == ["Viewer"]


def test_demo_data_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing"):
        call_command("load_demo_data", stdout=StringIO())


def test_scale_multiplies_the_bulk_demo_data(settings):
    settings.DEBUG = True
    call_command("load_demo_data", "--scale", "2", stdout=StringIO())
    assert Volunteer.objects.count() == 2 * BASE_VOLUNTEERS
