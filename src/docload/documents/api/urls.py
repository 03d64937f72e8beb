from rest_framework.routers import SimpleRouter

from docload.documents.api.auditing import DOCUMENT_KWARG, AuditTrailViewSet
from docload.documents.api.bestandsdelen import BestandsDeelViewSet
from docload.documents.api.gebruiksrechten import GebruiksrechtenViewSet
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
router.register("gebruiksrechten", GebruiksrechtenViewSet, basename="gebruiksrechten")
router.register(
    rf"enkelvoudiginformatieobjecten/(?P<{DOCUMENT_KWARG}>[0-9a-fA-F-]{{36}})/audittrail",
    AuditTrailViewSet,
    basename="audittrail",
)
urlpatterns = router.urls
