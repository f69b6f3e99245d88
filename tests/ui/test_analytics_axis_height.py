"""The Analytics tab's charts of turns are drawn at a height the page sets, and their y axes are made for it: Vega-Lite
draws a tick about every 40 px of a chart's height, so an axis from 0 to fewer turns than that had steps of 0.5."""

from __future__ import annotations

import math

import gradio as gr
import pandas as pd

from assistant.app import Assistant
from ui.analytics import count_axis
from ui.review import ReviewPage


def test_the_count_charts_are_drawn_at_a_set_height_and_their_axes_follow_it(assistant: Assistant, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Before, the charts took Gradio's default height, the axes 5 turns (that height's ticks): a later Gradio drawing
    # them higher would have made steps of 0.5 again
    assistant.manager.handle(None, "How long do password reset links work?")
    review = ReviewPage(
        assistant.store.engine, assistant.store, tmp_path / "review", analytics=assistant.analytics
    )
    charts = {block.elem_id: block for block in review.build().blocks.values() if isinstance(block, gr.BarPlot)}
    _rates, volume, _latency, intents, *_ = review.show_analytics("", "")
    for chart_id, update in (("analytics-volume", volume), ("analytics-intents", intents)):
        height = charts[chart_id].height
        assert height is not None, chart_id  # not Gradio's default
        assert update["y_lim"] == [0, math.ceil(height / 40)], chart_id  # as many turns as ticks at most: whole steps


def test_a_higher_chart_gets_an_axis_to_more_turns() -> None:
    few = pd.Series([2, 1])
    assert count_axis(few, 200) == [0, 5]
    assert count_axis(few, 600) == [0, 15]  # 15 ticks: to 5 turns they were steps of 0.5
    assert count_axis(pd.Series([40, 3]), 600) == [0, None]  # enough turns: the chart's own top, whole steps
