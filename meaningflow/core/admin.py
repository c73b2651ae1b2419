from django.contrib import admin

from meaningflow.core.models import AuditEvent, JobRun, Notification


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "subject", "region_code"]
    list_filter = ["action"]
    search_fields = ["action", "subject", "reason"]

    # Audit rows are evidence: readable by operators, never editable.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "key", "status", "done", "total", "started_at", "finished_at"]
    list_filter = ["job", "status"]
