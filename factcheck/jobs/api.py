"""The jobs endpoint, GET /api/v1/jobs/{id}/, and 202 answers that point at it.

Who may read a Job: the user who started it, and users with the permission
factcheck.view_job (superusers have it; grant it to staff who watch others' jobs).
Anonymous clients get 401; other users 404, as for a job that does not exist, so
ids of others' jobs are not confirmed.
"""

from django.contrib.auth.models import User
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from .models import Job


class JobProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(source="progress_done")
    total = serializers.IntegerField(
        source="progress_total",
        allow_null=True,
        help_text="Null until the task knows how many items there are.",
    )


class JobErrorSerializer(serializers.Serializer):
    message = serializers.CharField(source="error")
    input = serializers.CharField(
        source="error_input",
        help_text="The input (row, line, item) it failed on, when the task says; "
        "else empty.",
    )


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    progress = JobProgressSerializer(source="*", read_only=True)
    error = JobErrorSerializer(
        source="*",
        read_only=True,
        allow_null=True,
        help_text="Why the last attempt failed (while retrying, or failed); null "
        "otherwise.",
    )
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "kind",
            "state",
            "attempts",
            "progress",
            "result",
            "error",
            "arguments",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, job: Job) -> str:
        return job_url(job, self.context.get("request"))

    def to_representation(self, job: Job) -> dict:
        body = super().to_representation(job)
        if not job.error:
            body["error"] = None
        return body


class AcceptedJobSerializer(JobSerializer):
    """A Job as a 202 answer shows it: whether the request joined it."""

    coalesced = serializers.SerializerMethodField(
        help_text="True when the request joined a Job already queued or running for "
        "the same work (full conflict detection) instead of starting another: this "
        "is that Job, which covers the request."
    )

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "coalesced"]
        read_only_fields = fields

    def get_coalesced(self, job: Job) -> bool:
        return bool(self.context.get("coalesced", False))


def job_url(job: Job, request: Request | None = None) -> str:
    """Return the URL of the job's state: absolute with a request, else a path."""
    return reverse("job-detail", kwargs={"pk": job.pk}, request=request)


@extend_schema(
    summary="State of a background job",
    description="A Job started by a request that answered 202 Accepted: its "
    "state, progress, and result or error. Poll it until the state is succeeded "
    "or failed. Readable by the user who started it and by users with the "
    "permission factcheck.view_job; 404 for anyone else.",
    responses={
        200: JobSerializer,
        401: OpenApiResponse(description="Authentication needed."),
    },
)
class JobDetailView(generics.RetrieveAPIView):
    serializer_class = JobSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Job.objects.visible_to(self.request.user).select_related("created_by")


# For a view that starts a job: @extend_schema(responses={202: ACCEPTED_RESPONSE},
# parameters=[LOCATION_HEADER]) and `return accepted(job, request)`.
ACCEPTED_RESPONSE = OpenApiResponse(
    response=AcceptedJobSerializer,
    description="Accepted: the work runs in the background. The Job's URL is in "
    "the Location header; poll it until its state is succeeded or failed.",
)
LOCATION_HEADER = OpenApiParameter(
    name="Location",
    type=str,
    location=OpenApiParameter.HEADER,
    response=[202],
    description="URL of the Job (GET /api/v1/jobs/{id}/).",
)


def accepted(
    job: Job, request: Request | None = None, *, coalesced: bool = False
) -> Response:
    """Answer 202 Accepted with the Job as it is now and Location: its URL.

    `coalesced`: the request joined this Job rather than starting it.
    """
    # Inline, the job may have run already, when its transaction committed.
    job.refresh_from_db()
    context = {"request": request, "coalesced": coalesced}
    body = AcceptedJobSerializer(job, context=context).data
    return Response(
        body,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": job_url(job, request)},
    )
