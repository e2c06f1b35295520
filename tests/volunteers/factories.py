"""Factories for the volunteers app (plain factory_boy, no network)."""

from datetime import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from volunteers.models import (
    District,
    Event,
    EventFormat,
    EventStatus,
    Organization,
    School,
    SchoolLevel,
    Skill,
    Student,
    Teacher,
    Volunteer,
)
from volunteers.search import search_text_refresh


def at(y, m, d, h=10):
    return timezone.make_aware(datetime(y, m, d, h, 0))


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"District {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    district = factory.SubFactory(DistrictFactory)
    level = SchoolLevel.HIGH


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    name = factory.Sequence(lambda n: f"Skill {n}")


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")

    @factory.post_generation
    def searchable(obj, create, extracted, **kwargs):
        """Saved as the services save a volunteer: with its directory search text."""
        if create:
            search_text_refresh([obj.pk])
            obj.refresh_from_db(fields=["search_text"])


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    first_name = factory.Sequence(lambda n: f"Teach{n}")
    last_name = "Er"


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    first_name = factory.Sequence(lambda n: f"Stu{n}")
    last_name = "Dent"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    start = at(2025, 10, 1)
    status = EventStatus.COMPLETED
    format = EventFormat.IN_PERSON
    duration_minutes = 60


HOURS = Decimal
