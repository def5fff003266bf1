"""The UI's filter form: query-string parameters in, an `EventFilter` and what the form shows out.

The parameter names are the HTTP API's (`since`, `until`, `country`, `admin1`, `actor`, `sector`,
`type`, `status`, `min_sources`, `bbox`, `text`, `level`), so a page's address and the API call
behind it read alike; `size` and `interval` only steer the map and the timeline. A value that
cannot be read is reported against its field and the page shows no results rather than results
of a filter the analyst did not ask for.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tacitus.errors import InputError
from tacitus.store.query import INTERVALS, LEVELS, EventFilter, parse_bbox

from .charts import SIZE_MEASURES

FILTER_FIELDS = (
    "since", "until", "country", "admin1", "actor", "sector", "type", "status", "min_sources", "bbox", "text",
    "level",
)
VIEW_FIELDS = ("size", "interval")


@dataclass
class FilterForm:
    """The values as typed (for the form and for links), the filter they make, and per-field errors."""

    values: dict[str, str]
    filter: EventFilter
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> str:
        return self.values.get("size") or SIZE_MEASURES[0]

    @property
    def interval(self) -> str | None:
        return self.values.get("interval") or None

    @property
    def active(self) -> bool:
        """Whether any event filter (not a view setting) is set."""
        return any(self.values.get(name) for name in FILTER_FIELDS if name != "level")

    def query(self, **changes: str | None) -> str:
        """This form's query string with some fields changed (None or "" drops a field), for links."""
        values = {**self.values, **{k.rstrip("_"): v for k, v in changes.items()}}
        kept = [(k, v) for k in (*FILTER_FIELDS, *VIEW_FIELDS) if (v := values.get(k))]
        return urlencode(kept)


def _date(name: str, text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InputError(name, f"must be a date (YYYY-MM-DD), not {text!r}") from None


def _joined(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Repeated parameters (a multiple select sends type=A&type=B) joined by commas, blanks dropped."""
    pairs = params.items() if isinstance(params, Mapping) else params
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        value = value.strip()
        if value:
            values.setdefault(key, []).append(value)
    return {key: ",".join(parts) for key, parts in values.items()}


def read_form(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> FilterForm:
    """The filter that the query parameters describe; bad fields are listed in `errors`, not raised."""
    raw = _joined(params)
    values = {k: raw[k] for k in (*FILTER_FIELDS, *VIEW_FIELDS) if k in raw}
    errors: dict[str, str] = {}
    settings: dict[str, object] = {}
    for name in ("since", "until"):
        if name in values:
            try:
                settings[name] = _date(name, values[name])
            except InputError as error:
                errors[name] = error.reason
    if "min_sources" in values:
        try:
            settings["min_sources"] = int(values["min_sources"])
        except ValueError:
            errors["min_sources"] = f"must be a whole number, not {values['min_sources']!r}"
    if "bbox" in values:
        try:
            settings["bbox"] = parse_bbox(values["bbox"])
        except InputError as error:
            errors["bbox"] = error.reason
    for name in ("country", "admin1", "actor", "sector", "type", "status", "text"):
        if name in values:
            settings[name] = values[name]
    level = values.get("level", LEVELS[0])
    if level not in LEVELS:
        errors["level"] = f"must be one of {', '.join(LEVELS)}, not {level!r}"
    else:
        settings["level"] = level
    if values.get("size", SIZE_MEASURES[0]) not in SIZE_MEASURES:
        errors["size"] = f"must be one of {', '.join(SIZE_MEASURES)}, not {values['size']!r}"
    if values.get("interval", INTERVALS[0]) not in INTERVALS:
        errors["interval"] = f"must be one of {', '.join(INTERVALS)}, not {values['interval']!r}"
    flt = EventFilter(**settings)  # type: ignore[arg-type]
    if not errors:
        try:
            flt = flt.validated()
        except InputError as error:
            errors[error.source] = error.reason
    return FilterForm(values, flt, errors)
