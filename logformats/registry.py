"""The one list of POPCHAT log types (SPEC §3, manual §8).

Adding a type means: a format module here (its `LAYOUT`), one line below,
its Django model in `ingest/models.py` and a migration. Everything else —
`logformats.LOG_TYPES`/`FORMATS`, the syslog APP-NAMEs the collector accepts,
`ingest.models.LOG_MODELS` and `time_field`, the portal's type names — is
derived from this tuple. Pure Python, no Django.
"""
from types import ModuleType
from typing import NamedTuple

from logformats import active, activeuser, auth, control, dhcp, mail, session, traffic


class LogType(NamedTuple):
    """One log type: its word, format module, the field that places a record
    in a day or month, and the name of its Django model in `ingest.models`."""

    name: str
    module: ModuleType
    time_field: str
    model_name: str

    @property
    def app_name(self) -> str:
        """The syslog APP-NAME a gateway sends it with (or `popchat` + this MSGID)."""
        return f"popchat-{self.name}"


# In the manual's order, which is also the order of the screens' type lists.
REGISTRY: tuple[LogType, ...] = (
    LogType("auth", auth, "start", "AuthLog"),
    LogType("active", active, "start", "ActiveLog"),
    LogType("control", control, "at", "ControlLog"),
    LogType("dhcp", dhcp, "at", "DhcpLog"),
    LogType("session", session, "at", "SessionLog"),
    LogType("traffic", traffic, "at", "TrafficLog"),
    LogType("mail", mail, "at", "MailLog"),
    LogType("activeuser", activeuser, "at", "ActiveUserLog"),
)
