"""The quality gate's arithmetic: floors, ceilings, and refusing to lower a floor."""

from __future__ import annotations

import json
from pathlib import Path

from tacitus.evaluate.gate import SETS, check, load_floors, record


def test_check_floors_and_ceilings() -> None:
    floors = {"plover.accuracy": 0.5, "seed.events_in_output": 45, "gold.event_f1": 0.6}
    figures = {"plover.accuracy": 0.49, "seed.events_in_output": 46}
    breaches = {b.figure: b for b in check(figures, floors)}
    assert set(breaches) == {"plover.accuracy", "seed.events_in_output", "gold.event_f1"}
    assert breaches["gold.event_f1"].value is None
    assert "ceiling" in str(breaches["seed.events_in_output"])
    assert check({"plover.accuracy": 0.5, "seed.events_in_output": 45, "gold.event_f1": 0.7}, floors) == []


def test_record_raises_but_never_lowers_without_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"note": "mine", "floors": {"a.x": 0.5, "seed.events_in_output": 45}}))
    refused = record({"a.x": 0.4, "b.y": 0.7, "seed.events_in_output": 50}, path)
    assert len(refused) == 2
    assert load_floors(path) == {"a.x": 0.5, "b.y": 0.7, "seed.events_in_output": 45}
    assert json.loads(path.read_text())["note"] == "mine"
    assert record({"a.x": 0.4}, path, allow_lower=True) == []
    assert load_floors(path)["a.x"] == 0.4


def test_recorded_floors_leave_room_for_the_last_digits(tmp_path: Path) -> None:
    path = tmp_path / "floors.json"
    record({"a.x": 0.8297, "geo.median_error_km": 38.7, "seed.events_in_output": 44}, path)
    assert load_floors(path) == {"a.x": 0.82, "geo.median_error_km": 40.0, "seed.events_in_output": 44.0}
    # a median of no error at all still leaves room: the ceiling is the next multiple of 5 above
    other = tmp_path / "other.json"
    record({"geo.median_error_km": 0.0}, other)
    assert load_floors(other) == {"geo.median_error_km": 5.0}


def test_shipped_floors_cover_every_set() -> None:
    prefixes = {name.split(".")[0] for name in load_floors()}
    assert prefixes == set(SETS)
