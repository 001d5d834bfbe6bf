"""Admin for webhooks: subscriptions (editable, secret shown once) and the delivery log (read-only).

The secret is shown on the page that answers the save that made it (creation or "rotate
secret"), with ``Cache-Control: no-store``, and never again: it is not put in a message
(messages may travel in a cookie) and the change form shows only a fingerprint.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kabar.news.admin import signed_in_editor
from kabar.news.forms import is_superuser
from kabar.webhooks.models import EVENT_TYPES, ROTATION_GRACE, Delivery, Subscription
from kabar.webhooks.tasks import redeliver
from kabar.webhooks.url_policy import WebhookURLError, check_webhook_url

PRIVATE_ACCESS_RECORD = ["private_access_status", "private_access_by", "private_access_at"]


class SubscriptionForm(forms.ModelForm[Subscription]):
    """Checks the URL with the delivery's SSRF policy when it is set or private access is switched on."""

    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        initial=list(EVENT_TYPES),
        label=gettext_lazy("events"),
    )

    class Meta:
        model = Subscription
        fields = ["name", "url", "events", "active", "allow_private"]

    editor: Any = None  # set on a per-request subclass

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []

    def retargeted(self) -> bool:
        return self.instance.pk is None or "url" in self.changed_data

    def private_access_wanted(self) -> bool:
        if is_superuser(self.editor):
            return bool(self.cleaned_data.get("allow_private", self.instance.allow_private))
        return self.instance.allow_private and not self.retargeted()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        url = cleaned.get("url")
        switched_on = "allow_private" in self.changed_data and bool(cleaned.get("allow_private"))
        if not url or self.has_error("url") or not (self.retargeted() or switched_on):
            return cleaned
        try:
            self.warnings = check_webhook_url(url.strip(), allow_private=self.private_access_wanted())
        except WebhookURLError as exc:
            self.add_error("url", str(exc))
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    form = SubscriptionForm
    list_display = ["name", "url", "event_list", "active", "secret_hint", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request: HttpRequest, obj: Subscription | None = None) -> list[str]:
        fields = [
            "secret_hint",
            "rotation_status",
            "disabled_reason",
            "owner",
            "api_key",
            *PRIVATE_ACCESS_RECORD,
        ]
        return fields if request.user.is_superuser else [*fields, "allow_private"]

    def get_form(
        self, request: HttpRequest, obj: Subscription | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Subscription]]:
        form = super().get_form(request, obj, change, **kwargs)
        if issubclass(form, SubscriptionForm):
            form.editor = request.user  # a fresh form class per call: safe per request
        return form

    @admin.display(description=gettext_lazy("events"))
    def event_list(self, obj: Subscription) -> str:
        return ", ".join(obj.events or [])

    @admin.display(description=gettext_lazy("secret"))
    def secret_hint(self, obj: Subscription) -> str:
        return obj.secret_hint if obj.pk else _("made when saved, and shown once")

    @admin.display(description=gettext_lazy("previous secret"))
    def rotation_status(self, obj: Subscription) -> str:
        if obj.pk is None or not obj.previous_secret or not obj.previous_secret_expires_at:
            return _("none")
        when = f"{obj.previous_secret_expires_at:%Y-%m-%d %H:%M}"
        if len(obj.signing_secrets()) < 2:
            return _("expired on %(when)s") % {"when": when}
        return _("still signs until %(when)s") % {"when": when}

    @admin.display(description=gettext_lazy("private access"))
    def private_access_status(self, obj: Subscription) -> str:
        if obj.pk is None or not obj.allow_private:
            return _("off")
        problem = obj.private_access_problem()
        if problem:
            return _("not honoured by deliveries: %(problem)s") % {"problem": problem}
        return _("approved by %(who)s on %(when)s") % {
            "who": obj.private_access_by or _("the operator"),
            "when": f"{obj.private_access_at:%Y-%m-%d %H:%M}",
        }

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        user = signed_in_editor(request)
        if not change:
            obj.owner = user
        if obj.active:
            obj.disabled_reason = ""  # switched on again by a person
        if is_superuser(user):
            if not obj.allow_private:
                obj.revoke_private_access()
            elif form.retargeted() or "allow_private" in form.changed_data or obj.private_access_problem():
                obj.grant_private_access(by=user)
                messages.info(
                    request,
                    _("Private access approved for %(url)s while you stay an active superuser.")
                    % {"url": obj.url},
                )
        elif form.retargeted() and obj.allow_private:
            obj.revoke_private_access()
            messages.warning(request, _("Private access was switched off because the URL changed."))
        for warning in form.warnings:
            messages.warning(request, warning)
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: Subscription, post_url_continue: str | None = None
    ) -> HttpResponse:
        return self._show_secrets(request, [obj], "created")

    # Rotation shows the new secrets: only for those who may change subscriptions, not viewers.
    @admin.action(
        description=gettext_lazy("Rotate secret (the old one keeps signing for 24 hours)"),
        permissions=["change"],
    )
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> HttpResponse:
        rotated = []
        for subscription in queryset:
            subscription.rotate_secret()
            subscription.save(
                update_fields=["secret", "previous_secret", "previous_secret_expires_at", "modified_at"]
            )
            rotated.append(subscription)
        return self._show_secrets(request, rotated, "rotated")

    def _show_secrets(
        self, request: HttpRequest, subscriptions: list[Subscription], what: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": ngettext("Webhook secret", "Webhook secrets", len(subscriptions)),
            "subscriptions": subscriptions,
            "what": what,
            "grace_hours": int(ROTATION_GRACE.total_seconds() // 3600),
            "opts": self.opts,
        }
        response = TemplateResponse(request, "admin/webhooks/secret.html", context)
        patch_cache_control(response, no_store=True, no_cache=True, private=True)
        return response


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = [
        "event_type",
        "event_id",
        "subscription",
        "status",
        "attempts",
        "response_code",
        "error",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event_type", "subscription", "created_at"]
    search_fields = ["event_id", "subscription__name", "subscription__url"]
    list_select_related = ["subscription"]
    actions = ["redeliver_selected"]
    readonly_fields = [
        "subscription",
        "event_id",
        "event_type",
        "payload",
        "status",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "response_code",
        "response_excerpt",
        "error",
        "delivered_at",
        "created_at",
        "modified_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_subscription")

    @admin.action(
        description=gettext_lazy("Redeliver now (a new series of attempts)"), permissions=["redeliver"]
    )
    def redeliver_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = 0
        for delivery in queryset.select_related("subscription"):
            if not delivery.subscription.active:
                messages.warning(
                    request,
                    _("%(delivery)s: not redelivered, its subscription is disabled.")
                    % {"delivery": delivery},
                )
                continue
            redeliver(delivery)
            count += 1
        if count:
            messages.success(
                request,
                ngettext("Queued %(count)d delivery again.", "Queued %(count)d deliveries again.", count)
                % {"count": count},
            )
