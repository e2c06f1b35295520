from project.templatetags.crewbase_ui import reverse_cached

# The one navigation bar: (label, URL name, model permissions the page asks for). An entry is shown
# only to a user who holds every permission, so the menu never offers a page that answers 403.
# The permissions are the ones each app's page decorator checks (kept in step by
# tests/project/test_navigation.py, which opens every shown entry for every role).
NAVIGATION: list[tuple[str, str, tuple[str, ...]]] = [
    ("Volunteers", "volunteers:index", ()),
    ("Scheduling", "scheduling:index", ("scheduling.view_event",)),
    ("On-call", "oncall:index", ("oncall.view_team",)),
    ("Expenses", "expenses:index", ()),
    ("Jobs", "job_list", ()),
]
# Admin pages and the API docs are for staff users (Django admin access).
STAFF_NAVIGATION: list[tuple[str, str]] = [("Admin", "admin:index"), ("API docs", "api-docs")]


def navigation(request):
    """Menu entries the signed-in user can open, the current one marked active."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(label, reverse_cached(name)) for label, name, perms in NAVIGATION if user.has_perms(perms)]
    if user.is_staff:
        items += [(label, reverse_cached(name)) for label, name in STAFF_NAVIGATION]
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": path.startswith(url) and url != "/"} for label, url in items
        ]
    }
