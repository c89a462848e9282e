"""POST /api/v1/imports/: import claims in the background, answered 202 with the Job."""

import json
from pathlib import PurePath

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from factcheck.api.parsers import LimitedJSONParser, LimitedMultiPartParser
from factcheck.api.permissions import PostOnly
from factcheck.api.serializers import StrictFieldsMixin
from factcheck.jobs.api import ACCEPTED_RESPONSE, LOCATION_HEADER, accepted

from ..models import ClaimImport
from ..services.import_files import (
    IMPORT_CHECK_IN_REQUEST_ROWS,
    claim_import_check,
    claim_import_start,
)

# How many bad rows a 400 lists; the first message says how many there are.
ERRORS_LISTED = 200

FORMAT_OF_SUFFIX = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class CanImportClaims(PostOnly):
    """An import creates claims: who may create claims may import them."""

    permission = "claims.add_claim"


class ClaimImportFileSerializer(StrictFieldsMixin, serializers.Serializer):
    """A multipart upload: the file, and its format when its name does not say."""

    file = serializers.FileField(
        help_text="CSV with a header, or JSON Lines; the columns of the CSV export."
    )
    format = serializers.ChoiceField(
        choices=ClaimImport.Format.choices,
        required=False,
        help_text="Default: from the file's name (.jsonl/.ndjson, else csv).",
    )

    def validate(self, attrs):
        upload = attrs["file"]
        try:
            attrs["content"] = upload.read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError(
                {"file": [f"Not UTF-8 text (byte {error.start})."]}
            ) from error
        if "\x00" in attrs["content"]:
            raise ValidationError({"file": ["A text file has no NUL characters."]})
        if not attrs["content"].strip():
            raise ValidationError({"file": ["The file is empty."]})
        suffix = PurePath(upload.name or "").suffix.lower()
        attrs.setdefault("format", FORMAT_OF_SUFFIX.get(suffix, "csv"))
        return attrs


class ClaimImportRowsSerializer(StrictFieldsMixin, serializers.Serializer):
    """A JSON body: the rows, as objects keyed by the CSV export's columns."""

    rows = serializers.ListField(
        child=serializers.DictField(),
        allow_empty=False,
        help_text="The claims to import, one object each (the CSV export's "
        "columns); a bad row is named by its position, from 1.",
    )


@extend_schema(
    summary="Import claims in the background",
    description="Send a file (multipart, field `file`: CSV with a header or JSON "
    "Lines, the columns of the CSV export, as `manage.py import_claims` reads) or "
    'a JSON body `{"rows": [{...}, ...]}`. Answered 202 with the Job; its '
    "progress counts the rows validated. Every row is validated first and the "
    "claims are stored in one transaction, or none: if any row is bad the job "
    "fails, its error names the first bad row's line and field, and its result "
    "lists every bad row (`line`, `fields`: field → messages). A file of at "
    f"most {IMPORT_CHECK_IN_REQUEST_ROWS:,} rows is validated in the request "
    "instead: a bad one is a 400 listing each bad line, and no job is started; "
    "a CSV header naming a column no row may have is a 400 whatever the size. "
    "Columns take the export's names (`document_id`, `metric__slug`) or the "
    "API's (`document`, `speaker`, `metric`: an id or a slug). Needs the "
    "permission to create claims (claims.add_claim).",
    request={
        "multipart/form-data": ClaimImportFileSerializer,
        "application/json": ClaimImportRowsSerializer,
    },
    parameters=[LOCATION_HEADER],
    responses={
        202: ACCEPTED_RESPONSE,
        400: OpenApiResponse(
            description="No file or rows, not readable, an unknown column in the "
            "header, or (a small file) bad rows, each named by its line."
        ),
        413: OpenApiResponse(description="The file or body is too large."),
    },
    examples=[
        OpenApiExample(
            "Rows as JSON",
            request_only=True,
            media_type="application/json",
            value={
                "rows": [
                    {
                        "text": "Trade reached 5.3 billion dollars.",
                        "quote": "trade reached 5.3 billion dollars",
                        "document_id": 1,
                        "metric__slug": "iran-russia-trade-volume",
                        "value": "5300000000",
                        "unit": "USD",
                        "comparator": "approximately",
                    }
                ]
            },
        )
    ],
)
class ClaimImportView(APIView):
    """POST /api/v1/imports/: validate and store a file of claims, as a job."""

    permission_classes = [CanImportClaims]
    parser_classes = [LimitedMultiPartParser, LimitedJSONParser]

    def post(self, request: Request) -> Response:
        if request.content_type.startswith("application/json"):
            if not isinstance(request.data, dict):
                raise ValidationError(
                    {"rows": ['Send an object: {"rows": [{...}, ...]}.']}
                )
            rows = ClaimImportRowsSerializer(data=request.data)
            rows.is_valid(raise_exception=True)
            content = "".join(
                json.dumps(row, ensure_ascii=False) + "\n"
                for row in rows.validated_data["rows"]
            )
            _refuse_bad_rows(request, "rows", ClaimImport.Format.JSONL, content)
            job = claim_import_start(
                by=request.user, format=ClaimImport.Format.JSONL, content=content
            )
        else:
            upload = ClaimImportFileSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            _refuse_bad_rows(
                request,
                "file",
                upload.validated_data["format"],
                upload.validated_data["content"],
            )
            job = claim_import_start(
                by=request.user,
                format=upload.validated_data["format"],
                content=upload.validated_data["content"],
                filename=upload.validated_data["file"].name or "",
            )
        return accepted(job, request)


def _refuse_bad_rows(request: Request, field: str, format: str, content: str) -> None:
    """Answer 400 naming each bad line of a file small enough to check at once."""
    errors = claim_import_check(by=request.user, format=format, content=content)
    if not errors:
        return
    summary = (
        f"{len(errors)} bad row{'s' if len(errors) > 1 else ''}; nothing was stored."
        if errors[0].line != 1 or "header" not in errors[0].errors
        else "The header is not one an import reads; nothing was stored."
    )
    raise ValidationError(
        {field: [summary, *(str(error) for error in errors[:ERRORS_LISTED])]}
    )
