"""A shop's own business action, as docs/dialog.md shows one (a workshop booking with a bike and a day):
whole turns through the DialogManager, stored in the SQL conversation log as a server stores them."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from assistant.app import Assistant
from dialog.business import ActionResult, BusinessActions, Say, demo_actions
from dialog.events import ActionExecuted
from dialog.manager import DialogManager
from dialog.nlu.base import Understanding
from dialog.nlu.combine import Understander
from dialog.store import InMemoryStore

FRIDAY = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


class Guesses:
    """A stand-in intent model: ``intents`` maps a message to its intent (probability 0.9), or to (intent,
    probability); anything else is ``default``."""

    name = "guesses"

    def __init__(self, intents: dict[str, str | tuple[str, float]], default: str = "question") -> None:
        self.intents, self.default = intents, default

    def understand(self, text: str) -> Understanding:
        guess = self.intents.get(text, self.default)
        intent, probability = guess if isinstance(guess, tuple) else (guess, 0.9)
        return Understanding(intent, probability, ranking=((intent, probability),), source="classifier")


def workshop(full: tuple[date, ...] = ()) -> BusinessActions:
    """The docs' example: book a repair for a bike on a day; the data names the day as a ``date``."""
    actions = BusinessActions()

    @actions.register(
        intents=["book_repair"],
        prompts={"bike_model": "Which bike is it?", "day": "Which day?"},
        texts={"booked": "Booked your {bike_model} for {day}.", "full": "Sorry, {day} is fully booked."},
    )
    def book_repair(bike_model: str, day: date) -> ActionResult:
        if day in full:
            return ActionResult(Say("full", day=day.isoformat()), {"day": day}, ok=False, clear_slots=("day",))
        return ActionResult(Say("booked", bike_model=bike_model, day=day.isoformat()), {"day": day, "slots": {1: day}})

    return actions


def workshop_dialog(assistant: Assistant, guesses: dict[str, str | tuple[str, float]]) -> DialogManager:
    """The real answer action, an intent model that reads ``guesses``, the workshop's actions, and Friday noon."""
    intents = Understander(Guesses(guesses))
    return DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=workshop(), clock=lambda: FRIDAY)


def trek_booked_for_friday(dialog: DialogManager) -> str:
    """A conversation that booked a repair of the Trek Domane for Friday; its id."""
    session = dialog.handle(None, "I want to book a repair").session_id
    dialog.handle(session, "Trek Domane")
    dialog.handle(session, "Friday")
    return session


def test_a_result_whose_data_json_cannot_hold_is_stored_with_the_turn(assistant: Assistant) -> None:
    # a date in ActionResult.data failed the save of the turn after the customer had read "Booked …": the
    # turn was lost, and `assistant chat` and the HTTP stream stopped with a traceback
    intents = Understander(Guesses({"I want to book a repair": "book_repair"}))
    dialog = DialogManager(assistant.store, assistant.manager.answer_action, understander=intents, actions=workshop(), clock=lambda: FRIDAY)
    asked = dialog.handle(None, "I want to book a repair")
    dialog.handle(asked.session_id, "Trek Domane")

    booked = dialog.handle(asked.session_id, "2026-12-10")

    assert booked.text == "Booked your Trek Domane for 2026-12-10."
    ran = [e for e in dialog.tracker(asked.session_id).events if isinstance(e, ActionExecuted)]
    assert [(e.name, e.result, e.ok) for e in ran] == [("book_repair", {"day": "2026-12-10", "slots": {"1": "2026-12-10"}}, True)]
    assert [t.answer for t in assistant.store.turns(asked.session_id)] == [booked.text, "Which day?", "Which bike is it?"]


def test_an_action_that_returns_no_action_result_is_named_in_the_decision_record(assistant: Assistant) -> None:
    actions = BusinessActions()

    @actions.register(intents=["book_repair"])
    def book_repair(bike_model: str) -> ActionResult:
        return f"Booked your {bike_model}."  # type: ignore[return-value]

    intents = Understander(Guesses({"book a repair for my Brompton": "book_repair"}))
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=actions)
    result = dialog.handle(None, "book a repair for my Brompton")  # the bike named in the request: run at once

    assert (result.action, result.text) == ("fallback", dialog.replies.lookup_failed)
    assert "business action book_repair returned str, not an ActionResult" in result.reason


