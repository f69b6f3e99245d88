"""``assistant serve`` for a soak: the per-conversation expiries shortened, and a census of what stays in memory.

    .venv/bin/python benchmarks/soak_server.py --expire-minutes 8 --census /tmp/census.jsonl -- --port 7860

Benchmark only (no setting of the product): the four things a server keeps per conversation or tab are
forgotten after an hour unused (the chat page's per-tab state, ``ui.page_sessions.TAB_IDLE_LIMIT``; the outage
cache, ``assistant.store.spool.CACHE_IDLE_S``; slot values, ``dialog.slot_memory.TTL_S``, 30 minutes; rate
buckets once full again, a minute at 20/minute), so a soak would have to run for hours to show memory levelling
off. ``--expire-minutes`` makes the first three that many minutes, and a run of a few times that shows it. The
arguments after ``--`` go to ``assistant serve``; the process id to give ``benchmarks/soak.py --pid`` is this one.

Every ``--census-every`` seconds a line goes to ``--census``: resident memory, the bytes the C allocator has
handed out (glibc ``mallinfo2``), the resident memory of glibc's main heap and of its thread arenas (and how
many), Python's allocated blocks, the objects the garbage collector tracks (those
made since the server's ``gc.freeze()``) by type, the most numerous first, the tabs, cached conversations and
slot-memory conversations held, and, from ``--tracemalloc-after`` minutes on, the source lines whose live
allocations grew most since then (tracemalloc's own memory is reported, to subtract from the RSS).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import inspect
import json
import sys
import threading
import time
import tracemalloc
import weakref
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # the project's packages, not the benchmarks named like them (benchmarks/retrieval.py)

import assistant.malloc_arenas  # noqa: E402,F401  first, as the assistant command does: before gradio's threads start

HELD: dict[str, weakref.WeakSet[Any]] = {"tabs": weakref.WeakSet(), "cache": weakref.WeakSet(), "slots": weakref.WeakSet()}


def with_default(function: Any, name: str, value: Any) -> None:
    """Change the default of ``function``'s parameter ``name`` to ``value``."""
    names = [p.name for p in inspect.signature(function).parameters.values() if p.default is not inspect.Parameter.empty]
    defaults = list(function.__defaults__)
    defaults[names.index(name)] = value
    function.__defaults__ = tuple(defaults)


def registering(cls: type, kind: str) -> None:
    """Record every instance of ``cls`` made from now on in ``HELD[kind]``, for the census."""
    init = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        HELD[kind].add(self)

    __init__.__wrapped__ = init  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[method-assign]


