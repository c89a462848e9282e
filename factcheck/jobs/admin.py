"""Admin: Jobs, read-only; procrastinate's own jobs admin only on PostgreSQL."""

from django.contrib import admin
from django.db import connections
from django.template.defaultfilters import truncatechars
from procrastinate.contrib.django.models import ProcrastinateJob

from .models import Job
from .queue import DATABASE


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "state",
        "progress",
        "attempts",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "short_error",
    ]
    list_filter = ["state", "kind"]
    list_select_related = ["created_by"]
    search_fields = ["kind", "created_by__username"]
    fields = (
        "kind",
        "arguments",
        "state",
        "attempts",
        "progress",
        "result",
        "error",
        "error_input",
        "created_by",
        "joined_by",
        "coalesce_key",
        "created_at",
        "started_at",
        "finished_at",
        "queue_job_id",
    )
    readonly_fields = fields
    # The tables grow with use: no COUNT(*) of all rows on every page.
    show_full_result_count = False

    @admin.display(description="progress")
    def progress(self, job: Job) -> str:
        if job.progress_total is None:
            return str(job.progress_done) if job.progress_done else "-"
        return f"{job.progress_done} / {job.progress_total}"

    @admin.display(description="error")
    def short_error(self, job: Job) -> str:
        return truncatechars(job.error, 80)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# procrastinate.contrib.django registers an admin for its jobs table; the table
# exists only on PostgreSQL (factcheck.db.routers.JobsRouter).
if connections[DATABASE].vendor != "postgresql" and admin.site.is_registered(
    ProcrastinateJob
):
    admin.site.unregister(ProcrastinateJob)
