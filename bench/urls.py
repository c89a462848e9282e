"""The service's URLs plus the benchmark's peer views under /bench/."""

from django.urls import path

from factcheck.urls import urlpatterns as service_urlpatterns

from . import peers

urlpatterns = [
    *service_urlpatterns,
    path("bench/hello/", peers.hello, name="bench-hello"),
    path("bench/values/", peers.values_page, name="bench-values"),
    path("bench/drf/", peers.StockClaimList.as_view(), name="bench-drf"),
]

handler404 = "factcheck.api.views.not_found"
