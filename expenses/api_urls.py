from rest_framework.routers import DefaultRouter

router = DefaultRouter(trailing_slash=True)

app_name = "expenses-api"
urlpatterns = router.urls
