"""Platform pages: home, login with TOTP second factor, password change, health, jobs, error pages."""

from __future__ import annotations

import base64
import sys
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .dates import BadCalendarQuery
from .forms import TokenForm
from .health import health_report
from .home import home_panels
from .selectors import job_list_for_user, running_job_list_for_user


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
def home(request):
    """The day at a glance: each app's panel the user may see (settings.HOME_PANELS), then jobs."""
    return render(
        request,
        "project/home.html",
        {
            "today": timezone.localdate(),
            "panels": home_panels(request),
            "running_jobs": list(running_job_list_for_user(request.user)[:5]),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every signed-in user changes their own password here (own templates: the admin keeps its)."""

    template_name = "project/password_change.html"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "project/password_change_done.html"


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # A fresh login is never OTP-verified: admin users go on to the second factor.
        if settings.REQUIRE_2FA and form.get_user().is_staff:
            return redirect(f"{reverse('two_factor')}?next={self.get_success_url()}")
        return response


@never_cache
@login_required
def two_factor(request):
    """Verify a TOTP token; staff without a device first enrol one (QR code + secret)."""
    user = request.user
    next_url = _safe_next(request, reverse("admin:index") if user.is_staff else reverse("home"))
    if user.is_verified():
        return redirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", "Too many wrong codes in a row. Wait a few seconds and try again.")
        elif device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Two-factor verification complete.")
            return redirect(next_url)
        else:
            form.add_error("token", "That code is not valid. Check your authenticator app's clock and try again.")
    context = {"form": form, "enrolling": enrolling, "next": next_url}
    if enrolling:
        buffer = BytesIO()
        qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
        context["qr_data_uri"] = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
        context["secret"] = device.bin_key.hex()
        context["config_url"] = device.config_url
    return render(request, "registration/two_factor.html", context)


@never_cache
@require_safe
def health(request):
    """Readiness: 200 unless the database is down (503); monitors read `status` for the rest."""
    status, checks, database_ok = health_report()
    return JsonResponse({"status": status, "checks": checks}, status=200 if database_ok else 503)


@never_cache
@require_safe
def health_live(request):
    """Liveness: the process answers; touches neither the database nor Redis."""
    return JsonResponse({"status": "ok"})


@login_required
def job_list(request):
    return render(request, "project/job_list.html", {"jobs": job_list_for_user(request.user)[:50]})


@login_required
def job_detail(request, pk):
    job = get_object_or_404(job_list_for_user(request.user), pk=pk)
    return render(request, "project/job_detail.html", {"job": job})


def _wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/health/")) or "application/json" in request.headers.get("Accept", "")


def error_404(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "You do not have permission to perform this action.", "errors": {}}, status=403)
    return render(request, "403.html", status=403)


def error_400(request, exception=None):
    # Only our own messages (BadCalendarQuery) are shown; Django's other 400s stay generic.
    message = str(exception) if isinstance(exception, BadCalendarQuery) else ""
    if _wants_json(request):
        return JsonResponse({"detail": message or "Bad request.", "errors": {}}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def error_500(request):
    """A database outage is a 503 with a clear message; anything else a plain 500 page."""
    exc = sys.exc_info()[1]
    database_down = isinstance(exc, DatabaseError)
    status = 503 if database_down else 500
    detail = (
        "The database is unavailable. Please try again in a moment."
        if database_down
        else "Something went wrong on our side. The error has been logged."
    )
    if _wants_json(request):
        return JsonResponse({"detail": detail, "errors": {}}, status=status)
    # Rendered without a request: context processors may need the database that just failed.
    html = loader.get_template("500.html").render({"detail": detail, "status": status})
    return HttpResponse(html, status=status)
