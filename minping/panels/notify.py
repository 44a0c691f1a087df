"""Invitation text messages, sent through the surveys app's SMS backend (``surveys.sms``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from minping.campaigns.models import Method
from minping.panels.actions import Letter
from minping.panels.letters import Letterhead
from minping.surveys import sms
from minping.surveys.tokens import format_code


def invitation_text(
    method: Method, letter: Letter, head: Letterhead, *, url: str, code_url: str
) -> str:
    """One message: who asks, what for, the link, the code, the closing day, whom to call."""
    unit = f",评价{letter.unit}" if letter.unit else ""
    return (
        f"【{head.issuer}】您被随机抽选参加“{method.campaign.title}”问卷调查{unit}"
        f"(不记名)。请于{letter.expires.month}月{letter.expires.day}日前打开 {url} 填写,"
        f"或在 {code_url} 输入邀请码 {format_code(letter.code)}。"
        f"核实电话:{head.verify_phone}。"
    )


def send_invitations(
    method: Method,
    letters: Sequence[Letter],
    head: Letterhead,
    *,
    link: Callable[[str], str],
    code_url: str,
) -> list[Letter]:
    """Send each letter as a text message; returns the ones the gateway did not take."""
    backend = sms.backend()
    failed = []
    for letter in letters:
        text = invitation_text(method, letter, head, url=link(letter.token), code_url=code_url)
        try:
            backend.send(letter.phone, text)
        except sms.SmsFailed:
            failed.append(letter)
    return failed
