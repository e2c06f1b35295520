"""Public pages (no account): sign up for a published event, then confirm or cancel from the
e-mail. Spam protection without third parties: a honeypot field and a per-IP rate limit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from . import services
from .forms import SignupForm
from .models import DistrictPartner, PublicSignup
from .ratelimit import SIGNUP_IP_LIMITS, client_ip, rate_limit_hit


def _open_event(slug: str, event_id: int):
    partner = get_object_or_404(
        DistrictPartner.objects.select_related("district"), slug=slug, is_active=True, signup_enabled=True
    )
    event = services.partner_event_get(partner=partner, event_id=event_id)
    if event is None:
        raise Http404("No published upcoming event with this id in this district.")
    return partner, event


@require_http_methods(["GET", "POST"])
def signup(request, slug: str, pk: int):
    partner, event = _open_event(slug, pk)
    context = {"partner": partner, "event": event, "spots_left": services.spots_left(event)}
    if request.method == "GET":
        context["form"] = SignupForm()
        return render(request, "partners/signup.html", context)
    form = SignupForm(request.POST)
    context["form"] = form
    retry_after = rate_limit_hit(scope=f"signup-ip:{client_ip(request)}", limits=SIGNUP_IP_LIMITS)
    if retry_after is not None:
        context["too_many"] = True
        response = render(request, "partners/signup.html", context, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    if not form.is_valid():
        return render(request, "partners/signup.html", context, status=400)
    data = form.cleaned_data
    if data["website"]:
        # A bot filled the honeypot: answer as if it worked, keep nothing, send nothing.
        return render(request, "partners/signup_done.html", {**context, "email": data["email"]})
    try:
        result = services.signup_create(
            partner=partner,
            event=event,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        status = 409 if "event" in exc.message_dict else 400
        return render(request, "partners/signup.html", context, status=status)
    return render(request, "partners/signup_done.html", {**context, "email": result.signup.email})


def _token_page(request, token: str, *, action: str):
    signup = services.signup_pending_for(raw_token=token)
    if signup is None:
        raise Http404("This link is not valid.")
    context = {"signup": signup, "action": action, "done": False}
    if request.method == "POST":
        change = services.signup_confirm if action == "confirm" else services.signup_cancel
        try:
            signup = change(raw_token=token)
        except (ValidationError, PublicSignup.DoesNotExist) as exc:
            context["error"] = " ".join(getattr(exc, "messages", ["This link is not valid."]))
            return render(request, "partners/signup_token.html", context, status=409)
        context.update(signup=signup, done=True)
    return render(request, "partners/signup_token.html", context)


@require_http_methods(["GET", "POST"])
def signup_confirm(request, token: str):
    """GET shows a button; only the POST confirms (mail scanners open links, they do not post)."""
    return _token_page(request, token, action="confirm")


@require_http_methods(["GET", "POST"])
def signup_cancel(request, token: str):
    return _token_page(request, token, action="cancel")
