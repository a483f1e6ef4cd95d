"""Puts the caller's account on the request; accepts API bearer tokens."""
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .models import ApiToken


class AccountMiddleware:
    """Sets `request.account` (None for anonymous users and account-less
    operators). An `Authorization: Bearer <token>` header authenticates API
    calls without a session; a bad token leaves the request anonymous."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            self._authenticate_token(request, header[7:].strip())
        user = request.user
        request.account = user.account if user.is_authenticated else None
        if user.is_authenticated and request.session.get("otp_setup_required"):
            # A login condition demands a one-time password the user has not
            # set up yet: nothing but the set-up page (and logout) until done.
            allowed = (reverse("accounts:otp-setup"), reverse("accounts:logout"))
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("accounts:otp-setup")
        return self.get_response(request)

    @staticmethod
    def _authenticate_token(request, secret: str) -> None:
        token = (
            ApiToken.objects.select_related("user__account")
            .filter(key_hash=ApiToken.hash(secret), user__is_active=True)
            .first()
        )
        if token is None:
            return
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        request.user = token.user
        # Token calls carry no cookie, so CSRF does not apply to them.
        request._dont_enforce_csrf_checks = True
