"""The agent jobs in the admin, registered by `tee` because the one thing an admin does to a job
here is a TEE action (jobs are the chain follower's projection, changed only on chain); kept out
of `jobs` so the layering stays jobs -> tee."""

from django.contrib import admin, messages

from apps.jobs.models import Job
from apps.tee.tasks import take_tee_snapshot_task


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    # The jobs are the chain follower's projection: read here, changed only on chain.
    list_display = ("job_id", "strategy_type", "status", "client", "provider")
    list_filter = ("strategy_type", "status")
    search_fields = ("job_id",)
    actions = ["take_tee_snapshot_now"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Take a TEE snapshot now")
    def take_tee_snapshot_now(self, request, queryset) -> None:
        job_ids = list(queryset.values_list("job_id", flat=True))
        for job_id in job_ids:
            take_tee_snapshot_task.delay(job_id)
        self.message_user(request, f"TEE snapshot queued for {len(job_ids)} job(s).", messages.SUCCESS)
