from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class CrewbaseAdminSite(admin.AdminSite):
    """The coordinators' admin. With REQUIRE_2FA every session must be OTP-verified."""

    site_header = "Crewbase administration"
    site_title = "Crewbase admin"
    index_title = "Coordinator tools"
    site_url = "/"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.REQUIRE_2FA or request.user.is_verified()

    def login(self, request, extra_context=None):
        # One login page for the whole site; it handles the second factor too.
        next_url = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if user.is_authenticated and not (user.is_active and user.is_staff):
            raise PermissionDenied("The admin is for coordinators and administrators.")
        target = "two_factor" if user.is_authenticated else "login"
        return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
