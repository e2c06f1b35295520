from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify

from .roles import ADMINISTRATOR, user_has_role


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

    def get_app_list(self, request, app_label=None):
        """The index grouped by task (settings.ADMIN_INDEX_GROUPS) instead of by app; an app's own
        page (app_label given) keeps Django's list. Hidden models are left out, and platform
        internals are shown to administrators only. A model in no group lands in "Other"."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        by_label = {
            f"{label}.{entry['object_name']}": {**entry, "app_verbose_name": app["name"]}
            for label, app in self._build_app_dict(request).items()
            for entry in app["models"]
        }
        hidden = set(settings.ADMIN_INDEX_HIDDEN)
        if not user_has_role(request.user, ADMINISTRATOR):
            hidden |= set(settings.ADMIN_INDEX_ADMINISTRATORS_ONLY)
        groups = [(name, list(labels)) for name, labels in settings.ADMIN_INDEX_GROUPS]
        grouped = {label for _, labels in groups for label in labels}
        other = sorted(label for label in by_label if label not in grouped and label not in hidden)
        if other:
            groups.append(("Other", other))
        app_list = []
        for name, labels in groups:
            models = [by_label[label] for label in labels if label in by_label and label not in hidden]
            if not models:
                continue
            names = [m["name"] for m in models]
            for entry in models:  # two apps' "Sync runs" in one group: say whose
                if names.count(entry["name"]) > 1:
                    entry["name"] = f"{entry['name']} ({entry['app_verbose_name']})"
            app_list.append(
                {
                    "name": name,
                    "app_label": slugify(name),
                    "app_url": "",
                    "has_module_perms": True,
                    "models": models,
                }
            )
        return app_list
