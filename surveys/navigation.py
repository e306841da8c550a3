"""Main menu entries, registered by each slice so that the layout needs no edits per slice."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy_gettext string
    roles: frozenset[str]  # empty: any signed-in user
    order: int


_items: list[NavItem] = []


def add_nav_item(endpoint: str, label: object, roles=(), order: int = 50) -> None:
    if any(item.endpoint == endpoint for item in _items):
        return
    _items.append(NavItem(endpoint, label, frozenset(str(r) for r in roles), order))
    _items.sort(key=lambda item: item.order)


def menu() -> list[tuple[str, str, str]]:
    """(url, label, endpoint) of the entries the current user may use: written once per
    application, set of roles, language and address prefix (every page shows it)."""
    if not current_user.is_authenticated:
        return []
    key = (current_user.roles, get_locale(), request.script_root)
    written = current_app.extensions.setdefault("navigation.menus", {})
    if key not in written:
        written[key] = [
            (url_for(item.endpoint), str(item.label), item.endpoint)
            for item in _items
            if not item.roles or current_user.has_role(*item.roles)
        ]
    return written[key]
