"""Passkeys on django-otp-webauthn: its credential model and WebAuthnHelper
(py_webauthn underneath) do the ceremonies; the portal's views decide the
login pattern and write the histories, so its stock views are not mounted."""
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential, WebAuthnUserHandle
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.structs import ResidentKeyRequirement

from audit.services import operation_log

from .models import Attachment, PasskeyInfo

REGISTER_STATE = "passkey_register_state"
AUTH_STATE = "passkey_auth_state"
NAME_MAX = 64  # django-otp Device.name


def rp_id_for(request: HttpRequest) -> str:
    """WEBAUTHN_RP_ID, or the request's host name without the port."""
    return settings.WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0]


class PortalWebAuthnHelper(WebAuthnHelper):
    """RP ID and origins from settings, defaulting to the request's host, and
    discoverable credentials so "Sign in with a passkey" needs no user ID."""

    def get_relying_party_domain(self) -> str:
        return rp_id_for(self.request)

    def get_allowed_origins(self) -> list[str]:
        return settings.WEBAUTHN_ALLOWED_ORIGINS or [
            f"{self.request.scheme}://{self.request.get_host()}"]

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        return ResidentKeyRequirement.REQUIRED


def helper(request: HttpRequest) -> PortalWebAuthnHelper:
    return PortalWebAuthnHelper(request)


def passkey_list(*, user) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True)
                .select_related("portal_info").order_by("created_at", "id"))


def passkey_get(*, user, pk: int) -> WebAuthnCredential | None:
    """One of the user's own passkeys; anybody else's looks unknown."""
    return WebAuthnCredential.objects.filter(user=user, pk=pk).first()


def has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def attachment_of(credential: WebAuthnCredential) -> str:
    info = getattr(credential, "portal_info", None)
    return info.attachment if info else Attachment.CROSS_PLATFORM


def _suffix(attachment: str) -> str:
    return "platform" if attachment == Attachment.PLATFORM else "roaming"


def register_begin(*, request: HttpRequest, user=None) -> dict:
    """Creation options for `user` (default: the signed-in user; the
    password-setting page passes the user its link names)."""
    options, state = helper(request).register_begin(user=user or request.user)
    request.session[REGISTER_STATE] = {**state, "user": (user or request.user).pk}
    return options


@transaction.atomic
def register_complete(*, request: HttpRequest, data: dict, name: str = "", user=None,
                      record: bool = True) -> WebAuthnCredential:
    """Verify the browser's answer and store the passkey (§3.2.10 row unless
    `record` is False: the password-setting page writes its own §3.2.28 row).
    Raises ValueError with a reason a person can read."""
    state = request.session.pop(REGISTER_STATE, None)
    request.session.save()  # a state is never used twice
    user = user or request.user
    if not state or state.get("user") != user.pk:
        raise ValueError("no registration was started")
    try:
        credential = helper(request).register_complete(user=user, state=state, data=data)
    except Exception as exc:  # py_webauthn raises many kinds for a bad answer
        raise ValueError(f"the passkey was not accepted: {str(exc)[:200]}") from exc
    attachment = (Attachment.PLATFORM if data.get("authenticatorAttachment") == "platform"
                  else Attachment.CROSS_PLATFORM)
    PasskeyInfo.objects.create(credential=credential, attachment=attachment)
    credential.name = (name.strip() or default_name(attachment))[:NAME_MAX]
    credential.save(update_fields=["name"])
    if record:
        operation_log(f"passkey_add_{_suffix(attachment)}", account=user.account, actor=user,
                      request=request)
    return credential


def default_name(attachment: str) -> str:
    return "端末内蔵" if attachment == Attachment.PLATFORM else "セキュリティキー"


def passkey_rename(*, credential: WebAuthnCredential, name: str, request: HttpRequest) -> None:
    credential.name = name.strip()[:NAME_MAX]
    credential.save(update_fields=["name"])
    operation_log("passkey_rename", account=credential.user.account, actor=request.user,
                  request=request)


@transaction.atomic
def passkey_delete(*, credential: WebAuthnCredential, request: HttpRequest) -> None:
    key = f"passkey_delete_{_suffix(attachment_of(credential))}"
    account, actor = credential.user.account, request.user
    credential.delete()
    operation_log(key, account=account, actor=actor, request=request)


def authenticate_begin(*, request: HttpRequest, user=None) -> dict:
    """Options for an assertion: any discoverable passkey (no user), or the
    given user's passkeys (second factor)."""
    options, state = helper(request).authenticate_begin(
        user=user, require_user_verification=user is None)
    request.session[AUTH_STATE] = state
    return options


class Assertion(NamedTuple):
    """A verified passkey (`credential`), or a failure with the user the
    passkey claims to belong to (None when it names nobody we know)."""

    credential: WebAuthnCredential | None
    claimed_user: object | None = None


def authenticate_complete(*, request: HttpRequest, data: dict, user=None) -> Assertion:
    state = request.session.pop(AUTH_STATE, None)
    request.session.save()  # a challenge is never answered twice
    claimed = _claimed_user(data) if user is None else user
    if not state:
        return Assertion(None, claimed)
    try:
        credential = helper(request).authenticate_complete(user=user, state=state, data=data)
    except Exception:  # unknown or removed credential, bad signature, wrong origin...
        return Assertion(None, claimed)
    if not credential.confirmed:
        return Assertion(None, credential.user)
    return Assertion(credential, credential.user)


def _claimed_user(data: dict):
    """The account a failed assertion was for: the userHandle the
    authenticator returns (it outlives a removed credential)."""
    try:
        handle = base64url_to_bytes(data["response"]["userHandle"])
    except (KeyError, TypeError, ValueError):
        return None
    return WebAuthnUserHandle.get_user_by_handle(handle)


def password_fido_part(user) -> str:
    """What FIDO adds to an ID/password login under the account's policy:
    "" nothing, "second" a passkey must follow, "either" (pattern 10: the
    user could have used a passkey instead), "only" the password is refused.
    A user without a passkey yet signs in as before and registers one at
    /me/passkeys/ (else FIDO-only would lock everybody out)."""
    from .policy import login_policy_get

    mode = login_policy_get(account=user.account).fido
    if mode == "off" or not has_passkey(user):
        return ""
    return {"second_factor": "second", "either": "either", "only": "only"}[mode]
