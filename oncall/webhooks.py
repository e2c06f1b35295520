"""Twilio → Crewbase: message status callbacks and inbound replies (STOP/START, confirmations)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.twilio.webhook import signature_valid
from project.credentials import credential_get

from . import paging
from .verification import verification_by_reply

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _public_url(request: HttpRequest) -> str:
    # Behind a proxy Twilio signs the public URL it called, which the settings can pin.
    base = getattr(settings, "ONCALL_PUBLIC_BASE_URL", "")
    return f"{base.rstrip('/')}{request.get_full_path()}" if base else request.build_absolute_uri()


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    token = credential_get(system="twilio", key="auth_token")
    params = {k: request.POST.get(k) for k in request.POST}
    if not signature_valid(
        auth_token=token,
        url=_public_url(request),
        params=params,
        signature=request.headers.get("X-Twilio-Signature", ""),
    ):
        logger.warning("rejected a Twilio callback with a missing or invalid signature")
        return HttpResponseForbidden("Invalid or missing Twilio signature.")
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if status.lower() == "received" or ("Body" in params and "MessageStatus" not in params):
        if not verification_by_reply(from_phone=params.get("From", ""), body=params.get("Body", "")):
            paging.inbound_reply(from_phone=params.get("From", ""), body=params.get("Body", ""))
    elif params.get("MessageSid"):
        paging.delivery_status_record(sid=params["MessageSid"], status=status, error_code=params.get("ErrorCode") or "")
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
