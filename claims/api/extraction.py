"""Propose candidate claims from a document's text, over the API."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from factcheck.api.exceptions import Conflict
from sources.models import Document

from ..services.candidates import extract_candidates


class ExtractionResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped_existing = serializers.IntegerField()
    skipped_rejected = serializers.IntegerField()
    candidates = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the new candidates."
    )


class CanProposeCandidates(permissions.BasePermission):
    """Extraction writes candidates: editors and reviewers may start it."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True  # answered 405: the view only takes POST
        return bool(request.user and request.user.has_perm("claims.add_candidate"))


class DocumentExtractView(APIView):
    """POST /api/v1/documents/{id}/extract/: propose candidate claims from its text."""

    permission_classes = [CanProposeCandidates]

    @extend_schema(
        summary="Propose candidate claims from the document's text",
        request=None,
        responses={
            200: ExtractionResultSerializer,
            409: OpenApiResponse(description="The document has no text to read."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        document = get_object_or_404(Document, pk=pk)
        if not document.text:
            raise Conflict(
                f"Document {document.pk} has no text stored: ingest its text first."
            )
        report = extract_candidates(document_id=document.pk)
        return Response(
            ExtractionResultSerializer(
                {
                    "created": report.created,
                    "skipped_existing": report.skipped_existing,
                    "skipped_rejected": report.skipped_rejected,
                    "candidates": [candidate.pk for candidate in report.candidates],
                }
            ).data
        )
