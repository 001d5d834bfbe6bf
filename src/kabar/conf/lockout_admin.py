"""The admin's view of locked-out logins: django-axes' access attempts, with an "Unlock" action.

Axes registers its own admin for AccessAttempt; deleting a row does unlock it, but nothing on
the page says so. This replaces that registration with one whose action is named for what
the admin wants and goes through axes' reset, so a change of axes handler keeps working.
Imported by ``kabar.conf.urls`` (the admin site's configuration) before its URLs are built.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext


class UnlockingAccessAttemptAdmin(AccessAttemptAdmin):  # type: ignore[misc]  # axes is untyped
    actions = [*AccessAttemptAdmin.actions, "unlock"]

    @admin.action(
        description=gettext_lazy(
            "Unlock: clear the failed logins of the selected username and address pairs"
        ),
        permissions=["delete"],
    )
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        cleared = 0
        for attempt in queryset:
            if attempt.username or attempt.ip_address:
                # Both given: axes clears exactly that pair, the unit a lockout counts.
                cleared += reset(ip=attempt.ip_address or None, username=attempt.username or None)
            else:  # reset() with neither would clear every attempt of every user
                attempt.delete()
                cleared += 1
        self.message_user(
            request,
            ngettext(
                "Unlocked: %(count)d access attempt record cleared.",
                "Unlocked: %(count)d access attempt records cleared.",
                cleared,
            )
            % {"count": cleared},
            messages.SUCCESS,
        )


def register() -> None:
    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, UnlockingAccessAttemptAdmin)
