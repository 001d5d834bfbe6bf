"""/api/v1/webhooks/: a key with the ``webhooks`` scope manages its own subscriptions and reads their log.

Mounted by ``kabar.api.main``. A key sees and deletes only the subscriptions it made; a
subscription made here can never reach private addresses (only a superuser or the operator
approves that, in the admin or the shell). The secret is in the creation (and rotation)
answer only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kabar.api.auth import principal, require_scope
from kabar.api.errors import ApiError, ApiNotFound
from kabar.api.models import ApiKey, Scope
from kabar.api.params import MAX_ID
from kabar.api.schemas import ErrorBody
from kabar.webhooks.models import EVENT_TYPES, Delivery, Subscription
from kabar.webhooks.url_policy import API_PRIVATE_HINT, WebhookURLError, check_webhook_url

router = Router(auth=require_scope(Scope.WEBHOOKS))

MAX_SUBSCRIPTIONS_PER_KEY = 20
EventName = Literal["article.published", "article.updated", "translation.published", "article.unpublished"]
ALL_EVENTS: list[EventName] = [
    "article.published",
    "article.updated",
    "translation.published",
    "article.unpublished",
]
ERRORS = dict.fromkeys((400, 401, 403, 404, 422, 429), ErrorBody)


class SubscriptionIn(Schema):
    name: str = Field(min_length=1, max_length=200, description="Who receives, e.g. “Partner app”.")
    url: str = Field(min_length=1, max_length=1000, description="An http(s) URL on a public address.")
    events: list[EventName] = Field(
        default_factory=lambda: list(ALL_EVENTS),
        min_length=1,
        description="Events to receive (default: all).",
    )


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    active: bool = Field(
        description="False once the receiver answered 410 Gone (or an editor switched it off)."
    )
    disabled_reason: str
    secret_hint: str = Field(description="A fingerprint of the current secret, to tell secrets apart.")
    created_at: dt.datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The whsec_ signing secret. Shown in this answer only: store it now.")


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]


class DeliveryOut(Schema):
    id: int
    subscription: int
    event_id: str = Field(description="The webhook-id header: the same for every attempt.")
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_code: int | None
    error: str
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    payload: dict[str, Any]


class DeliveryPage(Schema):
    items: list[DeliveryOut]


class DeliveryFilters(Schema):
    subscription: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only this subscription's deliveries."
    )
    status: Literal["pending", "delivered", "failed"] | None = None
    limit: int = Field(50, ge=1, le=200, description="How many, newest first.")


def _key(request: HttpRequest) -> ApiKey:
    key = principal(request).key
    if key is None:  # require_scope lets no anonymous caller through; kept for the type checker
        raise ApiError(401, "an API key with the “webhooks” scope is needed")
    return key


def _own(request: HttpRequest) -> QuerySet[Subscription]:
    return Subscription.objects.filter(api_key=_key(request))


def _out(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "name": subscription.name,
        "url": subscription.url,
        "events": list(subscription.events or []),
        "active": subscription.active,
        "disabled_reason": subscription.disabled_reason,
        "secret_hint": subscription.secret_hint,
        "created_at": subscription.created_at,
    }


@router.get("/subscriptions", response={200: SubscriptionPage, **ERRORS}, summary="Your subscriptions")
def list_subscriptions(request: HttpRequest) -> dict[str, Any]:
    return {"items": [_out(s) for s in _own(request).order_by("pk")]}


@router.post(
    "/subscriptions",
    response={201: SubscriptionCreated, **ERRORS},
    summary="Subscribe a URL to events (the answer holds the secret, once)",
)
def create_subscription(request: HttpRequest, body: SubscriptionIn) -> Status[dict[str, Any]]:
    key = _key(request)
    if _own(request).count() >= MAX_SUBSCRIPTIONS_PER_KEY:
        raise ApiError(
            422, f"this key already has {MAX_SUBSCRIPTIONS_PER_KEY} subscriptions; delete one first"
        )
    url = body.url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)  # what the admin's URL field accepts
    except ValidationError as exc:
        message = "Enter a valid http:// or https:// URL."
        raise ApiError(422, message, code="invalid_url", details={"field": "url"}) from exc
    try:
        check_webhook_url(url, allow_private=False, private_hint=API_PRIVATE_HINT)
    except WebhookURLError as exc:
        raise ApiError(422, str(exc), code="invalid_url", details={"field": "url"}) from exc
    subscription = Subscription.objects.create(
        name=body.name.strip() or "API subscription",
        url=url,
        events=sorted(set(body.events), key=EVENT_TYPES.index),
        api_key=key,
        owner=key.owner,
    )
    return Status(201, {**_out(subscription), "secret": subscription.secret})


@router.post(
    "/subscriptions/{subscription_id}/rotate-secret",
    response={200: SubscriptionCreated, **ERRORS},
    summary="A new secret; the old one keeps signing for 24 hours",
)
def rotate_secret(request: HttpRequest, subscription_id: int) -> dict[str, Any]:
    subscription = (
        _own(request).filter(pk=subscription_id).first() if 1 <= subscription_id <= MAX_ID else None
    )
    if subscription is None:
        raise ApiNotFound(f"no subscription {subscription_id} of this key")
    subscription.rotate_secret()
    subscription.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "modified_at"]
    )
    return {**_out(subscription), "secret": subscription.secret}


@router.delete(
    "/subscriptions/{subscription_id}",
    response={204: None, **ERRORS},
    summary="Unsubscribe (its delivery log goes with it)",
)
def delete_subscription(request: HttpRequest, subscription_id: int) -> Status[None]:
    # Ids past the database's integer range are simply not found (as for articles).
    deleted = _own(request).filter(pk=subscription_id).delete()[0] if 1 <= subscription_id <= MAX_ID else 0
    if not deleted:
        raise ApiNotFound(f"no subscription {subscription_id} of this key")
    return Status(204, None)


@router.get("/deliveries", response={200: DeliveryPage, **ERRORS}, summary="Deliveries to your subscriptions")
def list_deliveries(request: HttpRequest, filters: Query[DeliveryFilters]) -> dict[str, Any]:
    rows = Delivery.objects.filter(subscription__api_key=_key(request))
    if filters.subscription is not None:
        rows = rows.filter(subscription_id=filters.subscription)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    items = [
        {
            "id": d.pk,
            "subscription": d.subscription_id,
            "event_id": d.event_id,
            "event_type": d.event_type,
            "status": d.status,
            "attempts": d.attempts,
            "response_code": d.response_code,
            "error": d.error,
            "last_attempt_at": d.last_attempt_at,
            "next_attempt_at": d.next_attempt_at,
            "delivered_at": d.delivered_at,
            "created_at": d.created_at,
            "payload": d.payload,
        }
        for d in rows.order_by("-created_at", "-pk")[: filters.limit]
    ]
    return {"items": items}
