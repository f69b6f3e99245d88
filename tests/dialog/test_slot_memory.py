"""The process's short memory of slot values the log keeps redacted: bounded, and forgetful in time."""

from __future__ import annotations

from dialog.slot_memory import SlotMemory


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_placeholder_is_filled_with_the_value_given_and_real_values_stay() -> None:
    memory = SlotMemory()
    memory.remember("s1", {"email": "jane.doe@example.com", "order_number": None})

    assert memory.fill("s1", {"email": "[EMAIL]", "order_number": "NW-20481736"}) == {
        "email": "jane.doe@example.com", "order_number": "NW-20481736",
    }
    assert memory.fill("s2", {"email": "[EMAIL]"}) == {"email": "[EMAIL]"}  # another conversation's: not known


def test_values_are_forgotten_after_their_time_and_beyond_the_bound() -> None:
    clock = Clock()
    memory = SlotMemory(ttl_s=60, max_sessions=2, clock=clock)
    memory.remember("old", {"email": "a@example.com"})
    clock.now = 61
    assert memory.fill("old", {"email": "[EMAIL]"}) == {"email": "[EMAIL]"}

    for session in ("s1", "s2", "s3"):
        memory.remember(session, {"phone": "+4930123456"})
    assert memory.fill("s1", {"phone": "[PHONE]"}) == {"phone": "[PHONE]"}  # the oldest of three, past the bound of 2
    assert memory.fill("s3", {"phone": "[PHONE]"}) == {"phone": "+4930123456"}
    assert len(memory._values) == 2


def test_placeholders_are_not_remembered_as_values() -> None:
    memory = SlotMemory()
    memory.remember("s1", {"email": "[EMAIL]"})

    assert memory.fill("s1", {"email": "[EMAIL]"}) == {"email": "[EMAIL]"}
    assert not memory._values


def test_a_value_is_forgotten_its_time_after_it_was_given_even_when_the_conversation_gives_others() -> None:
    clock = Clock()
    memory = SlotMemory(ttl_s=60, clock=clock)
    memory.remember("s1", {"email": "jane.doe@example.com"})
    clock.now = 50
    memory.remember("s1", {"order_number": "NW-20481736"})  # a later value does not keep the address longer
    clock.now = 61

    assert memory.fill("s1", {"email": "[EMAIL]"}) == {"email": "[EMAIL]"}
    assert "jane.doe@example.com" not in repr(memory._values)


def test_a_conversation_past_its_time_leaves_memory_at_the_next_turn_of_any_conversation() -> None:
    clock = Clock()
    memory = SlotMemory(ttl_s=60, clock=clock)
    memory.remember("idle", {"email": "a@example.com"})
    clock.now = 61

    memory.fill("other", {"email": "[EMAIL]"})  # a turn of another conversation that gives no value

    assert "idle" not in memory._values
