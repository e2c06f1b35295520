"""`Idempotency-Key` for state-changing API calls (POST, PUT, PATCH, DELETE under /api/).

The first response to a call made with a key is stored per (user, key) for IDEMPOTENCY_TTL, in
the same database transaction as the call's own writes, so the work is committed if and only if
its response is stored. A retry with the same key then gets that response again (with
`Idempotent-Replayed: true`) instead of doing the work twice — also when the first answer was
lost or was an error the client could not read. The same key with another method, path or body
is a 422. A concurrent retry waits for the first call to finish (the row it would insert is
locked until then) and replays its response; a call that still finds the key unfinished gets 409.

Responses that did nothing are not stored, so the retry runs: server errors (their writes are
rolled back), 401/403 (not signed in, not allowed) and 429 (throttled). Anonymous calls carry
no key: there is no user to keep it for.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework import authentication

from .models import ApiToken, IdempotencyRecord, hash_token

HEADER = "Idempotency-Key"
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as in the HTTP header draft's examples
NOT_STORED = frozenset({401, 403, 429})


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message, "errors": {HEADER: [message]}}, status=status)


def _request_user(request):
    """The caller, from a Bearer token or the session; None when anonymous or the token is bad
    (the view then answers 401 itself)."""
    header = authentication.get_authorization_header(request).split()
    if header and header[0].lower() == b"bearer":
        if len(header) != 2:
            return None
        token = (
            ApiToken.objects.select_related("user").filter(token_hash=hash_token(header[1].decode("latin-1"))).first()
        )
        return token.user if token and token.is_active and token.user.is_active else None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _fingerprint(request) -> str:
    body = request.body
    content_type = request.META.get("CONTENT_TYPE", "")
    boundary = re.search(r"boundary=\"?([^\";]+)", content_type)
    if content_type.startswith("multipart/") and boundary:
        body = body.replace(boundary.group(1).encode(), b"")  # a client may pick a new boundary per retry
    digest = hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type or None)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(*, user, key: str, fingerprint: str) -> HttpResponse | None:
    """Insert the key's row (None: go on and do the work) or answer from the row already there."""
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint=fingerprint, created_at=now, expires_at=expires_at
            )
        return None
    except IntegrityError:
        record = IdempotencyRecord.objects.select_for_update().get(user=user, key=key)
    if record.expires_at <= now:  # an old key used anew: the new call counts
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            fingerprint=fingerprint, status_code=None, body=b"", content_type="", location="", created_at=now,
            expires_at=expires_at,
        )  # fmt: skip
        return None
    if record.fingerprint != fingerprint:
        return _error(422, f"This {HEADER} was used for a different request; use a new key for a new request.")
    if record.status_code is None:
        return _error(409, f"A request with this {HEADER} is still being processed; retry in a moment.")
    return _replay(record)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method not in METHODS or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        if not KEY_PATTERN.fullmatch(key):
            return _error(400, f"Invalid {HEADER} header: use 1 to 255 visible ASCII characters (a UUID, say).")
        user = _request_user(request)
        if user is None:
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            answer = _claim(user=user, key=key, fingerprint=fingerprint)
            if answer is not None:
                return answer
            response = self.get_response(request)
            if response.streaming or response.status_code >= 500 or response.status_code in NOT_STORED:
                transaction.set_rollback(True)  # nothing was done (or it is undone): a retry runs again
                return response
            IdempotencyRecord.objects.filter(user=user, key=key).update(
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                location=response.get("Location", "")[:2000],
                body=response.content,
            )
        return response


def idempotency_records_purge() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
