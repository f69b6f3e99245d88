"""The uvicorn server of `assistant serve`, which stops at once while chat pages are open.

Each open page (the chat page, the review pages) keeps a stream to its Gradio app open while it is shown
(``/gradio_api/heartbeat/…``), which carries nothing but "still here". uvicorn's graceful shutdown waits for
every response under way, so a stopped server waited the whole grace period for those streams and kept the
data folder's spool meanwhile: a new server started at once stopped on the spool lock. Gradio ends these
streams when its app's ``stop_event`` is set, which it does only at the very end (its lifespan's shutdown,
after the grace period). ``QuickStopServer`` sets it as the shutdown begins, so the grace period waits only
for what is really under way: a turn being answered (its ``/gradio_api/queue/data`` stream ends when the
answer is sent, after the turn is stored) and HTTP API requests.

It also makes a call to a page's endpoints with wrong arguments (``gradio_client``'s ``predict`` with a string
where the page takes a chat history, too few values) one warning line and a clear error for the caller
(``refuse_malformed_calls``): Gradio printed each one's whole traceback, so anyone could fill the server's log.
The lines are throttled too (``RefusalLog``): an endpoint's first refusal, then at most one a minute with a count
of those left out. Only what fails Gradio's checks of the arguments, before any handler runs, is shortened: an error of a handler,
or any other error of the server, still logs its traceback.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr
import uvicorn
from pydantic import ValidationError
from starlette.routing import Mount
from starlette.types import ASGIApp

log = logging.getLogger(__name__)


def gradio_apps(app: ASGIApp) -> list[object]:
    """The Gradio apps mounted on ``app`` (anything mounted with a ``stop_event``, as Gradio's ``App`` has)."""
    routes = getattr(app, "routes", None) or []
    return [route.app for route in routes if isinstance(route, Mount) and hasattr(route.app, "stop_event")]


def end_open_page_streams(app: ASGIApp) -> int:
    """Set the ``stop_event`` of each Gradio app on ``app`` (run in the server's event loop): the streams that
    open pages hold end now, with no turn under way cut short. How many apps were told."""
    apps = gradio_apps(app)
    for gradio_app in apps:
        gradio_app.stop_event.set()  # type: ignore[attr-defined]
    return len(apps)


class RefusalLog:
    """The warning lines of refused calls, per endpoint: the first one, then at most one every ``every_s`` seconds,
    which says how many were left out since the line before (a caller repeating a wrong call cannot fill the log)."""

    def __init__(self, every_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every_s, self.clock = every_s, clock
        self._last: dict[str, float] = {}  # when each endpoint's last line was written (one entry per endpoint)
        self._left_out: dict[str, int] = {}
        self._lock = threading.Lock()

    def warning(self, endpoint: str, message: str, *args: Any) -> None:
        """Log ``message % args`` for a refused call to ``endpoint``, unless a line for it was written less than
        ``every_s`` seconds ago (then it is only counted)."""
        with self._lock:
            now, last = self.clock(), self._last.get(endpoint)
            if last is not None and now - last < self.every_s:
                self._left_out[endpoint] = self._left_out.get(endpoint, 0) + 1
                return
            self._last[endpoint] = now
            left_out = self._left_out.pop(endpoint, 0)
        if left_out:
            message += f" (and {left_out} more refused calls to {endpoint} since the last line, not logged)"
        log.warning(message, *args)


def _endpoint(block_fn: Any) -> str:
    return f"/{block_fn.api_name}" if getattr(block_fn, "api_name", None) else "an endpoint"


def _wrong_arguments(block_fn: Any, reason: str, refusals: RefusalLog) -> gr.Error:
    """The error a caller with wrong arguments gets (no traceback in the log), after a warning line (``refusals``)."""
    endpoint = _endpoint(block_fn)
    refusals.warning(endpoint, "refused a call to %s with wrong arguments: %s", endpoint, reason)
    return gr.Error(
        f"Wrong arguments for {endpoint}: {reason}. Client.view_api() lists the arguments it takes.", print_exception=False
    )


def _failing_position(block_fn: Any, inputs: Sequence[Any]) -> int | None:
    """The first of ``inputs`` its component's data model does not accept, as Gradio checks them; None: none found."""
    for position, (block, value) in enumerate(zip(block_fn.inputs, inputs)):
        data_model = getattr(block, "data_model", None)
        if data_model is None or getattr(block, "stateful", False) or value is None:
            continue
        if position in getattr(block_fn, "component_prop_inputs", ()) and isinstance(value, dict):
            value = value.get("value")
        try:
            data_model.model_validate(value, context={"validate_meta": True})
        except Exception:  # noqa: BLE001 - a ValidationError, or a value it cannot even check: this one failed
            return position
    return None


def _invalid_value(block_fn: Any, inputs: Sequence[Any], error: ValidationError) -> str:
    """Which argument did not validate, and why, on one line: 'argument 1 (Chatbot): Input should be a valid list (got int)'."""
    position = _failing_position(block_fn, inputs)
    where = f"argument {position + 1} ({type(block_fn.inputs[position]).__name__})" if position is not None else error.title
    problems = "; ".join(f"{problem['msg']} (got {type(problem['input']).__name__})" for problem in error.errors()[:3])
    return f"{where}: {problems}"


def refuse_malformed_inputs(blocks: Any, refusals: RefusalLog | None = None) -> None:
    """Make the arguments that fail Gradio's own checks in ``blocks`` (too few values, a value its component does
    not accept) a warning line (``refusals``: throttled per endpoint) and a ``gr.Error`` saying what is wrong,
    instead of a traceback in the log."""
    check_count, preprocess = blocks.validate_inputs, blocks.preprocess_data
    refusals = refusals or RefusalLog()

    def validate_inputs(block_fn: Any, inputs: Sequence[Any]) -> None:
        if len(inputs) < len(block_fn.inputs):
            raise _wrong_arguments(block_fn, f"needed {len(block_fn.inputs)} arguments, got {len(inputs)}", refusals)
        check_count(block_fn, inputs)

    async def preprocess_data(block_fn: Any, inputs: list[Any], state: Any, explicit_call: bool = False) -> Any:
        try:
            return await preprocess(block_fn, inputs, state, explicit_call)
        except ValidationError as error:
            raise _wrong_arguments(block_fn, _invalid_value(block_fn, inputs, error), refusals) from None
        except gr.Error as error:  # a component refusing a value (a choice it does not offer)
            if error.print_exception:
                endpoint = _endpoint(block_fn)
                refusals.warning(endpoint, "refused a call to %s: %s", endpoint, " ".join(str(error).split())[:300])
                error.print_exception = False
            raise

    blocks.validate_inputs = validate_inputs
    blocks.preprocess_data = preprocess_data


def refuse_malformed_calls(app: ASGIApp) -> int:
    """``refuse_malformed_inputs`` for each Gradio app mounted on ``app``; how many there were."""
    apps = gradio_apps(app)
    for gradio_app in apps:
        refuse_malformed_inputs(gradio_app.get_blocks())  # type: ignore[attr-defined]
    return len(apps)


class QuickStopServer(uvicorn.Server):
    """uvicorn's server, ending the open pages' streams as its shutdown begins (``end_open_page_streams``), and
    refusing malformed calls to the pages with a line in the log, not a traceback (``refuse_malformed_calls``)."""

    def __init__(self, config: uvicorn.Config, web_app: ASGIApp) -> None:
        super().__init__(config)
        self.web_app = web_app
        refuse_malformed_calls(web_app)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        told = end_open_page_streams(self.web_app)
        log.debug("ended the open pages' streams of %d Gradio app(s)", told)
        await super().shutdown(sockets)
