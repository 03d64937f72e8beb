from rest_framework.routers import SimpleRouter

from docload.catalog.api.views import InformatieObjectTypeViewSet

router = SimpleRouter(trailing_slash=False)
router.register(
    "informatieobjecttypen", InformatieObjectTypeViewSet, basename="informatieobjecttype"
)
urlpatterns = router.urls
