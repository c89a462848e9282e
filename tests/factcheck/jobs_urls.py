"""A URLconf for the job tests: the project's, plus a view that starts a job the
way a real one would (a write and a Job in one transaction, answered 202).
"""

from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from factcheck.jobs import start_job
from factcheck.jobs.api import ACCEPTED_RESPONSE, LOCATION_HEADER, accepted
from factcheck.urls import urlpatterns as project_urlpatterns
from tests.factcheck import jobs_tasks


def write_and_start(*, name: str, fail: bool, by, gate: str = ""):
    """Write a row and start a job about it, in one transaction (a service).

    With `gate`, the job waits for that file to exist (and first creates `gate`
    + ".waiting").
    """
    with transaction.atomic():
        Group.objects.create(name=name)
        if gate:
            return start_job(
                jobs_tasks.wait_at_gate, by=by, waiting=f"{gate}.waiting", gate=gate
            )
        if fail:
            return start_job(
                jobs_tasks.fail, by=by, message="boom", input=name, permanent=True
            )
        return start_job(jobs_tasks.count_to, by=by, total=2)


class StartJobView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None, responses={202: ACCEPTED_RESPONSE}, parameters=[LOCATION_HEADER]
    )
    def post(self, request):
        job = write_and_start(
            name=request.data["name"],
            fail=bool(request.data.get("fail")),
            by=request.user,
            gate=request.data.get("gate", ""),
        )
        return accepted(job, request)


urlpatterns = [
    path("test/start-job/", StartJobView.as_view(), name="test-start-job"),
    *project_urlpatterns,
]
