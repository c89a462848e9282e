"""Long operations on claims over the API: each answers 202 with its Job."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from factcheck.api.exceptions import Conflict
from factcheck.api.permissions import PostOnly
from factcheck.jobs import start_job, start_or_join_job
from factcheck.jobs.api import ACCEPTED_RESPONSE, LOCATION_HEADER, accepted
from sources.models import Document

from .. import tasks
from ..services.candidates import unsupported_language_message


class CanProposeCandidates(PostOnly):
    """Extraction writes candidates: editors and reviewers may start it."""

    permission = "claims.add_candidate"


class CanRedetectConflicts(PostOnly):
    """Detection writes detected links: who may change links may start it."""

    permission = "claims.change_claimlink"


class DocumentExtractView(APIView):
    """POST /api/v1/documents/{id}/extract/: propose candidate claims from its text."""

    permission_classes = [CanProposeCandidates]

    @extend_schema(
        summary="Propose candidate claims from the document's text",
        description="Runs in the background: the answer is 202 with the Job, whose "
        "result lists the candidates created and those skipped.",
        request=None,
        parameters=[LOCATION_HEADER],
        responses={
            202: ACCEPTED_RESPONSE,
            409: OpenApiResponse(
                description="The document has no text to read, or its text is in a "
                "language extraction does not read (English, Russian and Persian), "
                'e.g. {"detail": "Document 7: no candidates proposed, the language '
                "of its text reads as 'de'; extraction reads English, Russian, "
                'Persian only."}'
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        document = get_object_or_404(
            Document.objects.only("pk", "text", "text_language"), pk=pk
        )
        if not document.text:
            raise Conflict(
                f"Document {document.pk} has no text stored: ingest its text first."
            )
        unsupported = unsupported_language_message(document)
        if unsupported:
            raise Conflict(unsupported)
        job = start_job(
            tasks.extract_document, by=request.user, document_id=document.pk
        )
        return accepted(job, request)


class DetectConflictsView(APIView):
    """POST /api/v1/conflicts/detect/: compare every metric's figures again."""

    permission_classes = [CanRedetectConflicts]

    @extend_schema(
        summary="Run conflict detection over the whole database",
        description="For repairs and after bulk loads (the links are kept up to date "
        "after every write). Runs in the background: 202 with the Job, whose result "
        "counts the links created and removed. While a full detection is queued or "
        "running, another request joins it instead of starting one: the answer is "
        "that Job, with `coalesced` true (writes made after it started are checked "
        "by the incremental detection every write runs).",
        request=None,
        parameters=[LOCATION_HEADER],
        responses={202: ACCEPTED_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        started = start_or_join_job(
            tasks.detect_all_conflicts, by=request.user, key=tasks.FULL_DETECTION_KEY
        )
        return accepted(started.job, request, coalesced=started.coalesced)
