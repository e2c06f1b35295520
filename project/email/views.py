"""The outbox page for administrators and coordinators, the template preview, and the signed
delivery webhook (bounces and complaints)."""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..roles import ADMINISTRATOR, COORDINATOR, user_has_role
from . import outbox, templating
from .forms import OutboxFilterForm, TemplatePreviewForm
from .models import EmailMessage
from .purposes import PURPOSES

PAGE_SIZE = 25
SIGNATURE_HEADER = "X-Crewbase-Signature"
WEBHOOK_MAX_BYTES = 64 * 1024


def _mail_staff_required(view):
    """Outbox rows hold people's addresses and links meant for them: administrators and
    coordinators only."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not user_has_role(request.user, ADMINISTRATOR, COORDINATOR):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@_mail_staff_required
def outbox_list(request):
    form = OutboxFilterForm(request.GET or None)
    rows = EmailMessage.objects.select_related("template")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["purpose"]:
            rows = rows.filter(purpose=data["purpose"])
        if data["to"]:
            rows = rows.filter(to_email__icontains=data["to"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "email/outbox.html",
        {"form": form, "page": page, "stats": outbox.outbox_stats(), "query": query.urlencode()},
    )


@require_http_methods(["GET", "POST"])
@_mail_staff_required
def template_preview(request):
    """Try a subject and body with the purpose's sample data before saving it in the admin."""
    initial_purpose = request.GET.get("purpose") if request.GET.get("purpose") in PURPOSES else "signup_confirmation"
    rendered = None
    if request.method == "POST":
        form = TemplatePreviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rendered = templating.template_preview(
                    purpose=data["purpose"], subject=data["subject"], body_text=data["body_text"]
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    else:
        active = templating.template_active(purpose=initial_purpose)
        form = TemplatePreviewForm(
            initial={"purpose": initial_purpose, "subject": active.subject, "body_text": active.body_text}
        )
    placeholders = {p.key: ", ".join(templating.allowed_placeholders(p)) for p in PURPOSES.values()}
    return render(
        request, "email/template_preview.html", {"form": form, "rendered": rendered, "placeholders": placeholders}
    )


def signature_valid(body: bytes, signature: str) -> bool:
    secret = getattr(settings, "EMAIL_WEBHOOK_SECRET", "")
    if not secret or not signature:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip())


@csrf_exempt  # called by the mail provider; authenticated by the HMAC signature instead
@require_POST
def delivery_webhook(request):
    """`{"message_id": "<…>", "event": "bounce"|"complaint", "detail": "…"}`, signed with
    `X-Crewbase-Signature: sha256=<hex HMAC of the body with EMAIL_WEBHOOK_SECRET>`."""
    if not getattr(settings, "EMAIL_WEBHOOK_SECRET", ""):
        return JsonResponse({"detail": "Delivery tracking is not configured.", "errors": {}}, status=404)
    body = request.body
    if len(body) > WEBHOOK_MAX_BYTES:
        return JsonResponse({"detail": "Request body too large.", "errors": {}}, status=413)
    if not signature_valid(body, request.headers.get(SIGNATURE_HEADER, "")):
        return JsonResponse({"detail": "Invalid signature.", "errors": {}}, status=403)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": "Invalid input: the body is not JSON.", "errors": {}}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"detail": "Invalid input: expected a JSON object.", "errors": {}}, status=400)
    message_id = payload.get("message_id")
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > 255:
        return JsonResponse(
            {"detail": "Invalid input: message_id.", "errors": {"message_id": ["A Message-ID is required."]}},
            status=400,
        )
    detail = payload.get("detail", "")
    try:
        changed = outbox.delivery_event_record(
            message_id=message_id.strip(), event=str(payload.get("event", "")), detail=str(detail)[:2000]
        )
    except ValidationError as exc:
        return JsonResponse({"detail": "Invalid input: event.", "errors": exc.message_dict}, status=400)
    return JsonResponse({"updated": changed})
