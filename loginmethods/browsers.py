"""Browser restriction (ブラウザ制限): a browser is the random key in a signed,
long-lived, HttpOnly cookie plus its User-Agent summary. Clearing cookies
makes it a new browser. `BrowserCookieMiddleware` hands a new key out."""
import secrets
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from user_agents import parse as parse_ua

from audit.services import operation_log

from .models import Browser, BrowserStatus
from .policy import login_policy_get

SALT = "loginmethods.browser"


def browser_key(request: HttpRequest) -> str:
    """This browser's key: from its signed cookie, or a new one that the
    middleware sets on the response."""
    if getattr(request, "browser_key", ""):
        return request.browser_key
    try:
        key = request.get_signed_cookie(settings.BROWSER_COOKIE_NAME, salt=SALT)
    except (KeyError, signing.BadSignature):
        key = ""
    if not key:
        key = secrets.token_urlsafe(24)
        request.browser_key_new = True
    request.browser_key = key
    return key


def browser_summary(request: HttpRequest) -> str:
    """"Chrome 140 / Linux": what the admin sees in the application list."""
    ua = parse_ua(request.META.get("HTTP_USER_AGENT", ""))
    browser = f"{ua.browser.family} {ua.browser.version_string}".strip()
    os_name = f"{ua.os.family} {ua.os.version_string}".strip()
    return f"{browser} / {os_name}"[:200]


class BrowserVerdict(NamedTuple):
    """`restricted`: the account requires approved browsers. `allowed`: may
    sign in. `refusal_pattern`: 24 or 25 when refused with a login row;
    `applied`: an application was filed (an operation row instead)."""

    restricted: bool
    allowed: bool
    refusal_pattern: int | None = None
    applied: bool = False


@transaction.atomic
def browser_gate(*, request: HttpRequest, user) -> BrowserVerdict:
    """Decide a login whose other factors passed. Unapproved browsers file
    an application (§3.2.20) unless already pending (24) or the user is at
    the limit (25)."""
    policy = login_policy_get(account=user.account)
    if not policy.browser_restriction:
        return BrowserVerdict(restricted=False, allowed=True)
    key = browser_key(request)
    browser = Browser.objects.select_for_update().filter(user=user, key=key).first()
    if browser and browser.status == BrowserStatus.APPROVED:
        return BrowserVerdict(restricted=True, allowed=True)
    if browser and browser.status == BrowserStatus.PENDING:
        return BrowserVerdict(restricted=True, allowed=False, refusal_pattern=24)
    held = Browser.objects.filter(user=user).exclude(status=BrowserStatus.REFUSED)
    if browser is None and held.count() >= policy.browser_limit:
        return BrowserVerdict(restricted=True, allowed=False, refusal_pattern=25)
    now = timezone.now()
    if browser is None:
        Browser.objects.create(user=user, key=key, summary=browser_summary(request),
                               applied_at=now)
    else:  # refused before: the user asks again
        browser.status, browser.applied_at, browser.reviewed_at = BrowserStatus.PENDING, now, None
        browser.save(update_fields=["status", "applied_at", "reviewed_at"])
    operation_log("browser_apply", account=user.account, actor=user, request=request)
    return BrowserVerdict(restricted=True, allowed=False, applied=True)


@transaction.atomic
def browser_keep_current(*, request: HttpRequest, user) -> None:
    """The admin who turns the restriction on keeps this browser (approved
    without a review), so switching it on cannot lock them out."""
    key = browser_key(request)
    Browser.objects.update_or_create(
        user=user, key=key, defaults={"status": BrowserStatus.APPROVED,
                                      "summary": browser_summary(request),
                                      "applied_at": timezone.now(),
                                      "reviewed_at": timezone.now()})


def application_list(*, account):
    return Browser.objects.filter(user__account=account).select_related("user")


def application_get(*, account, pk: int) -> Browser | None:
    """One of the account's applications; another account's looks unknown."""
    return application_list(account=account).filter(pk=pk).first()


@transaction.atomic
def application_review(*, browser: Browser, action: str, actor,
                       request: HttpRequest | None = None) -> None:
    """approve / refuse / delete, with the §3.2.19 text naming the applicant."""
    user_id = browser.user.username
    if action == "delete":
        browser.delete()
    else:
        browser.status = {"approve": BrowserStatus.APPROVED,
                          "refuse": BrowserStatus.REFUSED}[action]
        browser.reviewed_at = timezone.now()
        browser.save(update_fields=["status", "reviewed_at"])
    operation_log(f"browser_{action}", account=actor.account, actor=actor, request=request,
                  user_id=user_id)


def cookie_set(request: HttpRequest, response) -> None:
    """Called by the middleware: give a browser its new key's cookie."""
    if getattr(request, "browser_key_new", False):
        response.set_signed_cookie(
            settings.BROWSER_COOKIE_NAME, request.browser_key, salt=SALT,
            max_age=settings.BROWSER_COOKIE_DAYS * 86400, httponly=True,
            secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")
