from rest_framework.routers import DefaultRouter

router = DefaultRouter(trailing_slash=True)

app_name = "scheduling-api"
urlpatterns = router.urls
