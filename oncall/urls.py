from django.urls import path

from . import views

app_name = "oncall"
urlpatterns = [
    path("", views.index, name="index"),
]
