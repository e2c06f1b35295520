from django.urls import path

from . import api

app_name = "partners-api"
urlpatterns = [
    path("districts/<slug:slug>/events/", api.PublicEventListView.as_view(), name="event-list"),
    path("districts/<slug:slug>/events/<int:pk>/", api.PublicEventDetailView.as_view(), name="event-detail"),
]
