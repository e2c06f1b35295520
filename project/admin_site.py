from django.conf import settings
from django.contrib import admin
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
        target = "two_factor" if request.user.is_authenticated and request.user.is_staff else "login"
        return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
