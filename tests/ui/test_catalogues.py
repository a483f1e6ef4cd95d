"""The Japanese catalogues are complete: every UI string of the templates and
the Python code has a Japanese translation, and no entry is empty or fuzzy.

English is the source language (the msgids), so "complete English" means no
Japanese in an English page; tests/ui/test_english_pages.py checks that.
"""
import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "audit", "ingest", "portal", "provisioning", "syslogcloud", "alerts",
        "trace")
# Names that read the same in Japanese.
SAME_IN_JAPANESE = {"Syslog@Cloud", "VLAN", "OS", "Mbps", "ID", "SCIM", "OpenID", "CSV",
                    "URL", "IP", "POPCHAT@Cloud", "FIDO", "Active Directory", "Webhook"}

_TEMPLATE_TAG = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<id>.+?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<ctx>.+?)(?P=cq))?""")
_BLOCK = re.compile(r"\{%\s*blocktrans(?:late)?(?P<args>[^%]*)%\}(?P<id>.*?)"
                    r"\{%\s*endblocktrans(?:late)?\s*%\}", re.S)
_PY_CALL = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|gettext_noop)\(\s*(?P<q>["'])(?P<id>(?:(?!(?P=q)).)+)(?P=q)\s*[,)]""")
_PY_CONTEXT = re.compile(
    r"""\bpgettext(?:_lazy)?\(\s*["'](?P<ctx>[^"']+)["']\s*,\s*(?P<q>["'])(?P<id>(?:(?!(?P=q)).)+)(?P=q)""")


def _source_files():
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "templates").rglob("*.txt")
    for app in APPS:
        if (ROOT / app).is_dir():
            yield from (p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)
            yield from (ROOT / app).rglob("templates/**/*.html")


def ui_strings() -> set[tuple[str | None, str, str]]:
    """(context, msgid, where) of every marked string."""
    found = set()
    for path in _source_files():
        text = path.read_text()
        rel = str(path.relative_to(ROOT))
        if path.suffix == ".py":
            for m in _PY_CALL.finditer(text):
                found.add((None, m["id"], rel))
            for m in _PY_CONTEXT.finditer(text):
                found.add((m["ctx"], m["id"], rel))
            continue
        for m in _TEMPLATE_TAG.finditer(text):
            found.add((m["ctx"], m["id"], rel))
        for m in _BLOCK.finditer(text):
            # A plural block's msgid is its singular part.
            singular = re.split(r"\{%\s*plural\s*%\}", m["id"])[0]
            msgid = re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", singular)
            if "trimmed" in m["args"]:
                msgid = " ".join(msgid.split())
            ctx = re.search(r"""context\s+["']([^"']+)["']""", m["args"])
            found.add((ctx[1] if ctx else None, msgid, rel))
    return found


def _untranslated() -> list[str]:
    missing = []
    with translation.override("ja"):
        for ctx, msgid, where in sorted(ui_strings(), key=lambda t: (t[2], t[1])):
            if msgid in SAME_IN_JAPANESE or not re.search(r"[A-Za-z]{2}", msgid):
                continue
            text = translation.pgettext(ctx, msgid) if ctx else translation.gettext(msgid)
            if text == msgid:
                missing.append(f"{where}: {msgid!r}" + (f" (context {ctx!r})" if ctx else ""))
    return missing


def test_every_ui_string_has_a_japanese_translation():
    missing = _untranslated()
    assert missing == [], "untranslated:\n" + "\n".join(missing)


def _po_entries(path: Path):
    """(flags, msgid, msgstr) of each entry, from the .po text."""
    entry = {"flags": "", "msgid": "", "msgstr": ""}
    field = None
    for line in path.read_text().splitlines() + [""]:
        if not line.strip():
            if field:
                yield entry
            entry, field = {"flags": "", "msgid": "", "msgstr": ""}, None
        elif line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgstr ", "msgctxt ", "msgid_plural ", "msgstr[")):
            key, _sp, rest = line.partition(" ")
            field = "msgstr" if key.startswith("msgstr") else key
            entry[field] = entry.get(field, "") + rest.strip()[1:-1]
        elif line.startswith('"') and field:
            entry[field] = entry.get(field, "") + line.strip()[1:-1]


CATALOGUES = sorted(ROOT.glob("*/locale/ja/LC_MESSAGES/django.po")) + [
    ROOT / "locale/ja/LC_MESSAGES/django.po"]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT).parts[0]))
def test_no_catalogue_entry_is_empty_or_fuzzy(po):
    bad = [e["msgid"] for e in _po_entries(po)
           if e["msgid"] and ("fuzzy" in e["flags"] or not e["msgstr"])]
    assert bad == [], f"{po}: untranslated or fuzzy: {bad}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT).parts[0]))
def test_every_catalogue_is_compiled(po):
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, \
        f"{mo} is older than {po}: run `make messages`"
