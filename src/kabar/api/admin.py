"""API keys in the admin: create (the key is shown once, on the answer to the save), set scopes and expiry, revoke.

The new key is not put in a message: messages travel in a cookie (signed, not encrypted) and
show on the next page, which the browser caches. It is on the answer to the save itself, with
``Cache-Control: no-store``, as the webhook secrets are (``kabar.webhooks.admin``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kabar.api.models import ApiKey, Scope, new_key

NEW_KEY = "_kabar_new_key"


class ApiKeyForm(forms.ModelForm[ApiKey]):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("scopes"),
        help_text=gettext_lazy(
            "Without a scope the key reads what anonymous readers read, with its own rate limit."
        ),
    )

    class Meta:
        model = ApiKey
        fields = ["name", "owner", "scopes", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    form = ApiKeyForm
    list_display = [
        "name",
        "prefix",
        "owner",
        "scope_list",
        "state",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "owner__username"]
    readonly_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    @admin.display(description=gettext_lazy("scopes"))
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes or []) or "—"

    @admin.display(description=gettext_lazy("state"))
    def state(self, key: ApiKey) -> str:
        return key.problem() or _("active")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_changeform_initial_data(request), "owner": request.user.pk}

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key = new_key()
        obj.set_key(key)
        super().save_model(request, obj, form, change)
        # The only time the key exists outside the caller's hands: it is not stored, only its hash.
        # Kept on this instance (never saved) for response_add, which gets the same object.
        setattr(obj, NEW_KEY, key)

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        key = getattr(obj, NEW_KEY)
        context = {
            **self.admin_site.each_context(request),
            "title": _("New API key"),
            "api_key": obj,
            "key": key,
            "opts": self.opts,
        }
        response = TemplateResponse(request, "admin/api/key_created.html", context)
        patch_cache_control(response, no_store=True, no_cache=True, private=True)
        return response

    @admin.action(description=gettext_lazy("Revoke selected API keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d API key revoked.", "%(count)d API keys revoked.", count) % {"count": count},
            messages.SUCCESS,
        )
