"""Signatures checked from the receiver's side, with the standardwebhooks package's own verifier."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kabar.webhooks.models import Subscription
from kabar.webhooks.signing import new_event_id, new_secret, signed_headers

BODY = json.dumps({"type": "article.published", "data": {"id": 1, "title": "Bão số 3"}}, ensure_ascii=False)


def test_secret_is_whsec_base64_of_32_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(Webhook(secret)._whsecret) == 32
    assert new_secret() != secret


def test_a_receiver_verifies_the_signature_and_refuses_a_changed_body() -> None:
    secret = new_secret()
    headers = signed_headers(new_event_id(), BODY, [secret], timezone.now())
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("Bão", "Bao"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_the_timestamp_header_is_the_sending_time_in_unix_seconds() -> None:
    now = timezone.now()
    headers = signed_headers("msg_x", BODY, [new_secret()], now)
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    # A delivery replayed an hour later is refused by the receiver's verifier.
    old = signed_headers("msg_x", BODY, [secret := new_secret()], now - dt.timedelta(hours=1))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, old)


@pytest.mark.django_db
def test_during_a_rotation_both_secrets_verify_and_after_the_grace_only_the_new_one() -> None:
    subscription = Subscription.objects.create(name="Partner", url="https://partner.example/hook")
    old_secret = subscription.secret
    new = subscription.rotate_secret(grace=dt.timedelta(hours=1))
    subscription.save()
    assert new == subscription.secret != old_secret

    headers = signed_headers("msg_r", BODY, subscription.signing_secrets(), timezone.now())
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    Webhook(old_secret).verify(BODY, headers)  # a receiver that has not switched yet
    Webhook(new).verify(BODY, headers)  # one that has

    later = timezone.now() + dt.timedelta(hours=2)
    assert subscription.signing_secrets(later) == [new]
    after = signed_headers("msg_r", BODY, subscription.signing_secrets(later), timezone.now())
    Webhook(new).verify(BODY, after)
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(BODY, after)
