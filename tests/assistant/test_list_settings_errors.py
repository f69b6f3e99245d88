"""A list setting from the environment that starts like a JSON list but is none ("[abc") is refused with what to
write instead and the setting's name; it said only "Expecting value: line 1 column 2 (char 1)"."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_settings


def test_a_broken_json_list_names_the_setting_and_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_STAFF_API_KEYS", "[abc")

    with pytest.raises(Exception) as refused:
        load_settings(data_dir=tmp_path / "data")

    told = str(refused.value)
    assert "staff_api_keys" in told.lower() and "not a JSON list" in told and 'write ["first", "second"]' in told


def test_a_comma_separated_list_and_a_json_list_still_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_REDACT_KINDS", "email,phone")
    assert load_settings(data_dir=tmp_path / "data").redact_kinds == ["email", "phone"]
    monkeypatch.setenv("ASSISTANT_REDACT_KINDS", '["email"]')
    assert load_settings(data_dir=tmp_path / "data").redact_kinds == ["email"]
