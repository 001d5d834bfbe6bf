"""API keys in the admin: create (the key is shown once, in a message), set scopes and expiry, revoke."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from kabar.api.models import ApiKey, Scope, new_key


class ApiKeyForm(forms.ModelForm[ApiKey]):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Without a scope the key reads what anonymous readers read, with its own rate limit.",
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

    @admin.display(description="scopes")
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes or []) or "—"

    @admin.display(description="state")
    def state(self, key: ApiKey) -> str:
        return key.problem() or "active"

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
        messages.warning(
            request,
            f"The API key “{obj.name}” is {key} — copy it now: it is not stored and will not be shown again.",
        )

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} API key(s) revoked.", messages.SUCCESS)