def shorten_expiries(minutes: float) -> None:
    from assistant.store.spool import SpoolingStore
    from dialog.slot_memory import SlotMemory
    from ui.page_sessions import ExpiringStateHolder, forget_idle_tabs

    with_default(ExpiringStateHolder.__init__, "max_idle", timedelta(minutes=minutes))
    with_default(forget_idle_tabs, "max_idle", timedelta(minutes=minutes))
    with_default(SpoolingStore.__init__, "cache_idle_s", minutes * 60)
    with_default(SlotMemory.__init__, "ttl_s", minutes * 60)


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def malloc_in_use_mb() -> float | None:
    """Bytes glibc's allocator has handed out and not had back (small blocks and mmapped ones), in MB."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return None
    return round((info.uordblks + info.hblkhd) / 1e6, 1)


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return round(int(status.split("VmRSS:")[1].split()[0]) / 1024, 1)


def heap_regions() -> dict[str, float]:
    """Resident MB of glibc's main heap (``[heap]``) and of its thread arenas (anonymous 64 MiB-aligned mappings,
    one or more per arena), and how many of those there are, from ``/proc/self/smaps``."""
    kind, found = None, {"brk_heap_mb": 0.0, "thread_arena_heaps": 0, "thread_arenas_mb": 0.0}
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and ":" not in fields[0]:  # a mapping's first line: its address range, ..., its name
            start, name = int(fields[0].split("-")[0], 16), fields[5] if len(fields) > 5 else ""
            kind = "brk_heap_mb" if name == "[heap]" else "thread_arenas_mb" if not name and start % (64 << 20) == 0 else None
            found["thread_arena_heaps"] += kind == "thread_arenas_mb"
        elif fields[0] == "Rss:" and kind is not None:
            found[kind] += int(fields[1]) / 1024
    return {key: round(value, 1) for key, value in found.items()}


def census(started: float, tracemalloc_after: float | None, first: list[tracemalloc.Snapshot]) -> dict[str, Any]:
    minutes = (time.time() - started) / 60
    objects = gc.get_objects()  # the generations only: what was frozen at start-up is not in them
    types = Counter(type(o).__qualname__ for o in objects)
    row: dict[str, Any] = {
        "t_min": round(minutes, 1), "rss_mb": rss_mb(), "malloc_mb": malloc_in_use_mb(),
        **heap_regions(), "py_blocks": sys.getallocatedblocks(), "gc_objects": len(objects), "frozen": gc.get_freeze_count(),
        "tabs": sum(len(h.session_data) for h in HELD["tabs"]),
        "cached_conversations": sum(len(s._cache) for s in HELD["cache"]),
        "slot_conversations": sum(len(m._values) for m in HELD["slots"]),
        "types": dict(types.most_common(40)),
    }
    del objects
    if tracemalloc_after is not None and minutes >= tracemalloc_after:
        if not tracemalloc.is_tracing():
            tracemalloc.start(3)
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        if not first:
            first.append(snapshot)
        row["tracemalloc_mb"] = round(tracemalloc.get_tracemalloc_memory() / 1e6, 1)
        row["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 1e6, 1)
        row["grew_most"] = [
            {"where": str(stat.traceback), "kb": round(stat.size_diff / 1024), "blocks": stat.count_diff}
            for stat in snapshot.compare_to(first[0], "lineno")[:15]
        ]
        row["grew_most_traceback"] = [
            {"where": stat.traceback.format(), "kb": round(stat.size_diff / 1024)}
            for stat in snapshot.compare_to(first[0], "traceback")[:5]
        ]
    return row


def record(path: Path, every: float, tracemalloc_after: float | None) -> None:
    started, first = time.time(), []  # type: ignore[var-annotated]
    while True:
        time.sleep(every)
        try:
            row = census(started, tracemalloc_after, first)
        except Exception as error:  # noqa: BLE001 - a census that failed is a line, not a stopped server
            row = {"t_min": round((time.time() - started) / 60, 1), "error": repr(error)}
        with path.open("a") as out:
            out.write(json.dumps(row) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--expire-minutes", type=float, default=None, help="forget idle tabs, cached conversations and slot values after this long")
    parser.add_argument("--census", type=Path, default=None, help="JSON lines of what the process holds")
    parser.add_argument("--census-every", type=float, default=300)
    parser.add_argument("--tracemalloc-after", type=float, default=None, help="minutes; start tracing allocations then (it slows the server: turns took 2-3 times as long after it)")
    parser.add_argument("serve", nargs=argparse.REMAINDER, help="-- then the arguments of assistant serve")
    args = parser.parse_args()

    from assistant.store.spool import SpoolingStore
    from dialog.slot_memory import SlotMemory
    from ui.page_sessions import ExpiringStateHolder

    if args.expire_minutes is not None:
        shorten_expiries(args.expire_minutes)
    for cls, kind in ((ExpiringStateHolder, "tabs"), (SpoolingStore, "cache"), (SlotMemory, "slots")):
        registering(cls, kind)
    if args.census:
        threading.Thread(target=record, args=(args.census, args.census_every, args.tracemalloc_after), daemon=True,
                         name="soak-census").start()
    from assistant.cli import app

    sys.argv = ["assistant", "serve", *[a for a in args.serve if a != "--"]]
    app()


if __name__ == "__main__":
    main()