def test_a_day_given_when_asked_books_even_if_the_intent_model_reads_it_as_an_order_question(assistant: Assistant) -> None:
    # the shop's trained model read "December 24th" as order_status: the booking was dropped for the order
    # lookup, which asked for an order number
    actions = workshop(full=(date(2026, 12, 24),))
    actions.actions.update(demo_actions().actions)
    guesses = {"can you service my bike": "book_repair", "December 24th": "order_status", "Dec 28": "order_status"}
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=Understander(Guesses(guesses)),
                           actions=actions, clock=lambda: FRIDAY)
    asked = dialog.handle(None, "can you service my bike")
    dialog.handle(asked.session_id, "a Brompton")

    full = dialog.handle(asked.session_id, "December 24th")
    booked = dialog.handle(asked.session_id, "Dec 28")
    order = dialog.handle(asked.session_id, "where is my order from December 24th?")

    assert (full.action, full.text, full.requested_slot) == ("business", "Sorry, 2026-12-24 is fully booked.", "day")
    assert (booked.action, booked.text) == ("business", "Booked your Brompton for 2026-12-28.")
    assert order.requested_slot == "order_number"  # a question of its own is still the other action


def test_the_words_that_lead_up_to_a_free_text_value_are_not_part_of_it(assistant: Assistant) -> None:
    # "Booked your It's my Trek Domane. for …": the whole reply was the value
    dialog = workshop_dialog(assistant, {"I want to book a repair": "book_repair"})
    asked = dialog.handle(None, "I want to book a repair")
    bike = dialog.handle(asked.session_id, "It's my Trek Domane.")
    booked = dialog.handle(asked.session_id, "tomorrow")
    other = dialog.handle(None, "I want to book a repair")
    only_lead_in = dialog.handle(other.session_id, "the")

    assert bike.slots["bike_model"] == "Trek Domane"
    assert booked.text == "Booked your Trek Domane for 2026-12-05."
    assert only_lead_in.slots["bike_model"] == "the"  # nothing else to take: the reply as it is


def express_service() -> BusinessActions:
    """A booking with a yes/no question: ``express: bool``."""
    actions = BusinessActions()

    @actions.register(intents=["book_repair"], prompts={"express": "Express service?"})
    def book_repair(bike_model: str, express: bool) -> ActionResult:
        return ActionResult(f"Booked your {bike_model}, {'express' if express else 'standard'} service.")

    return actions


def test_yes_or_no_answers_a_yes_no_question_and_anything_else_is_asked_again(assistant: Assistant) -> None:
    # "yes" to "Express service?" was small talk ("All right. What would you like to know?") and dropped the
    # booking, "no" too, and "maybe" booked a standard service (any word but yes was False)
    intents = Understander(Guesses({"book a repair": "book_repair"}))
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=express_service())
    replies = {}
    for answer in ("yes please", "sure", "nope", "no", "maybe", "never mind"):
        asked = dialog.handle(None, "book a repair")
        dialog.handle(asked.session_id, "Brompton")
        replies[answer] = dialog.handle(asked.session_id, answer)

    assert replies["yes please"].text == replies["sure"].text == "Booked your Brompton, express service."
    assert replies["nope"].text == replies["no"].text == "Booked your Brompton, standard service."
    assert replies["no"].slots["express"] is False
    assert (replies["maybe"].action, replies["maybe"].requested_slot) == ("business", "express")  # asked again
    assert (replies["never mind"].action, replies["never mind"].requested_slot) == ("small_talk", None)  # leaves the form


def test_a_bool_slot_takes_only_yes_or_no() -> None:
    action = express_service().get("book_repair")
    assert action is not None

    assert action.arguments({"bike_model": "Brompton", "express": "yes"})["express"] is True
    assert action.arguments({"bike_model": "Brompton", "express": "No"})["express"] is False
    assert [p.name for p in action.missing({"bike_model": "Brompton", "express": "maybe"})] == ["express"]  # was False


