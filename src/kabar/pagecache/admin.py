"""Page cache › hit rate in the admin: the numbers ``kabar stats`` prints, for staff who may view them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from kabar.pagecache import stats
from kabar.pagecache.models import PageCacheStats


@admin.register(PageCacheStats)
class PageCacheStatsAdmin(admin.ModelAdmin[PageCacheStats]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        # Only the list page: there are no rows to change (and no table to read them from).
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = stats.summary()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Page cache hit rate"),
            "opts": self.opts,
            "summary": found,
            "hit_percent": None if found.hit_rate is None else 100 * found.hit_rate,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/pagecache/stats.html", context)
