from datetime import time

import factory

from oncall.models import Member, PhoneVerification, ShiftPattern, Team

DEFAULT_PATTERN = [(0, 24), (1, 48), (3, 24), (4, 24), (5, 24), (6, 24)]


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Member {n}")
    # Factory phones use area code 773; tests pick explicit 312/630 numbers that never collide.
    phone = factory.Sequence(lambda n: f"+1773555{n % 10000:04d}")
    rotation_order = factory.Sequence(lambda n: n)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Members start with verified numbers unless `verified=False`."""
        if create and extracted is not False:
            for number in obj.phones:
                PhoneVerification.objects.create(member=obj, phone=number, code_hash="-", verified_at=obj.created_at)


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftPattern

    team = factory.SubFactory(TeamFactory)
    weekday = 0
    start_time = time(8, 0)
    duration_hours = 24


def default_pattern(team):
    return [ShiftFactory(team=team, weekday=d, duration_hours=h) for d, h in DEFAULT_PATTERN]
