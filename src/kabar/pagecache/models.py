"""No tables: the admin's entry for the page cache's counters (``kabar.pagecache.admin``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PageCacheStats(models.Model):
    """Stands for the counters in the admin's list of apps; never stored (``managed = False``)."""

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = _("hit rate")
        verbose_name_plural = _("hit rate")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
