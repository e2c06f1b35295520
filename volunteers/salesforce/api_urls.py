"""Salesforce sync API, mounted at /api/v1/integrations/salesforce/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api as sync_api

router = DefaultRouter()
router.register("runs", sync_api.SyncRunViewSet, basename="run")

app_name = "salesforce-api"
urlpatterns = [
    path("sync/", sync_api.SyncStartView.as_view(), name="sync"),
    *router.urls,
]
