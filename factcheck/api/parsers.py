"""Request bodies the API reads, refused past their size limits (413)."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework import exceptions
from rest_framework.parsers import JSONParser, MultiPartParser

from .exceptions import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """JSON parser that refuses bodies over API_MAX_BODY_BYTES with a 413."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        if declared > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(
                "JSON parse error - nested too deeply."
            ) from error


def too_large_hint(view) -> str:
    """Return what a view tells the sender of a file over the limit (may be "").

    A view whose files may well be larger (a whole feed, a year of trade data)
    names in `too_large_hint` the command that takes them from disk instead.
    """
    return getattr(view, "too_large_hint", "") or ""


class _FileSizeLimit(FileUploadHandler):
    """Stop reading an uploaded file as soon as it passes INGEST_MAX_BYTES (413)."""

    def __init__(self, request, hint: str = ""):
        super().__init__(request)
        self.hint = hint

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.INGEST_MAX_BYTES:
            message = (
                f"The file is larger than {settings.INGEST_MAX_BYTES} bytes "
                "(INGEST_MAX_BYTES)."
            )
            raise PayloadTooLarge(f"{message} {self.hint}".strip())
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one store the file


class LimitedMultiPartParser(MultiPartParser):
    """DRF's multipart parser; an uploaded file is read no further than the limit.

    Without it a file was spooled whole (to disk past 2.5 MB) and only then found
    too large. The bytes are counted as they come, whatever Content-Length said.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {})["request"]
        hint = too_large_hint((parser_context or {}).get("view"))
        # Django's way to add a handler before the body is read; first, so the
        # handlers that store the file never get more than the limit.
        request.upload_handlers.insert(0, _FileSizeLimit(request, hint))
        return super().parse(stream, media_type, parser_context)
