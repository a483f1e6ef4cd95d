"""One Chromium tab for the login-method tests: a virtual authenticator
(CDP WebAuthn: ctap2, resident keys, user verification) that keeps its
passkeys across navigations, and optionally a device certificate (PKCS#12)
presented to the TLS proxy. `forget()` signs out but keeps the browser
cookie, so an approved browser stays approved."""
import os
import re
from typing import NamedTuple

from django.core.management import call_command

from tests.conftest import PASSWORD
from tests.loginmethods.conftest import api_rows

SHOTS = os.environ.get("SCREENSHOT_DIR", "")
HOME = re.compile(r":\d+/$")  # the home page, not /login/
DETAIL = re.compile(r"^(?P<text>.+)\[(?P<ip>[0-9a-f.:]+) (?P<os>[^\]]+)\]$")


class LoginRow(NamedTuple):
    """The newest login history row as the API serves it: its result and
    the detail's text and OS (the detail ends "[ip os]")."""

    result: str
    text: str
    os: str


def last_login(reader) -> LoginRow:
    row = api_rows(reader)[0]
    match = DETAIL.match(row["detail"])
    assert match, row
    return LoginRow(row["result"], match["text"], match["os"])


def logins_per_fido_mode(tab, reader, account_id: str, expected: dict[str, str]) -> None:
    """For each --fido mode in turn: set it, sign in the way it asks, and
    read the detail text the login history records."""
    for mode, text in expected.items():
        call_command("set_login_policy", account_id, "--fido", mode)
        tab.forget()
        if mode == "second_factor":
            tab.password_login()
            tab.page.click("button:has-text('パスキーで確認')")
        else:
            tab.passkey_login()
        tab.page.wait_for_url(HOME)
        assert last_login(reader).text == text, mode


class Tab:
    def __init__(self, browser, site, *, width=1440, passkeys=True, transport="internal",
                 p12=None, password="", console_errors=True):
        self.site = site
        certificates = ([{"origin": site, "pfxPath": str(p12), "passphrase": password}]
                        if p12 else [])
        self.context = browser.new_context(
            locale="ja-JP", viewport={"width": width, "height": 900},
            ignore_https_errors=site.startswith("https:"), client_certificates=certificates)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.errors = []
        if console_errors:
            self.page.on("console", lambda m: self.errors.append(m.text)
                         if m.type == "error" and not m.text.startswith("Failed to load")
                         else None)
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}")
                     if r.status >= 500 else None)
        if passkeys:
            self.cdp = self.context.new_cdp_session(self.page)
            self.cdp.send("WebAuthn.enable")
            self.authenticator = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
                "protocol": "ctap2", "transport": transport, "hasResidentKey": True,
                "hasUserVerification": True, "isUserVerified": True,
                "automaticPresenceSimulation": True}})["authenticatorId"]

    def credentials(self):
        return self.cdp.send("WebAuthn.getCredentials",
                             {"authenticatorId": self.authenticator})["credentials"]

    def goto(self, path):
        self.page.goto(f"{self.site}{path}")

    def password_login(self, user="bob"):
        self.goto("/login/")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("form.login button[type=submit]")

    def register_passkey(self, name):
        self.goto("/me/passkeys/")
        self.page.fill("#passkey-name", name)
        self.page.click("button:has-text('パスキーを登録')")
        self.page.wait_for_selector(f"#passkeys input[value='{name}']")

    def passkey_login(self):
        self.goto("/login/")
        self.page.click("button:has-text('パスキーでログイン')")

    def forget(self):
        """Sign out without losing the browser cookie (the approved browser)."""
        keep = [c for c in self.context.cookies() if c["name"] == "sc_browser"]
        self.context.clear_cookies()
        if keep:
            self.context.add_cookies(keep)

    def shot(self, name):
        if SHOTS:
            self.page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)

    def fits(self) -> bool:
        return self.page.evaluate(
            "(m => m.scrollWidth <= m.clientWidth)(document.querySelector('main'))")

    def close(self):
        self.context.close()
