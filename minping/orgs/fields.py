"""The unit chooser every form shares: units by name (a window under its unit), searchable."""

from __future__ import annotations

from typing import Any

from django import forms

from minping.orgs.models import Unit


def unit_label(unit: Unit) -> str:
    """A unit as people name it; a window or station after the unit it belongs to."""
    names = [a.name for a in reversed(list(unit.ancestors()))]
    return " · ".join([*names, unit.name])


class UnitSelect(forms.Select):
    """A drop-down list that static/minping/select-filter.js gives a search box."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__({"data-search": "输入单位名称筛选", **(attrs or {})}, choices)


class UnitChoiceField(forms.ModelChoiceField):
    widget = UnitSelect

    def label_from_instance(self, obj: Any) -> str:
        return unit_label(obj)
