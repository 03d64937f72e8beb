from rest_framework.routers import SimpleRouter

from docload.documents.api.bestandsdelen import BestandsDeelViewSet
from docload.documents.api.views import (
    EnkelvoudigInformatieObjectViewSet,
    ObjectInformatieObjectViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register(
    "enkelvoudiginformatieobjecten",
    EnkelvoudigInformatieObjectViewSet,
    basename="enkelvoudiginformatieobject",
)
router.register(
    "objectinformatieobjecten", ObjectInformatieObjectViewSet, basename="objectinformatieobject"
)
router.register("bestandsdelen", BestandsDeelViewSet, basename="bestandsdeel")
urlpatterns = router.urls
