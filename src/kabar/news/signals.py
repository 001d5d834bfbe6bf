"""Signals the newsroom sends so that other apps can react without imports in both directions."""

from django.dispatch import Signal

# Sent after the transaction that stored a new or changed original commits.
# Arguments: article (Article), created (bool), changed_blocks (list[int] | None: indexes of the
# original's blocks whose text changed; None for a new article).
original_changed = Signal()
