"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests."""
import re
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from tests.conftest import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def link(self, message) -> str:
        body = message.get_body(preferencelist=("plain",)).get_content()
        return re.search(r"https?://\S+/password/set/\S+/", body).group(0)


def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox
