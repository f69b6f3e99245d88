"""Review finding 1: a part's own sentence that says all the whole question's best says, and more, takes the best's
place among the chosen sentences; when every part is then answered from a sibling section of the best's
(``_for_another_case``), the best was removed a second time and ``answer`` raised ValueError (the customer got the
fallback). A fake embedder forces the ranking the reviewer saw: the staff sentence best for the whole question, the
students' near-identical one best for "when is my email deleted"."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.lm.extractive import ExtractiveAnswerer
from retrieval.embedders import HashEmbedder

QUESTION = "I'm a student leaving in June, when is my email deleted and can I forward it?"
STUDENTS = (
    "Your email is deleted when you leave, once your course ends. You can forward your email to a personal address "
    "before your course ends. Students keep library access for a month."
)
STAFF = "Your email is deleted when you leave. Staff mailboxes are archived by HR."
HEADINGS = ["Leaving > Students", "Leaving > Staff"]


class _Forced(HashEmbedder):
    """Vectors on five axes (staff deletion, students' deletion, forwarding, the student's case, anything else) chosen
    by the text's words, so that the whole question is closest to the staff sentence."""

    def _axes(self, text: str) -> list[float]:
        if text == QUESTION:
            return [1.0, 0.6, 0.4, 0.4, 0.0]
        if text.startswith("when is my email"):
            return [0.5, 1.0, 0.0, 0.0, 0.0]
        if text.startswith("I'm a student"):
            return [0.0, 0.0, 0.0, 1.0, 0.0]
        if "deleted" in text:
            return [1.0, 0.0, 0.0, 0.0, 0.0] if "Staff" in text else [0.0, 1.0, 0.0, 0.0, 0.0]
        if "forward" in text:
            return [0.0, 0.0, 1.0, 0.0, 0.0]
        if "library" in text:
            return [0.0, 0.0, 0.0, 1.0, 0.0]
        return [0.0, 0.0, 0.0, 0.0, 1.0]

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row, :5] = self._axes(text)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_best_sentence_already_replaced_by_a_parts_own_is_not_removed_again() -> None:
    answer = ExtractiveAnswerer(_Forced()).answer(QUESTION, [STUDENTS, STAFF], headings=HEADINGS)

    assert "Your email is deleted when you leave, once your course ends. [1]" in answer
    assert "You can forward your email to a personal address" in answer
    assert "[2]" not in answer  # nothing of the staff section
