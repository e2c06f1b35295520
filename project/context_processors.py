from django.urls import reverse


def navigation(request):
    """The one navigation bar: each app, the admin and the API docs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        ("Volunteers", reverse("volunteers:index")),
        ("Scheduling", reverse("scheduling:index")),
        ("On-call", reverse("oncall:index")),
        ("Expenses", reverse("expenses:index")),
        ("Jobs", reverse("job_list")),
    ]
    if user.is_staff:
        items += [("Admin", reverse("admin:index")), ("API docs", reverse("api-docs"))]
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": path.startswith(url) and url != "/"} for label, url in items
        ]
    }
