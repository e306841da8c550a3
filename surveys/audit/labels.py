"""What each recorded action means, in the reader's language (the code stays the stored key)."""

from __future__ import annotations

from collections.abc import Mapping

# Filled by each slice's register.init_app (add_action_labels): the slice that records an
# action names it.
ACTION_LABELS: dict[str, object] = {}


def add_action_labels(labels: Mapping[str, object]) -> None:
    """Name the actions a slice records (a lazy_gettext text each)."""
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    """The action in words; an unknown code is shown as it is rather than hidden."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