def test_a_day_to_come_may_be_named_by_its_weekday(assistant: Assistant) -> None:
    # "next monday" to "Which day?" was no date: asked again with the offer of a person, then handed off
    dialog = workshop_dialog(assistant, {"I want to book a repair": "book_repair"})
    booked = {}
    for day in ("next monday", "on Friday", "Next Friday", "this wednesday please", "Monday or Tuesday"):
        asked = dialog.handle(None, "I want to book a repair")
        dialog.handle(asked.session_id, "Brompton")
        booked[day] = dialog.handle(asked.session_id, day)

    assert booked["next monday"].text == "Booked your Brompton for 2026-12-07."
    assert booked["on Friday"].text == "Booked your Brompton for 2026-12-04."  # today is a Friday
    assert booked["Next Friday"].text == "Booked your Brompton for 2026-12-11."
    assert booked["this wednesday please"].text == "Booked your Brompton for 2026-12-09."
    assert booked["Monday or Tuesday"].requested_slot == "day"  # which one? asked again


def test_a_number_slot_takes_the_number_in_the_reply_and_a_reply_without_one_counts_as_unanswered(assistant: Assistant) -> None:
    # "two" to "How many bikes?" was taken as the value, could not be converted, and the same question came
    # back for ever: never the offer of a person, never a handoff
    actions = BusinessActions()

    @actions.register(intents=["book_repair"], prompts={"bikes": "How many bikes?"})
    def book_repair(bikes: int) -> ActionResult:
        return ActionResult(f"Booked {bikes} bike(s).")

    intents = Understander(Guesses({"book a repair": "book_repair"}))
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=actions)
    asked = dialog.handle(None, "book a repair")
    words = dialog.handle(asked.session_id, "two")
    again = dialog.handle(asked.session_id, "two of them")
    other = dialog.handle(None, "book a repair")
    number = dialog.handle(other.session_id, "2 bikes, please")

    assert (words.requested_slot, words.text) == ("bikes", f"How many bikes? {dialog.replies.ask_again}")
    assert (again.action, again.handoff) == ("handoff", True)  # the second reply without a number in a row
    assert number.text == "Booked 2 bike(s)."


def test_the_docs_example_with_a_parameter_named_date_takes_a_weekday_too(assistant: Assistant) -> None:
    actions = BusinessActions()

    @actions.register(intents=["book_repair"], prompts={"bike_model": "Which bike is it?"},
                      texts={"booked": "Booked your {bike_model} for {date}."})
    def book_repair(bike_model: str, date: str) -> ActionResult:  # docs/dialog.md, "Your own actions"
        return ActionResult(Say("booked", bike_model=bike_model, date=date))

    intents = Understander(Guesses({"I want to book a repair": "book_repair"}))
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=actions, clock=lambda: FRIDAY)
    asked = dialog.handle(None, "I want to book a repair")
    dialog.handle(asked.session_id, "Trek Domane")
    booked = dialog.handle(asked.session_id, "next monday")

    assert booked.text == "Booked your Trek Domane for 2026-12-07."


def test_a_say_the_action_cannot_fill_is_named_in_the_decision_record(assistant: Assistant) -> None:
    # the record said only "(KeyError: 'day')" or "(KeyError: 'bookd')"
    actions = BusinessActions()

    @actions.register(intents=["book_repair"], texts={"booked": "Booked your {bike_model} for {day}."})
    def book_repair(bike_model: str) -> ActionResult:
        return ActionResult(Say("booked", bike_model=bike_model) if bike_model != "typo" else Say("bookd"))

    intents = Understander(Guesses({"book a repair": "book_repair"}))
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=actions)
    reasons = []
    for bike in ("Brompton", "typo"):
        asked = dialog.handle(None, "book a repair")
        reasons.append(dialog.handle(asked.session_id, bike).reason)

    assert "business action book_repair: text 'booked' needs a value for {day}" in reasons[0]
    assert "business action book_repair says 'bookd', a text it did not declare (texts=: booked)" in reasons[1]


class Torn:
    """Reads "broken" as book_repair, a little ahead of return_item: close enough to ask which."""

    name = "torn"

    def understand(self, text: str) -> Understanding:
        if "broken" in text:
            return Understanding("book_repair", 0.45, ranking=(("book_repair", 0.45), ("return_item", 0.40)), source="classifier")
        return Understanding("question", 0.5, source="classifier")


