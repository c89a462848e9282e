"""Peer views the benchmark compares the claims list with (not part of the service).

- hello: the smallest JSON view, the ceiling for requests/s under gunicorn.
- values_page (B): the first page of claims as plain Django `.values()` + orjson.
- StockClaimList (D): the same page through a stock DRF ModelSerializer and
  CursorPagination, written the way the DRF tutorial would.
"""

import orjson
from django.http import HttpResponse, JsonResponse
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination

from claims.api.representations import CLAIM_ROW_FIELDS
from claims.models import Claim, Metric
from sources.models import Document, Person

PAGE_SIZE = 50
# The columns the service's own list reads (claims.selectors.claim_rows).
VALUES = CLAIM_ROW_FIELDS


def hello(request):
    return JsonResponse({"hello": "world"})


def values_page(request):
    rows = list(Claim.objects.order_by("-id").values(*VALUES)[:PAGE_SIZE])
    body = orjson.dumps({"results": rows}, default=str)
    return HttpResponse(body, content_type="application/json")


class StockDocumentSerializer(serializers.ModelSerializer):
    publisher_name = serializers.CharField(source="publisher.name", default=None)

    class Meta:
        model = Document
        fields = ["id", "title", "url", "publisher_name", "published_on"]


class StockPersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name"]


class StockMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = Metric
        fields = ["id", "slug", "name"]


class StockClaimSerializer(serializers.ModelSerializer):
    document = StockDocumentSerializer()
    speaker = StockPersonSerializer()
    metric = StockMetricSerializer()

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "quote",
            "document",
            "speaker",
            "speaker_role",
            "claimed_on",
            "claimed_precision",
            "metric",
            "value",
            "value_upper",
            "unit",
            "comparator",
            "period_start",
            "period_end",
            "period_label",
            "status",
            "rationale",
            "editor_note",
            "reviewed_at",
            "version",
            "created_at",
            "updated_at",
        ]


class StockPagination(CursorPagination):
    page_size = PAGE_SIZE
    ordering = "-id"


class StockClaimList(generics.ListAPIView):
    queryset = Claim.objects.select_related("document__publisher", "speaker", "metric")
    serializer_class = StockClaimSerializer
    pagination_class = StockPagination
