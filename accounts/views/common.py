"""The one access check of the administration screens."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404


def admin_required(view):
    """Logged in, in an account, and that account's admin (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.account is None or not request.user.is_account_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def found(obj):
    """The object, or 404: another account's object looks like a missing one."""
    if obj is None:
        raise Http404
    return obj
