"""Who is calling the API: an API key (``Authorization: Bearer <key>`` or ``X-API-Key: <key>``) or nobody.

Reads are open to anonymous callers (published content only), but a key that is sent must be
good: an unknown, revoked or expired key is a 401, never a silent downgrade to anonymous — a
partner whose key broke should hear about it, not get less content.

For routers that need a key (webhooks), ``require_scope``::

    router = Router(auth=require_scope(Scope.WEBHOOKS))

gives 401 without a (good) key and 403 for a key without that scope; the view finds the
caller's ``Principal`` in ``request.auth``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, AuthorizationError, Throttled
from ninja.security import APIKeyHeader, HttpBearer

from kabar.api.models import ApiKey, Scope, hash_key

KEY_HEADER = "X-API-Key"


@dataclass(frozen=True)
class Principal:
    """The caller of one request: a key, or anonymous (``key`` None). Always truthy, as Ninja needs."""

    key: ApiKey | None = None

    @property
    def anonymous(self) -> bool:
        return self.key is None

    def has_scope(self, scope: str) -> bool:
        return self.key is not None and self.key.has_scope(scope)

    @property
    def reads_unpublished(self) -> bool:
        return self.has_scope(Scope.READ_UNPUBLISHED)

    def __str__(self) -> str:
        return f"key:{self.key.pk}" if self.key is not None else "anonymous"


ANONYMOUS = Principal()


class InvalidKey(AuthenticationError):
    def __init__(self, message: str) -> None:
        super().__init__(401, message)


def principal_for(key: str) -> Principal:
    """The principal behind ``key``; InvalidKey (401) saying why when it cannot be used."""
    key = key.strip()
    if not key:
        raise InvalidKey("the API key is empty")
    api_key = ApiKey.objects.select_related("owner").filter(key_hash=hash_key(key)).first()
    if api_key is None:
        raise InvalidKey("unknown API key")
    now = timezone.now()
    problem = api_key.problem(now)
    if problem is None and not api_key.owner.is_active:
        problem = "the owner of this API key is no longer active"
    if problem is not None:
        raise InvalidKey(problem)
    api_key.touch(now)
    return Principal(api_key)


def _count_refusal(request: HttpRequest) -> None:
    """A refused key is one request of its address: a 429 (Throttled) once the address is over its limit."""
    from kabar.api.throttle import refused_keys  # the throttle reads this module's principals

    if not refused_keys.allow_refused_key(request):
        raise Throttled(wait=refused_keys.wait())  # type: ignore[arg-type]


def _checked(principal: Principal, scope: str | None) -> Principal:
    if scope is not None and not principal.has_scope(scope):
        raise AuthorizationError(403, f"this API key does not have the “{scope}” scope")
    return principal


class ApiKeyBearer(HttpBearer):
    """``Authorization: Bearer <key>``. No Authorization header: not this scheme (None).

    Tried first: when both headers come, Authorization is the one that counts.
    """

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> Principal | None:
        value = request.headers.get(self.header)
        if value is None:
            return None
        try:
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() != "bearer":
                raise InvalidKey("the Authorization header must be “Bearer <API key>”")
            return _checked(principal_for(token), self.scope)
        except InvalidKey:
            _count_refusal(request)
            raise

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        return _checked(principal_for(token), self.scope)


class ApiKeyHeader(APIKeyHeader):
    """``X-API-Key: <key>``. No such header: not this scheme (None)."""

    param_name = KEY_HEADER

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if key is None:
            return None
        try:
            return _checked(principal_for(key), self.scope)
        except InvalidKey:
            _count_refusal(request)
            raise


def anonymous(request: HttpRequest) -> Principal:
    """The last resort of the read endpoints: no key sent, anonymous reader (not in the OpenAPI security)."""
    return ANONYMOUS


class _KeyRequired:
    """The last resort of a router that needs a key: a 401 that says which scope."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def __call__(self, request: HttpRequest) -> Any:
        raise AuthenticationError(
            401, f"an API key with the “{self.scope}” scope is needed (Authorization: Bearer <key>)"
        )


def read_auth() -> list[Any]:
    """Auth of the read endpoints: a good key if one is sent, else anonymous."""
    return [ApiKeyBearer(), ApiKeyHeader(), anonymous]


def require_scope(scope: str) -> list[Any]:
    """Auth for a router or operation that needs a key with ``scope`` (401 without a key, 403 without the scope)."""
    if scope not in Scope.values:
        raise ValueError(f"unknown API key scope {scope!r} (known: {', '.join(Scope.values)})")
    return [ApiKeyBearer(scope), ApiKeyHeader(scope), _KeyRequired(scope)]


def principal(request: HttpRequest) -> Principal:
    """The caller of a request that went through ``read_auth`` or ``require_scope``."""
    found = getattr(request, "auth", None)
    return found if isinstance(found, Principal) else ANONYMOUS
