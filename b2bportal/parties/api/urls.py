"""/api/businesses/."""

from rest_framework.routers import SimpleRouter

from .views import BusinessViewSet

router = SimpleRouter()
router.register("businesses", BusinessViewSet, basename="business")
urlpatterns = router.urls
