"""Salesforce sync API, mounted at /api/v1/integrations/salesforce/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

app_name = "salesforce-api"
urlpatterns = router.urls
