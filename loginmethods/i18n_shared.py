"""Strings of this app's additions to shared files (templates/accounts/me.html,
security.html, accounts/forms_auth.py) listed here so `makemessages` keeps
their Japanese in this app's catalogue; nothing imports this module."""
from django.utils.translation import gettext_noop

SHARED_STRINGS = [
    gettext_noop("Manage passkeys"),
    gettext_noop("FIDO setting, browser restriction and device authentication"),
    gettext_noop("Device certificates"),
    gettext_noop("This device is not registered for this account. Sign in from a device with "
                 "the account's device certificate installed."),
    gettext_noop("This account signs in with a passkey only: use “Sign in with a passkey”."),
    gettext_noop("The passkey was not accepted."),
    gettext_noop("This account does not allow signing in with a passkey alone. Enter your user "
                 "ID and password first."),
    gettext_noop("This browser is not approved for this account yet. An application was sent to "
                 "your administrator; sign in again once it is approved."),
    gettext_noop("This browser's application is still waiting for your administrator's "
                 "approval."),
    gettext_noop("This browser cannot be applied for: you already have as many browsers as the "
                 "account allows. Ask your administrator to delete one."),
]
