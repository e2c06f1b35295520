from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("expenses", api.ExpenseViewSet, basename="expense")
router.register("restaurants", api.RestaurantViewSet, basename="restaurant")
router.register("categories", api.CategoryViewSet, basename="category")
router.register("tags", api.TagViewSet, basename="tag")
router.register("imports", api.ImportViewSet, basename="import")

app_name = "expenses-api"
urlpatterns = [
    path("export/", api.ExportView.as_view(), name="export"),
    path("analytics/", api.AnalyticsView.as_view(), name="analytics"),
    path("places/search/", api.PlacesSearchView.as_view(), name="places-search"),
    path("places/details/", api.PlacesDetailsView.as_view(), name="places-details"),
    *router.urls,
]
