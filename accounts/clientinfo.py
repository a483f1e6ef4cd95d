"""Who is on the other end of a request: client IP and OS for the histories."""
import ipaddress

from django.conf import settings
from django.http import HttpRequest
from user_agents import parse as parse_ua


def client_ip(request: HttpRequest | None) -> str:
    """REMOTE_ADDR, or the right-most address of TRUSTED_PROXY_HEADER when that
    setting names a header. Right-most: that is the address our own proxy
    appended; anything to its left came from the client and can be forged."""
    if request is None:
        return ""
    header = settings.TRUSTED_PROXY_HEADER
    if header:
        value = request.META.get(header, "")
        last = value.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "") or ""


def client_os(request: HttpRequest | None) -> str:
    """The OS named by the User-Agent, e.g. "Windows 10", "iOS 17.1", "Mac OS X
    10.15.7"; "Other" when user-agents cannot tell (the manual allows that)."""
    if request is None:
        return ""
    ua = parse_ua(request.META.get("HTTP_USER_AGENT", ""))
    return f"{ua.os.family} {ua.os.version_string}".strip()
