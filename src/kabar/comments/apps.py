from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    """One thread per article across its language versions, moderated Coral-style."""

    name = "kabar.comments"
    label = "comments"
    verbose_name = _("Comments")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kabar.comments.cache import policy_changed
        from kabar.comments.models import SectionPolicy

        post_save.connect(policy_changed, sender=SectionPolicy, dispatch_uid="kabar-comments-policy-saved")
        post_delete.connect(policy_changed, sender=SectionPolicy, dispatch_uid="kabar-comments-policy-deleted")
