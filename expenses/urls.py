from django.urls import path

from .views import account, analytics, catalogue, expenses, imports, restaurants

app_name = "expenses"
urlpatterns = [
    path("", expenses.index, name="index"),
    path("add/", expenses.expense_add, name="expense_add"),
    path("export/", expenses.expense_export, name="expense_export"),
    path("trash/", expenses.expense_trash, name="expense_trash"),
    path("receipts/", expenses.receipt_list, name="receipt_list"),
    path("<int:pk>/", expenses.expense_detail, name="expense_detail"),
    path("<int:pk>/edit/", expenses.expense_edit, name="expense_edit"),
    path("<int:pk>/delete/", expenses.expense_delete, name="expense_delete"),
    path("<int:pk>/restore/", expenses.expense_restore, name="expense_restore"),
    path("<int:pk>/receipt/", expenses.expense_receipt, name="expense_receipt"),
    path("restaurants/", restaurants.restaurant_list, name="restaurant_list"),
    path("restaurants/add/", restaurants.restaurant_add, name="restaurant_add"),
    path("restaurants/export/", restaurants.restaurant_export, name="restaurant_export"),
    path("restaurants/import/", restaurants.restaurant_import, name="restaurant_import"),
    path("restaurants/<int:pk>/", restaurants.restaurant_detail, name="restaurant_detail"),
    path("restaurants/<int:pk>/edit/", restaurants.restaurant_edit, name="restaurant_edit"),
    path("restaurants/<int:pk>/delete/", restaurants.restaurant_delete, name="restaurant_delete"),
    path("categories/", catalogue.category_list, name="category_list"),
    path("categories/<int:pk>/delete/", catalogue.category_delete, name="category_delete"),
    path("merchants/", catalogue.merchant_list, name="merchant_list"),
    path("loyalty/", catalogue.loyalty_list, name="loyalty_list"),
    path("loyalty/export/", catalogue.loyalty_export, name="loyalty_export"),
    path("tags/", catalogue.tag_list, name="tag_list"),
    path("tags/<int:pk>/delete/", catalogue.tag_delete, name="tag_delete"),
    path("preferences/", account.preferences, name="preferences"),
    path("backup/", account.backup_page, name="backup"),
    path("backup/download/", account.backup_download, name="backup_download"),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/<uuid:pk>/", imports.import_review, name="import_review"),
    path("analytics/", analytics.analytics, name="analytics"),
    path("analytics/report.csv", analytics.analytics_csv, name="analytics_csv"),
    path("analytics/report.pdf", analytics.analytics_pdf, name="analytics_pdf"),
]
