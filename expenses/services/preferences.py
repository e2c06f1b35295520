"""The user's expense preferences (timezone, bank match window)."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import ExpenseProfile


@transaction.atomic
def expense_profile_set_timezone(*, user, timezone_name: str) -> ExpenseProfile:
    if timezone_name and timezone_name not in zoneinfo.available_timezones():
        raise ValidationError({"timezone": f"“{timezone_name}” is not a known timezone."})
    profile, _ = ExpenseProfile.objects.get_or_create(user=user)
    profile.timezone = timezone_name
    profile.save(update_fields=["timezone"])
    return profile


@transaction.atomic
def expense_profile_set_bank_match_days(*, user, days: int) -> ExpenseProfile:
    profile, _ = ExpenseProfile.objects.get_or_create(user=user)
    profile.bank_match_days = days
    profile.full_clean()
    profile.save(update_fields=["bank_match_days"])
    return profile