def test_an_intent_option_picked_by_its_number_is_taken_as_a_click_on_it(assistant: Assistant) -> None:
    # "2" for "Return an item" (an intent without a business action) was "the message has no words to
    # understand": the fallback, a failed turn, and the next unanswered question handed the customer off
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=Understander(Torn()), actions=workshop())
    asked = dialog.handle(None, "my bike arrived broken")
    picked = dialog.handle(asked.session_id, "2")
    other = dialog.handle(None, "my bike arrived broken")
    booking = dialog.handle(other.session_id, "1")

    assert (asked.action, asked.options) == ("clarify", ["Book repair", "Return an item"])
    assert (picked.action, picked.intent) == ("answer", "return_item")
    assert picked.query == "my bike arrived broken (Return an item)"
    assert (booking.action, booking.requested_slot) == ("business", "bike_model")


def test_the_day_named_in_the_request_or_in_a_correction_is_the_days_value(assistant: Assistant) -> None:
    # "book a repair for Dec 28" was asked "Which day?" after the bike; "sorry, I meant Dec 30" right after the
    # booking was searched in the help centre ("Dec" read as a topic), and the booking stayed on the 28th
    dialog = workshop_dialog(assistant, {"book a repair for Dec 28": "book_repair"})
    asked = dialog.handle(None, "book a repair for Dec 28")
    booked = dialog.handle(asked.session_id, "Trek")
    moved = dialog.handle(asked.session_id, "sorry, I meant Dec 30")

    assert (asked.requested_slot, asked.slots["day"]) == ("bike_model", "2026-12-28")
    assert booked.text == "Booked your Trek for 2026-12-28."
    assert (moved.action, moved.text) == ("business", "Booked your Trek for 2026-12-30.")


def test_a_prompt_for_a_slot_the_action_does_not_take_is_refused_at_registration() -> None:
    # a misspelt key was ignored: the customer read the made-up "What is the bike model?"
    actions = BusinessActions()
    expected = "business action book_repair: prompts for ['bike_modle'], which are not its parameters (bike_model)"

    with pytest.raises(ValueError, match=re.escape(expected)):
        @actions.register(intents=["book_repair"], prompts={"bike_modle": "Which bike is it?"})
        def book_repair(bike_model: str) -> ActionResult:
            return ActionResult("Booked.")

    assert actions.get("book_repair") is None


def test_one_intent_given_as_a_text_is_that_intent_not_its_letters() -> None:
    actions = BusinessActions()

    @actions.register(intents="book_repair")
    def book_repair(bike_model: str) -> ActionResult:
        return ActionResult("Booked.")

    assert actions.intents() == {"book_repair"}  # was {"b", "o", "k", "_", "r", "e", "p", "a", "i"}


def test_a_reply_of_only_symbols_or_emoji_is_no_value_for_a_free_text_slot(assistant: Assistant) -> None:
    # "🤷" to "Which bike is it?" was the bike: "Booked your 🤷 for …"
    dialog = workshop_dialog(assistant, {"I want to book a repair": "book_repair"})
    asked = dialog.handle(None, "I want to book a repair")
    shrug = dialog.handle(asked.session_id, "🤷")
    bike = dialog.handle(asked.session_id, "🚲 Brompton")

    assert (shrug.action, shrug.requested_slot, shrug.text) == ("business", "bike_model", f"Which bike is it? {dialog.replies.ask_again}")
    assert "bike_model" not in shrug.slots and bike.slots["bike_model"] == "🚲 Brompton"


def test_an_e_mail_address_or_order_number_in_reply_to_a_free_text_question_is_not_its_value(assistant: Assistant) -> None:
    # "my email is jane.doe@example.com" to "Which bike is it?" was the bike: "Booked your email is jane.doe@… for …"
    dialog = workshop_dialog(assistant, {"I want to book a repair": "book_repair"})
    asked = dialog.handle(None, "I want to book a repair")
    email = dialog.handle(asked.session_id, "my email is jane.doe@example.com")
    bike = dialog.handle(asked.session_id, "a 29er")

    assert (email.requested_slot, email.text) == ("bike_model", "Which bike is it?")  # asked again
    assert email.slots == {"email": "jane.doe@example.com"}
    assert bike.slots["bike_model"] == "29er"  # digits in a bike's name are still a bike


def test_a_date_alone_is_not_given_to_the_intent_model(assistant: Assistant) -> None:
    # "Dec 28" after the form was dropped for a question was read by a shop's model as order_status, which asked
    # for an order number; a message that is only a date has no words for the model, as one that is only an address
    model = Guesses({}, default="order_status")
    actions = workshop()
    actions.actions.update(demo_actions().actions)
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=Understander(model), actions=actions)

    result = dialog.handle(None, "Dec 28")

    assert (result.intent, result.action, result.requested_slot) == ("question", "answer", None)


