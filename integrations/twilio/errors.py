"""How Twilio failures map onto retry decisions (pure, so it is testable without the SDK)."""

from __future__ import annotations

# Codes Crewbase retries (issue 7): 20003 (authentication failure — seen while credentials
# are being rotated, so it gets the bounded retry budget rather than an instant failure) and
# 30001-30006 (queue overflow, account suspended, handset unreachable, message blocked,
# unknown handset, carrier unreachable): conditions that usually clear on their own.
TRANSIENT_CODES = frozenset({20003, 30001, 30002, 30003, 30004, 30005, 30006})
# Definitely permanent: invalid 'To' number, no permission for the region, the recipient
# replied STOP, not a mobile number. Every other 4xx is permanent too.
PERMANENT_CODES = frozenset({21211, 21408, 21610, 21614})


def is_transient(*, http_status: int | None, code: int | None) -> bool:
    if code is not None and code in TRANSIENT_CODES:
        return True
    if code is not None and code in PERMANENT_CODES:
        return False
    if http_status is None:
        return True  # no response at all: a timeout or a dropped connection
    return http_status == 429 or http_status >= 500
