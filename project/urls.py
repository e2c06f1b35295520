from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.routers import DefaultRouter

from . import views
from .api_views import JobViewSet

router = DefaultRouter()
router.register("jobs", JobViewSet, basename="job")

api_patterns = [
    path("", include(router.urls)),
    path("volunteers/", include("volunteers.api_urls")),
    path("scheduling/", include("scheduling.api_urls")),
    path("oncall/", include("oncall.api_urls")),
    path("expenses/", include("expenses.api_urls")),
    path("integrations/salesforce/", include("volunteers.salesforce.api_urls")),
    path("public/", include("volunteers.partners.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", views.two_factor, name="two_factor"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("health/", views.health, name="health"),
    path("health/live/", views.health_live, name="health-live"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("email/", include("project.email.urls")),
    path("bugs/", include("project.bugreports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file (`?script`): no inline script (CSP).
        staff_member_required(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[IsAdminUser])
        ),
        name="api-docs",
    ),
    path("volunteers/", include("volunteers.urls")),
    path("scheduling/", include("scheduling.urls")),
    path("oncall/", include("oncall.urls")),
    path("expenses/", include("expenses.urls")),
    path("integrations/twilio/", include("oncall.webhook_urls")),
]

handler400 = "project.views.error_400"
handler403 = "project.views.error_403"
handler404 = "project.views.error_404"
handler500 = "project.views.error_500"

if settings.DEBUG:
    from django.conf.urls.static import static  # lazy: development only

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
