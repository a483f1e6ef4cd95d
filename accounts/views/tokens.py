"""API tokens: the user's own (under their settings) and, for admins, those
of their account's users (under the user's detail). List (name, created,
last used, expiry), create (the secret is shown once), revoke."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import selectors, tokens
from ..access import admin_required, found
from ..forms_tokens import TokenForm


def _revoke(request: HttpRequest, owner) -> None:
    token = found(tokens.tokens_of(user=owner).filter(pk=_int(request.POST.get("token"))).first())
    tokens.token_revoke(token=token, actor=request.user, request=request)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.label})


def _int(value) -> int:
    return int(value) if str(value or "").isascii() and str(value).isdigit() else 0


# The new secret waits in the session for the one page view after the
# redirect (post/redirect/get: a reload must not create a second token).
NEW_SECRET = "api_token_new_secret"


def _screen(request: HttpRequest, owner, *, back: str) -> HttpResponse:
    form = TokenForm(request.POST if request.POST.get("action") == "create" else None,
                     initial={"days": settings.API_TOKEN_DAYS})
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            _revoke(request, owner)
            return redirect(request.path)
        if form.is_valid():
            _token, secret = tokens.token_create(
                user=owner, actor=request.user, request=request,
                name=form.cleaned_data["name"], days=form.cleaned_data["days"])
            request.session[NEW_SECRET] = secret
            return redirect(request.path)
    secret = request.session.pop(NEW_SECRET, "") if request.method == "GET" else ""
    context = {"owner": owner, "tokens": tokens.tokens_of(user=owner), "form": form,
               "secret": secret, "back": back}
    response = render(request, "accounts/api_tokens.html", context,
                      status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # it may show a secret
    return response


@login_required
def my_tokens(request: HttpRequest) -> HttpResponse:
    """/me/tokens/: one's own tokens."""
    return _screen(request, request.user, back="accounts:me")


@admin_required
def user_tokens(request: HttpRequest, pk: int) -> HttpResponse:
    """/manage/users/<pk>/tokens/: an account user's tokens (admins)."""
    owner = found(selectors.user_get(account=request.account, pk=pk))
    return _screen(request, owner, back="accounts:user-detail")