def test_a_weekday_in_the_request_or_a_correction_is_the_day_and_a_question_about_a_day_books_nothing(assistant: Assistant) -> None:
    dialog = workshop_dialog(assistant, {"book a repair on monday": "book_repair"})
    asked = dialog.handle(None, "book a repair on monday")
    booked = dialog.handle(asked.session_id, "Trek")
    moved = dialog.handle(asked.session_id, "sorry, I meant next tuesday")
    question = dialog.handle(asked.session_id, "are you open on sunday?")

    assert booked.text == "Booked your Trek for 2026-12-07."
    assert (moved.action, moved.text) == ("business", "Booked your Trek for 2026-12-08.")
    assert question.action == "answer" and question.slots["day"] == "2026-12-08"  # the booking's day, unchanged


def test_a_question_about_a_day_right_after_a_booking_books_nothing(assistant: Assistant) -> None:
    # "Do you work on Dec 30?" right after the booking ran was taken as a change of its day: the action ran again
    # ("Booked your Trek for 2026-12-30.", a second booking) on a question; "sorry, I meant Monday" changes it
    intents = Understander(Guesses({"book a repair for Dec 28": "book_repair"}))
    for then in ("Do you work on Dec 30?", "Do you work on Monday?", "sorry, I meant Monday", "what about next Monday?"):
        dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=workshop(), clock=lambda: FRIDAY)
        asked = dialog.handle(None, "book a repair for Dec 28")
        dialog.handle(asked.session_id, "Trek")
        reply = dialog.handle(asked.session_id, then)

        runs = [e.arguments["day"] for e in dialog.store.load_events(asked.session_id) if isinstance(e, ActionExecuted)]
        if not then.startswith("Do you"):
            assert (reply.action, reply.text, runs) == ("business", "Booked your Trek for 2026-12-07.", ["2026-12-28", "2026-12-07"])
        else:
            assert (reply.action, reply.slots["day"], runs) == ("answer", "2026-12-28", ["2026-12-28"]), then


def test_a_second_booking_asks_for_the_bike_instead_of_booking_the_first_one_again(assistant: Assistant) -> None:
    # "book another one for Monday" after a booking made a second booking of the same bike, unasked
    requests = {"I want to book a repair": "book_repair", "book another one for Monday": "book_repair"}
    dialog = workshop_dialog(assistant, requests)
    session = trek_booked_for_friday(dialog)

    again = dialog.handle(session, "book another one for Monday")
    booked = dialog.handle(session, "my Brompton")

    assert (again.action, again.requested_slot) == ("business", "bike_model")
    assert booked.text == "Booked your Brompton for 2026-12-07."
    ran = [e.arguments for e in dialog.tracker(session).events if isinstance(e, ActionExecuted)]
    assert ran == [{"bike_model": "Trek Domane", "day": "2026-12-04"}, {"bike_model": "Brompton", "day": "2026-12-07"}]


def test_the_same_request_again_asks_for_every_value_rather_than_repeating_the_booking(assistant: Assistant) -> None:
    dialog = workshop_dialog(assistant, {"I want to book a repair": "book_repair"})
    session = trek_booked_for_friday(dialog)

    again = dialog.handle(session, "I want to book a repair")
    day = dialog.handle(session, "the Brompton")

    assert again.requested_slot == "bike_model" and again.slots == {}
    assert day.requested_slot == "day"  # not Friday again, unasked
    assert sum(isinstance(e, ActionExecuted) for e in dialog.tracker(session).events) == 1


def test_a_correction_of_the_booking_keeps_its_bike(assistant: Assistant) -> None:
    # "make it Monday instead" changes the day of the run just made: the bike is not asked again
    requests = {"I want to book a repair": "book_repair", "make it Monday instead": "book_repair"}
    dialog = workshop_dialog(assistant, requests)
    session = trek_booked_for_friday(dialog)

    moved = dialog.handle(session, "make it Monday instead")

    assert moved.text == "Booked your Trek Domane for 2026-12-07."


