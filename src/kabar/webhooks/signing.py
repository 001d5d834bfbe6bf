"""Standard Webhooks signatures: ``whsec_`` secrets, the three headers, one ``v1,`` signature per secret.

https://www.standardwebhooks.com: ``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of
"id.timestamp.body">``; several space-separated signatures are allowed, which is how a rotated
secret keeps working for receivers that have not switched yet. Signing is the
``standardwebhooks`` package's own, so kabar signs exactly as its verifiers check.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def new_event_id() -> str:
    """A ``msg_`` id: the same for every attempt of a message, so receivers can drop repeats."""
    return "msg_" + uuid.uuid4().hex


def new_ticket() -> str:
    return secrets.token_hex(16)


def secret_fingerprint(secret: str) -> str:
    """A short, non-reversible label for a secret (to tell two apart in the admin)."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


def signed_headers(
    event_id: str, body: str, secrets_in_use: Sequence[str], now: dt.datetime
) -> dict[str, str]:
    """The Standard Webhooks headers for ``body`` sent at ``now``, signed with every secret given."""
    when = now.astimezone(dt.UTC)  # the package takes the wall time as UTC
    signatures = [Webhook(s).sign(msg_id=event_id, timestamp=when, data=body) for s in secrets_in_use]
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
