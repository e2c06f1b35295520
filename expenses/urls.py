from django.urls import path

from . import views

app_name = "expenses"
urlpatterns = [
    path("", views.index, name="index"),
    path("add/", views.expense_add, name="expense_add"),
    path("export/", views.expense_export, name="expense_export"),
    path("trash/", views.expense_trash, name="expense_trash"),
    path("receipts/", views.receipt_list, name="receipt_list"),
    path("<int:pk>/", views.expense_detail, name="expense_detail"),
    path("<int:pk>/edit/", views.expense_edit, name="expense_edit"),
    path("<int:pk>/delete/", views.expense_delete, name="expense_delete"),
    path("<int:pk>/restore/", views.expense_restore, name="expense_restore"),
    path("<int:pk>/receipt/", views.expense_receipt, name="expense_receipt"),
    path("restaurants/", views.restaurant_list, name="restaurant_list"),
    path("restaurants/add/", views.restaurant_add, name="restaurant_add"),
    path("restaurants/export/", views.restaurant_export, name="restaurant_export"),
    path("restaurants/import/", views.restaurant_import, name="restaurant_import"),
    path("restaurants/<int:pk>/", views.restaurant_detail, name="restaurant_detail"),
    path("restaurants/<int:pk>/edit/", views.restaurant_edit, name="restaurant_edit"),
    path("restaurants/<int:pk>/delete/", views.restaurant_delete, name="restaurant_delete"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("merchants/", views.merchant_list, name="merchant_list"),
    path("loyalty/", views.loyalty_list, name="loyalty_list"),
    path("loyalty/export/", views.loyalty_export, name="loyalty_export"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("preferences/", views.preferences, name="preferences"),
    path("backup/", views.backup_page, name="backup"),
    path("backup/download/", views.backup_download, name="backup_download"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<uuid:pk>/", views.import_review, name="import_review"),
    path("analytics/", views.analytics, name="analytics"),
    path("analytics/report.csv", views.analytics_csv, name="analytics_csv"),
    path("analytics/report.pdf", views.analytics_pdf, name="analytics_pdf"),
]
