"""The setting ``answer_other_languages`` reaches the policy that refuses or searches a message in another language
than the help centre's (``OtherLanguagePolicy``): a team with a multilingual embedder can keep the refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import Assistant
from assistant.config import load_settings
from dialog.policies import OtherLanguagePolicy


def other_language_policy(app: Assistant) -> OtherLanguagePolicy:
    return next(policy for policy in app.manager.policies if isinstance(policy, OtherLanguagePolicy))


@pytest.mark.parametrize("setting", [True, False])
def test_the_setting_reaches_the_other_language_policy(tmp_path: Path, setting: bool) -> None:
    app = Assistant(load_settings(data_dir=tmp_path / "data", embedder="hash", generator="scripted", answer_other_languages=setting))

    assert other_language_policy(app).answer_other_languages is setting


def test_it_is_on_by_default(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path / "data").answer_other_languages is True
