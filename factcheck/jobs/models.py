"""Job: a long operation a user started and wants to watch (factcheck.jobs.start_job).

Short jobs (re-checking one claim after a write) have no row here: the job queue's
own table is enough for them. A Job row is written by the run of its task
(factcheck.jobs.runner), never by views.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "JobQuerySet":
        """Return the jobs `user` may read: those they started or joined, or all
        with factcheck.view_job."""
        if not user.is_authenticated:
            return self.none()
        if user.has_perm("factcheck.view_job"):
            return self
        joined = Job.joined_by.through.objects.filter(
            job_id=models.OuterRef("pk"), user_id=user.pk
        )
        return self.filter(Q(created_by=user) | models.Exists(joined))


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    # An attempt failed and another is scheduled; `error` says why it failed.
    RETRYING = "retrying", "Retrying"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


# States of a Job that will still run (again): one of these may absorb a request.
UNFINISHED_STATES = (JobState.QUEUED, JobState.RUNNING, JobState.RETRYING)


class Job(models.Model):
    State = JobState

    kind = models.CharField(max_length=200, help_text="The name of the task run.")
    arguments = models.JSONField(
        default=dict, blank=True, help_text="The task's keyword arguments."
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="Runs started so far, the current one included."
    )
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Empty until the task knows it."
    )
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(
        blank=True, help_text="Why the last attempt failed (kept while retrying)."
    )
    error_input = models.CharField(
        max_length=500,
        blank=True,
        help_text="The input (row, line, item) it failed on, when the task says.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    queue_job_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The id of its row in the job queue (procrastinate_jobs), when "
        "queued there.",
    )
    coalesce_key = models.CharField(
        max_length=200,
        blank=True,
        help_text="Requests for the same work share this key: while a Job with it "
        "is unfinished, another request joins it instead of starting one.",
    )
    joined_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Users whose requests joined this Job (they may read it).",
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=JobState.values),
                name="job_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(progress_total__isnull=True)
                | Q(progress_done__lte=models.F("progress_total")),
                name="job_progress_within_total",
            ),
            # At most one unfinished Job per key, however many requests race.
            models.UniqueConstraint(
                fields=["coalesce_key"],
                condition=Q(state__in=UNFINISHED_STATES) & ~Q(coalesce_key=""),
                name="job_one_unfinished_per_coalesce_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}
