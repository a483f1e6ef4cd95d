"""The request middleware lives in `accounts.access` with the other access
rules; this name stays because settings.MIDDLEWARE refers to it."""
from .access import AccessMiddleware as AccountMiddleware

__all__ = ["AccountMiddleware"]