def test_a_long_description_given_when_asked_for_the_bike_is_the_bike(assistant: Assistant) -> None:
    # a reply of eight words or more was read as a new request: searched and declined, the booking dropped
    description = "the old red mountain bike with the squeaky brakes and a flat tyre"
    dialog = workshop_dialog(assistant, {"I want to book a repair": "book_repair", description: ("return_item", 0.3)})
    asked = dialog.handle(None, "I want to book a repair")

    bike = dialog.handle(asked.session_id, description)
    booked = dialog.handle(asked.session_id, "Friday")

    assert (bike.action, bike.requested_slot) == ("business", "day")
    assert booked.text == f"Booked your {description[4:]} for 2026-12-04."


def test_a_request_the_intent_model_is_sure_of_is_not_taken_as_the_bike(assistant: Assistant) -> None:
    # "refund please" to "Which bike is it?" was booked as the bike "refund please"
    requests = {"I want to book a repair": "book_repair", "refund please": "refund",
                "I was charged twice for the same order on my credit card": "payment"}
    dialog = workshop_dialog(assistant, requests)
    for request in ("refund please", "I was charged twice for the same order on my credit card"):
        asked = dialog.handle(None, "I want to book a repair")

        reply = dialog.handle(asked.session_id, request)

        assert reply.action != "business" and "bike_model" not in reply.slots, request


def test_a_long_reply_asking_something_is_still_a_new_request(assistant: Assistant) -> None:
    dialog = workshop_dialog(assistant, {"I want to book a repair": "book_repair"})
    asked = dialog.handle(None, "I want to book a repair")

    reply = dialog.handle(asked.session_id, "before I tell you, how long does a repair usually take with you")

    assert reply.action != "business" and "bike_model" not in reply.slots


def test_a_question_about_the_booking_just_made_does_not_ask_for_the_bike_again(assistant: Assistant) -> None:
    # "is it booked for the morning?" read as book_repair asked "Which bike is it?" as if for another booking
    requests = {"I want to book a repair": "book_repair", "is it booked for the morning": "book_repair"}
    dialog = workshop_dialog(assistant, requests)
    session = trek_booked_for_friday(dialog)

    about_it = dialog.handle(session, "is it booked for the morning")

    assert about_it.requested_slot is None and about_it.slots["bike_model"] == "Trek Domane"


def test_a_weak_guess_of_another_actions_intent_does_not_end_the_booking(assistant: Assistant) -> None:
    # the demo model reads "I don't know yet" as order_status (0.40): the booking was dropped for a search that
    # found nothing, and "Wednesday" after it was a second failure that handed the customer to a person
    actions = workshop()
    actions.actions.update(demo_actions().actions)
    guesses = {"book a repair": "book_repair", "I don't know yet": ("order_status", 0.4)}
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=Understander(Guesses(guesses)),
                           actions=actions, clock=lambda: FRIDAY)
    session = dialog.handle(None, "book a repair").session_id
    dialog.handle(session, "Brompton")

    unsure = dialog.handle(session, "I don't know yet")
    booked = dialog.handle(session, "Wednesday")

    assert (unsure.action, unsure.requested_slot, unsure.handoff) == ("business", "day", False)
    assert booked.text == "Booked your Brompton for 2026-12-09."


def test_the_same_bike_for_another_booking_is_the_last_bookings_bike(assistant: Assistant) -> None:
    # "the same bike" to "Which bike is it?" for a second booking booked "your same bike"
    dialog = workshop_dialog(assistant, {"book a repair": "book_repair", "book another one": "book_repair"})
    session = dialog.handle(None, "book a repair").session_id
    dialog.handle(session, "Brompton")
    dialog.handle(session, "Friday")
    dialog.handle(session, "book another one")

    same = dialog.handle(session, "the same bike, please")
    booked = dialog.handle(session, "Monday")
    first = dialog.handle(None, "book a repair")  # no booking before: the words are the value, as any other reply's

    assert same.slots["bike_model"] == "Brompton" and booked.text == "Booked your Brompton for 2026-12-07."
    assert dialog.handle(first.session_id, "the same one").slots["bike_model"] == "same one"


