"""An ingest inside the server (the staff tab's Index again, kb_watch_s) hands back what the C allocator kept of it:
without that, glibc kept the freed embedding batches and index copies, and the server grew with each ingest."""

from __future__ import annotations

import logging
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.app import Assistant

ROOT = Path(__file__).resolve().parents[2]

# 3,200 blocks of 64 KB (below glibc's mmap threshold, so from the heap, as the embedding batches' buffers are),
# written to so that they are resident, then all freed but the last (which pins the top of the heap, so free()
# alone cannot shrink it); prints the resident MB before and after release_freed_memory.
FREED_HEAP = """
import ctypes
from pathlib import Path
from assistant.malloc_arenas import release_freed_memory
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
def rss_mb():
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) / 1024
blocks = [libc.malloc(65536) for _ in range(3200)]
for block in blocks:
    ctypes.memset(block, 1, 65536)
for block in blocks[:-1]:
    libc.free(block)
before = rss_mb()
print(release_freed_memory())
print(before, rss_mb())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_memory_freed_but_kept_by_glibc_is_handed_back() -> None:
    done = subprocess.run([sys.executable, "-c", FREED_HEAP], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    said, figures = done.stdout.strip().splitlines()[-2:]
    before, after = map(float, figures.split())
    assert before - after > 100, (before, after)  # 200 MB freed; free() alone gave none of it back
    assert said.startswith("C allocator: freed memory returned to the system")


def test_an_in_server_ingest_hands_back_freed_memory_after_the_new_index_is_in(
    assistant: Assistant, kb_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Index again (also what kb_watch_s runs) releases after the swap, when the index before and the ingest's
    batches are garbage, and logs what it did."""
    admin = assistant.knowledge_base
    assistant.retriever.background_reload = True  # as in `assistant serve`
    assert assistant.retriever.index.documents  # loaded, as a running server has it
    release, seen = admin.release_memory, []
    assert release is not None

    def spy() -> str:
        seen.append(set(assistant.retriever.index.documents))
        return release()

    admin.release_memory = spy
    (kb_dir / "loyalty.md").write_text("# Loyalty\n\nLoyalty points expire after 18 months.\n")
    with caplog.at_level(logging.INFO):
        admin.reindex()
    assert len(seen) == 1 and "loyalty" in seen[0]  # once, with the new index swapped in
    assert any("C allocator" in record.getMessage() for record in caplog.records)
