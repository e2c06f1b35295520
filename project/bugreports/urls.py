from django.urls import path

from . import views

app_name = "bugreports"
urlpatterns = [
    path("", views.bug_report_list, name="list"),
    path("report/", views.bug_report_create, name="create"),
    path("<int:pk>/resolve/", views.bug_report_resolve, name="resolve"),
    path("<int:pk>/delete/", views.bug_report_delete, name="delete"),
]
