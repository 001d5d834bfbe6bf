from django.contrib import admin

from kabar.ingest.models import ImageFetch, IngestFailure


@admin.register(IngestFailure)
class IngestFailureAdmin(admin.ModelAdmin[IngestFailure]):
    list_display = ["url", "stage", "reason", "attempts", "last_seen_at", "resolved", "source"]
    list_filter = ["stage", "resolved", "source__outlet"]
    search_fields = ["url", "reason"]
    readonly_fields = ["url", "stage", "reason", "attempts", "first_seen_at", "last_seen_at", "source"]


@admin.register(ImageFetch)
class ImageFetchAdmin(admin.ModelAdmin[ImageFetch]):
    list_display = ["url", "outcome", "reason", "width", "height", "attempts", "fetched_at"]
    list_filter = ["outcome"]
    search_fields = ["url", "reason"]
    readonly_fields = [
        "url_hash",
        "url",
        "outcome",
        "name",
        "width",
        "height",
        "reason",
        "attempts",
        "fetched_at",
    ]
