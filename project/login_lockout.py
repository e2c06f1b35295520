"""Login lockout (django-axes) per (username, IP) and, against password spraying, per IP across
usernames with its own, higher limit (an office behind one address must not be locked out by a
few typos of different people)."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


class SprayAwareAxesHandler(AxesDatabaseHandler):
    """AXES_LOCKOUT_PARAMETERS is [["username", "ip_address"], "ip_address"]: the first set counts
    towards AXES_FAILURE_LIMIT, the second (every username from this IP) towards
    AXES_IP_FAILURE_LIMIT. Either one reached locks the client out for AXES_COOLOFF_TIME."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        per_user_and_ip, per_ip = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if per_ip >= settings.AXES_IP_FAILURE_LIMIT:
            return max(per_user_and_ip, get_failure_limit(request, credentials))
        return per_user_and_ip

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in clears that username's failures only: one valid account must not
        wipe the failures a sprayer ran up from the same address."""
        deleted, _ = self.filter_user_attempts(request, credentials)[0].delete()
        return deleted
