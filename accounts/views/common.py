"""Kept for imports from before `accounts.access`: the access rules live there."""
from ..access import admin_required, found

__all__ = ["admin_required", "found"]
