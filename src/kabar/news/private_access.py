"""The rule for private access, shared by fetch sources and webhook subscriptions.

Ticking ``allow_private`` is not enough: someone trusted must approve it for exactly this
target. A superuser approves in the admin (``private_access_by`` is that user); the operator
approves from the shell, as the demo loader does (``private_access_by`` is empty). The approval
stores a fingerprint naming the target and the approver, so a row re-pointed by anyone,
anywhere (admin, shell, bulk update, an API), or an approver who was deleted, demoted or
deactivated, approves nothing any more.

A model using it has the fields ``allow_private``, ``private_access_by`` (FK to the user),
``private_access_at`` and ``private_access_target``, and says what its fingerprint covers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class PrivateAccessApproval:
    # Set by each model: how a refusal names the row, and what changing the target means.
    private_access_noun = "row"
    private_access_changed = "the target (or who approved it) changed since private access was approved"
    private_access_log = logging.getLogger("kabar")

    allow_private: bool
    private_access_by: Any
    private_access_by_id: int | None
    private_access_at: Any
    private_access_target: str
    pk: Any

    def private_access_fingerprint(self, approver_id: int | None) -> str:
        """The target an approval covers, with its approver, as text."""
        raise NotImplementedError

    @staticmethod
    def approver_label(approver_id: int | None) -> str:
        return f"user:{approver_id}" if approver_id is not None else "operator"

    def grant_private_access(self, by: User | None = None) -> None:
        """Record that ``by`` (a superuser; None for the operator) approves private access now (not saved)."""
        if by is not None and not (by.is_active and by.is_superuser):
            raise PermissionError(f"{by} is not an active superuser and cannot approve private access")
        self.allow_private = True
        self.private_access_by = by
        self.private_access_at = timezone.now()
        self.private_access_target = self.private_access_fingerprint(by.pk if by is not None else None)

    def revoke_private_access(self) -> None:
        """Switch private access off and forget its approval (not saved)."""
        self.allow_private = False
        self.private_access_by = None
        self.private_access_at = None
        self.private_access_target = ""

    def private_access_problem(self) -> str | None:
        """Why this row must not reach private addresses, or None when it may."""
        if not self.allow_private:
            return "private access is off"
        if self.private_access_at is None or not self.private_access_target:
            return "private access was switched on but never approved by a superuser or the operator"
        approver = self.private_access_by
        if approver is not None and not (approver.is_active and approver.is_superuser):
            return f"{approver}, who approved private access, is no longer an active superuser"
        if self.private_access_target != self.private_access_fingerprint(self.private_access_by_id):
            return self.private_access_changed
        return None

    def private_access_granted(self) -> bool:
        """True when this row may reach private addresses; a refusal is logged with its reason."""
        problem = self.private_access_problem()
        if problem is not None and self.allow_private:
            self.private_access_log.warning(
                "%s %s: private access not honoured: %s", self.private_access_noun, self.pk, problem
            )
        return problem is None
