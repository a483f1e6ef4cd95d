"""Wording of rules and notices in the rule's language.

Notices go to addresses, not to logged-in users, so their language is a
property of the rule (the language of the admin who saved it, or
`add_alert_rule --language`), not of a request. Pairs are (Japanese, English),
like `logformats.codes`."""
from __future__ import annotations

from datetime import datetime

from logformats.codes import CONTROL_KINDS

from .models import AlertEvent, AlertRule, Phase, RuleKind

LANGS = ("ja", "en")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def control_kind_label(code: str, lang: str) -> str:
    return _pick(CONTROL_KINDS.get(code, (code, code)), lang)


def rule_text(rule: AlertRule, lang: str = "ja") -> str:
    """e.g. 停止検知: 30分間受信なし（全ゲートウェイ）."""
    scope = (rule.gateway.gateway_id if rule.gateway_id
             else _pick(("全ゲートウェイ", "all gateways"), lang))
    if rule.kind == RuleKind.SILENT:
        fmt = ("停止検知: {m}分間受信なし（{scope}）", "Silent: nothing for {m} minutes ({scope})")
        return _pick(fmt, lang).format(m=rule.minutes, scope=scope)
    fmt = ("制御急増: {kind}が{m}分間に{n}件以上（{scope}）",
           "Control spike: {n} or more {kind} in {m} minutes ({scope})")
    return _pick(fmt, lang).format(kind=control_kind_label(rule.control_kind, lang),
                                   m=rule.minutes, n=rule.threshold, scope=scope)


def fmt_time(dt: datetime | None, lang: str) -> str:
    from audit.search import csv_time

    return csv_time(dt) if dt else _pick(("未受信", "never"), lang)


def silent_detail(*, last_seen: datetime | None, minutes: int) -> str:
    if last_seen is None:
        return f"未受信（{minutes}分以上）"
    return f"最終受信 {fmt_time(last_seen, 'ja')}（{minutes}分以上受信なし）"


def spike_detail(*, count: int, rule: AlertRule) -> str:
    return (f"{control_kind_label(rule.control_kind, 'ja')} {count}件 / "
            f"{rule.minutes}分（しきい値 {rule.threshold}件）")


def notice_subject(event: AlertEvent, phase: str, lang: str) -> str:
    gw = event.gateway
    if phase == Phase.OPENED:
        fmt = ("[Syslog@Cloud] 警報: {gw} {label} - {rule}",
               "[Syslog@Cloud] Alert: {gw} {label} - {rule}")
    else:
        fmt = ("[Syslog@Cloud] 復旧: {gw} {label} - {rule}",
               "[Syslog@Cloud] Recovered: {gw} {label} - {rule}")
    rule = rule_text(event.rule, lang) if event.rule else event.rule_text
    return " ".join(_pick(fmt, lang).format(gw=gw.gateway_id, label=gw.label, rule=rule).split())


def notice_body(event: AlertEvent, phase: str, lang: str) -> str:
    gw = event.gateway
    rule = rule_text(event.rule, lang) if event.rule else event.rule_text
    if phase == Phase.OPENED:
        head = _pick(("次のゲートウェイで警報が発生しました。",
                      "An alert was raised for this gateway."), lang)
    else:
        head = _pick(("次のゲートウェイの警報は復旧しました。",
                      "This gateway's alert has cleared."), lang)
    labels = [("ゲートウェイID", "Gateway ID"), ("ラベル", "Label"), ("ルール", "Rule"),
              ("最終受信日時", "Last seen"), ("発生日時", "Opened"), ("復旧日時", "Resolved"),
              ("詳細", "Detail")]
    values = [gw.gateway_id, gw.label, rule, fmt_time(event.last_seen, lang),
              fmt_time(event.opened_at, lang),
              fmt_time(event.resolved_at, lang) if event.resolved_at else "-", event.detail]
    lines = [head, ""]
    lines += [f"{_pick(k, lang)}: {v}" for k, v in zip(labels, values, strict=True)]
    footer = ("時刻はすべて日本時間（JST）です。", "All times are Japan Standard Time (JST).")
    lines += ["", _pick(footer, lang), "-- Syslog@Cloud"]
    return "\n".join(lines) + "\n"
