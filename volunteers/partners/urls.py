from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("<slug:slug>/events/<int:pk>/signup/", views.signup, name="signup"),
    path("signups/<str:token>/confirm/", views.signup_confirm, name="signup_confirm"),
    path("signups/<str:token>/cancel/", views.signup_cancel, name="signup_cancel"),
]