def test_and_for_my_other_bike_right_after_a_booking_asks_which_bike(assistant: Assistant) -> None:
    # a short request for another run that the intent model does not read as the action's intent was searched and
    # declined ("I couldn't find the answer …")
    dialog = workshop_dialog(assistant, {"book a repair": "book_repair"})
    session = dialog.handle(None, "book a repair").session_id
    dialog.handle(session, "Brompton")
    dialog.handle(session, "Friday")

    other = dialog.handle(session, "and for my other bike?")
    dialog.handle(session, "Trek Domane")
    booked = dialog.handle(session, "Monday")

    assert (other.action, other.requested_slot) == ("business", "bike_model")
    assert booked.text == "Booked your Trek Domane for 2026-12-07."


def test_a_question_about_the_order_just_shown_keeps_its_number_even_with_also_or_again(assistant: Assistant) -> None:
    # "can you also check when it will be delivered?" right after the order was shown asked "What is your order
    # number?" again: "also" (like "too", "again", "as well") was read as a request for another order
    shown = "Where is my order NW-20481736? My email is jane.doe@example.com"
    about_it = ("can you also check when it will be delivered?", "is it shipped as well?", "can you check it again?")
    guesses: dict[str, str | tuple[str, float]] = {shown: "order_status", **{question: "order_status" for question in about_it}}
    dialog = DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=Understander(Guesses(guesses)),
                           actions=demo_actions())
    for question in about_it:
        session = dialog.handle(None, shown).session_id

        reply = dialog.handle(session, question)

        assert (reply.action, reply.requested_slot) == ("business", None), question
        assert "NW-20481736" in reply.text and reply.slots["order_number"] == "NW-20481736", question


def test_my_next_question_right_after_a_booking_is_not_a_request_for_another_booking(assistant: Assistant) -> None:
    # "my next question?" (also "and my other problem", "my second question") right after a booking asked "Which
    # bike is it?" for another booking, as "and my other bike?" does
    dialog = workshop_dialog(assistant, {"book a repair": "book_repair"})
    for message in ("my next question?", "and my other problem", "my second question"):
        session = dialog.handle(None, "book a repair").session_id
        dialog.handle(session, "Brompton")
        dialog.handle(session, "Friday")

        reply = dialog.handle(session, message)

        assert (reply.action, reply.requested_slot) != ("business", "bike_model"), message
        assert reply.slots.get("bike_model") == "Brompton", message


def docs_example_dialog(assistant: Assistant, requests: tuple[str, ...]) -> DialogManager:
    """The docs' example action exactly (docs/dialog.md, "Your own actions"), ``requests`` read as book_repair."""
    actions = BusinessActions()

    @actions.register(intents=["book_repair"], prompts={"bike_model": "Which bike is it?"},
                      texts={"booked": "Booked your {bike_model} for {date}.", "full": "Sorry, that day is fully booked."})
    def book_repair(bike_model: str, date: str) -> ActionResult:
        return ActionResult(Say("booked", bike_model=bike_model, date=date))

    intents = Understander(Guesses(dict.fromkeys(requests, "book_repair")))
    return DialogManager(InMemoryStore(), assistant.manager.answer_action, understander=intents, actions=actions, clock=lambda: FRIDAY)


def test_the_bike_named_in_the_request_is_not_asked_for(assistant: Assistant) -> None:
    # "book a repair for my Trek" was asked "Which bike is it?"; "… for my Giant bike on Friday" asked for both
    requests = ("book a repair for my Trek", "can you book a service for my Giant bike on Friday", "I want to book a repair for my bike")
    dialog = docs_example_dialog(assistant, requests)

    trek = dialog.handle(None, requests[0])
    trek_day = dialog.handle(trek.session_id, "Dec 10")
    giant = dialog.handle(None, requests[1])
    some_bike = dialog.handle(None, requests[2])  # "my bike" says not which one

    assert (trek.requested_slot, trek.slots.get("bike_model")) == ("date", "Trek")
    assert trek_day.text == "Booked your Trek for 2026-12-10."
    assert (giant.action, giant.text) == ("business", "Booked your Giant bike for 2026-12-04.")
    assert (some_bike.requested_slot, some_bike.text) == ("bike_model", "Which bike is it?")


def test_a_bike_named_in_a_request_with_another_day_parameter_fills_it_too(assistant: Assistant) -> None:
    dialog = workshop_dialog(assistant, {"book my Brompton in for Monday, please": "book_repair"})

    booked = dialog.handle(None, "book my Brompton in for Monday, please")

    assert (booked.action, booked.text) == ("business", "Booked your Brompton for 2026-12-07.")
