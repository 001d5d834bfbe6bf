from django.contrib import admin

from kabar.ingest.models import IngestFailure


@admin.register(IngestFailure)
class IngestFailureAdmin(admin.ModelAdmin[IngestFailure]):
    list_display = ["url", "stage", "reason", "attempts", "last_seen_at", "resolved", "source"]
    list_filter = ["stage", "resolved", "source__outlet"]
    search_fields = ["url", "reason"]
    readonly_fields = ["url", "stage", "reason", "attempts", "first_seen_at", "last_seen_at", "source"]
