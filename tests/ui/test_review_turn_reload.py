"""The label form reloads a turn's labels only when the reviewer picks a turn: leaving the Turn drop-down
(Tab, a click elsewhere) changes nothing, so it must not reload the form and reset what the reviewer was typing."""

from __future__ import annotations

from assistant.app import Assistant
from ui.review import ReviewPage


def _events_of(page, elem_id: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Each event of the component ``elem_id`` with the names of the functions it runs."""
    ids = {block._id for block in page.blocks.values() if getattr(block, "elem_id", None) == elem_id}
    events: dict[str, list[str]] = {}
    for fn in page.fns.values():
        for target_id, event in fn.targets:
            if target_id in ids and fn.fn is not None:
                events.setdefault(event, []).append(getattr(fn.fn, "__name__", ""))
    return events


def test_only_another_turn_reloads_its_labels_not_leaving_the_drop_down(assistant: Assistant) -> None:
    review = ReviewPage(
        assistant.store.engine, assistant.store, export_dir=assistant.settings.data_dir / "review", passage_text=assistant.passage_text
    )
    events = _events_of(review.build(), "review-turn")
    # Gradio's Dropdown sends "input" on every blur as well, the turn unchanged: a late reply reset the radios
    assert "turn_labels" not in events.get("input", [])
    # "change" only when the value changes, picked with the mouse or the keyboard ("select" is not sent for Enter)
    assert events.get("change") == ["turn_labels"]
