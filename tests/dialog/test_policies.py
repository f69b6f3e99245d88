"""Rule-based understanding and the policy vote."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dialog.business import demo_actions
from dialog.business_rules import BusinessRules, Topic
from dialog.events import BotAnswer, ClarificationAsked, SlotRequested
from dialog.nlu.base import Understanding
from dialog.nlu.rules import FRUSTRATION, RuleBasedIntents, sounds_upset
from dialog.policies import DEFAULT_POLICIES, Prediction, choose, default_policies, message_language
from dialog.tracker import Tracker

RULES = BusinessRules(
    handoff_intents=("complaint",),
    handoff_topics=(Topic("fraud", ("fraud", "hacked")),),
    never_answer=(Topic("legal advice", ("lawyer", "sue"), "I can't give legal advice."),),
    out_of_scope_keywords=("weather",),
)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # a German shop (replies file demo/replies.de.yaml): "Hallo" and "Danke!" were searched and declined,
        # "Auf Wiedersehen" was a second failure that handed the customer to a person, and "Ich möchte mit einem
        # Mitarbeiter sprechen" was answered from an article
        ("Hallo", "greet"),
        ("Guten Tag!", "greet"),
        ("Moin", "greet"),
        ("Ich brauche Hilfe", "greet"),
        ("Danke!", "thanks"),
        ("Vielen Dank für die Hilfe", "thanks"),
        ("Tschüss", "goodbye"),
        ("Auf Wiedersehen", "goodbye"),
        ("ja bitte", "affirm"),
        ("Ja", "affirm"),
        ("nein danke", "deny"),
        ("Nein", "deny"),
        ("Ich möchte mit einem Mitarbeiter sprechen", "human"),
        ("Kann ich mit einem Menschen reden?", "human"),
        ("Bist du ein Bot?", "bot_challenge"),
        ("Ähm", "filler"),
        ("Danke, tschüss!", "goodbye"),
        ("Bist du noch da?", "filler"),
        ("Ist da jemand?", "filler"),
        ("Wo ist meine Bestellung?", "order_status"),
        ("Wo bleibt mein Paket NW-20481736?", "order_status"),
        ("Das ist eine Frechheit!", "complaint"),
        ("Wie lange dauert die Lieferung?", "question"),
        ("Kann ich mit PayPal bezahlen?", "question"),
        ("Danke, aber wie lange dauert die Erstattung?", "question"),
    ],
)
def test_german_rule_intents(text: str, intent: str) -> None:
    assert RuleBasedIntents().understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello", "greet"),
        ("Hi there!", "greet"),
        ("thanks a lot", "thanks"),
        ("bye", "goodbye"),
        ("I want to talk to a human", "human"),
        ("Can I speak with a person please", "human"),
        ("hello, where is my order?", "order_status"),
        ("What's the status of my order NW-20481736?", "order_status"),
        ("This is ridiculous, nothing works", "complaint"),
        ("yes please", "affirm"),
        ("Are you a bot?", "bot_challenge"),
        ("are you human", "bot_challenge"),  # a question, not a request for one
        ("What can you do?", "bot_challenge"),
        ("what else can you do for me", "bot_challenge"),  # was searched in the last answer's context: the same article again
        ("What else can you do?", "bot_challenge"),
        ("what else can I ask you about?", "bot_challenge"),
        ("am I talking to a real person?", "bot_challenge"),
        ("are you a bot? I want a real person", "human"),
        ("What can you do about my refund?", "question"),
        ("no thanks", "deny"),
        ("actually never mind", "deny"),  # the intent model read it as a complaint (0.74): handed off
        ("ok, forget it", "deny"),
        ("thanks for nothing", "complaint"),  # sarcasm: was thanked back with "You're welcome"
        ("great, thanks a lot for nothing", "complaint"),
        ("thanks for your help", "thanks"),
        # the answer did not help: was a goodbye ("that's all") or "You're welcome!"
        ("thanks, that's all wrong", "not_helped"),
        ("thanks, that's not what I asked", "not_helped"),
        ("ok but that didn't answer my question", "not_helped"),
        ("no, that's not it", "not_helped"),
        ("wrong answer", "not_helped"),
        ("Danke, aber das hilft mir nicht", "not_helped"),
        ("that's not what I asked: how do I return it?", "question"),  # says what it asks: searched
        ("thanks, that's all", "goodbye"),
        ("thanks, that is all", "goodbye"),
        ("Where is my parcel?", "question"),
        ("How long is a password reset link valid?", "question"),
        # a request for help that does not say with what: "How can I help?", not a failed search
        ("help", "greet"),
        ("I need help", "greet"),
        ("hello, can you help me?", "greet"),
        ("hi, i have a question", "greet"),
        ("quick question", "greet"),
        ("can you help me with a return", "question"),  # says with what: searched
        ("Good morning! Quick question about my order", "question"),  # the intent model finds the order
        # the answer to "How can I help?"
        ("with my order", "order_status"),
        ("about my order please", "order_status"),
        ("I need help with my order", "order_status"),  # was searched and declined
        ("hi, can you help me with my order?", "order_status"),
        ("I need help with my order, it arrived broken", "question"),  # says what: searched
        ("my order arrived broken", "question"),
        ("wheres my oder", "order_status"),  # no apostrophe, a typo
        ("where is my other order?", "order_status"),  # after a lookup: another order (asked for its number)
        ("hi, my name is tom and i ordered a kettle last week, where is it", "order_status"),
        ("I ordered the fan, where is it?", "order_status"),
        ("I ordered the wrong size, where is it explained how to exchange?", "question"),
        # thanks on the way out is a goodbye ("You're welcome! Is there anything else …?" answered a customer leaving)
        ("thanks bye", "goodbye"),
        ("thank you for your help, goodbye!", "goodbye"),
        ("thanks, that's all", "goodbye"),
        ("thanks for your help", "thanks"),
        ("bye, thanks!", "goodbye"),
        # a sound or a check-in asks nothing: it was searched, declined and a person offered
        ("hmm", "filler"),
        ("Hmmm...", "filler"),
        ("umm, uhh", "filler"),
        ("lol", "filler"),
        ("hahaha!", "filler"),
        ("huh?", "filler"),
        ("you there?", "filler"),
        ("are you still there??", "filler"),
        ("anyone there?", "filler"),
        ("mmm", "filler"),
        # a yes, not a sound: "uh huh" to "Would you like me to connect you …?" accepts the offer
        ("uh huh", "affirm"),
        ("Mm-hmm.", "affirm"),
        ("mhm", "affirm"),
        ("hmm where is my order", "order_status"),  # asks something after the sound
        ("uhh I need a refund", "question"),
        ("oh no, my parcel is late", "question"),
        # asks what the assistant is, not for a person
        ("is this a real person?", "bot_challenge"),
        ("Is this a bot or a real person?", "bot_challenge"),
        ("is this automated?", "bot_challenge"),
        ("is it a bot?", "bot_challenge"),
        # "it" and "that" after an answer are its topic ("Is it automated?" after a refund answer: the refund)
        ("is it automated?", "question"),
        ("Is that real?", "question"),
        ("Is this a real person? I want to talk to someone", "human"),
    ],
)
def test_rule_intents(text: str, intent: str) -> None:
    assert RuleBasedIntents().understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "frustrated"),
    [("WHY IS MY ORDER NOT HERE YET", True), ("where is it!!!", True), ("I'm fed up with this", True), ("How do I pay?", False)],
)
def test_frustration(text: str, frustrated: bool) -> None:
    """Frustrated wording or an upset tone (the two signals the handoff policy reads)."""
    assert (bool(FRUSTRATION.search(text)) or sounds_upset(text)) is frustrated


def predict(text: str, tracker: Tracker | None = None, understanding: Understanding | None = None) -> Prediction:
    understanding = understanding or RuleBasedIntents().understand(text)
    policies = default_policies(RULES, demo_actions())
    return choose([policy.predict(tracker or Tracker("s"), understanding, text) for policy in policies])


@pytest.mark.parametrize(
    ("text", "action", "reason"),
    [
        ("hello", "small_talk", "small talk: greet"),
        ("Are you a bot?", "small_talk", "small talk: bot_challenge"),
        ("get me an agent", "handoff", "the customer asked for a human"),
        ("Where is my parcel?", "answer", "a question for the knowledge base"),
        ("where is my order?", "business", "business action order_status for intent order_status"),
        ("My account was hacked", "handoff", "rules: topic 'fraud' always goes to a person"),
        ("This is useless", "handoff", "rules: intent complaint always goes to a person"),
        ("Should I sue you?", "decline", "rules: topic 'legal advice' is never answered"),
        ("What's the weather tomorrow?", "handoff", "out of scope: 'weather' is not about the shop"),
        ("???", "fallback", "the message has no words to understand"),
    ],
)
def test_policies_choose_the_action(text: str, action: str, reason: str) -> None:
    prediction = predict(text)

    assert (prediction.action, prediction.reason) == (action, reason)


def test_default_policies_without_rules_still_answer_and_hand_off() -> None:
    for text, action in [("hello", "small_talk"), ("get me an agent", "handoff"), ("Where is my parcel?", "answer")]:
        understanding = RuleBasedIntents().understand(text)
        assert choose([p.predict(Tracker("s"), understanding, text) for p in DEFAULT_POLICIES]).action == action


def test_out_of_scope_from_the_classifier_lets_the_knowledge_base_try() -> None:
    understanding = Understanding("question", 0.3, ranking=(("oos", 0.5), ("shipping", 0.3)), out_of_scope=True, source="classifier")

    prediction = predict("Who won the match?", understanding=understanding)

    assert prediction.action == "answer"  # the answer action declines with the offer of a person when nothing fits
    assert prediction.reason.startswith("out of scope for the intent model (best guess shipping 0.30)")


def test_yes_after_a_failed_answer_hands_off_but_not_otherwise() -> None:
    offered = Tracker.from_events("s", [BotAnswer(text="Shall I connect you?", abstained=True)])

    assert predict("yes please", offered).action == "handoff"
    assert predict("yes please").action == "small_talk"
    assert predict("no thanks", offered).action == "small_talk"


def test_a_form_continues_with_the_slot_and_yields_to_a_new_question() -> None:
    waiting = Tracker.from_events(
        "s", [SlotRequested(action="order_status", slot="order_number"), BotAnswer(text="Order number?", action="business")]
    )
    with_number = Understanding("question", 0.6, entities={"order_number": "NW-20481736"})

    assert predict("NW-20481736", waiting, with_number).action == "business"
    assert predict("I don't have it", waiting).action == "business"  # asked again
    assert predict("How much does express shipping cost?", waiting).action == "answer"  # changed the subject
    assert predict("never mind", waiting).action == "small_talk"


def test_close_intents_ask_which_one_once() -> None:
    close = Understanding("refund", 0.45, ranking=(("refund", 0.45), ("order_status", 0.4), ("shipping", 0.1)), source="classifier")
    clear = Understanding("refund", 0.9, ranking=(("refund", 0.9), ("order_status", 0.05)), source="classifier")

    prediction = predict("my order and my money", understanding=close)
    assert (prediction.action, prediction.argument) == ("clarify", "refund,order_status")
    assert predict("my order and my money", understanding=clear).action == "answer"
    asked = Tracker.from_events("s", [ClarificationAsked(options=("a", "b")), BotAnswer(text="Which?", action="clarify")])
    assert predict("my order and my money", asked, close).action == "answer"


def test_close_intents_that_are_both_answered_from_the_knowledge_base_are_left_to_the_search() -> None:
    close = Understanding("refund", 0.45, ranking=(("refund", 0.45), ("return_item", 0.4)), source="classifier")

    assert predict("How do I start a return and get my money back?", understanding=close).action == "answer"


def test_a_question_for_contact_details_is_answered_rather_than_handed_off() -> None:
    by_model = Understanding("human", 0.8, source="classifier")

    assert predict("What's your customer service phone number?", understanding=by_model).action == "answer"
    assert predict("I need 50 lamps for our office, who do I talk to?", understanding=by_model).action == "answer"
    assert predict("I want to speak to a manager", understanding=by_model).action == "handoff"
    assert predict("Who can I talk to? A human please", understanding=Understanding("human", 1.0)).action == "handoff"
    assert predict("phone number?", understanding=by_model).action == "answer"
    assert predict("Telephone no. for support pls", understanding=by_model).action == "answer"


def test_a_question_about_how_orders_work_is_answered_rather_than_asking_for_an_order_number() -> None:
    by_model = Understanding("order_status", 0.8, source="classifier")
    close = Understanding("order_status", 0.45, ranking=(("order_status", 0.45), ("return_item", 0.4)), source="classifier")

    assert predict("My order status says On hold, what does that mean?", understanding=by_model).action == "answer"
    assert predict("If I order at 3pm on a Tuesday, when will it ship?", understanding=by_model).action == "answer"
    assert predict("What happens if my backordered item never arrives?", understanding=close).action == "answer"
    assert predict("is the lumen desk lamp in stock", understanding=by_model).action == "answer"  # a product, not an order
    assert predict("when will the breeze tower fan be back in stock", understanding=by_model).action == "answer"
    assert predict("Where is my order?", understanding=by_model).action == "business"  # asks for one order: look it up
    with_number = Understanding("order_status", 0.8, entities={"order_number": "NW-20481736"}, source="classifier")
    assert predict("NW-20481736 says On hold, what does that mean?", understanding=with_number).action == "business"


def test_the_intent_models_thanks_for_words_that_thank_for_nothing_is_searched() -> None:
    guess = Understanding("thanks", 0.8, source="classifier")
    declined = Tracker.from_events("s", [BotAnswer(text="I couldn't find that.", action="answer", abstained=True)])
    answered = Tracker.from_events("s", [BotAnswer(text="Go to Orders.", action="answer")])

    assert predict("the website", declined, guess).action == "answer"  # was "You're welcome!"
    assert predict("the website", understanding=guess).action == "answer"  # nothing said yet to thank for
    assert predict("the website", answered, guess).action == "small_talk"  # after an answer: left to the model
    assert predict("appreciate it", declined, guess).action == "small_talk"  # words that thank
    assert predict("perfect", declined, guess).action == "small_talk"
    assert predict("thanks anyway", declined).action == "small_talk"  # the keyword rules: thanks


def test_choose_prefers_confidence_then_priority() -> None:
    low, high = Prediction("answer", 0.5, "a", priority=0), Prediction("handoff", 0.9, "b", priority=9)
    tie_a, tie_b = Prediction("small_talk", 0.9, "c", priority=5), Prediction("handoff", 0.9, "d", priority=0)

    assert choose([low, high]) is high
    assert choose([tie_a, None, tie_b]) is tie_b
    assert choose([None]).action == "fallback"


def test_a_german_question_saying_something_is_impossible_is_no_complaint() -> None:
    """"unmöglich" (impossible) describes a problem; it is not anger at the service."""
    assert RuleBasedIntents().understand("Es ist unmöglich, mein Passwort zu ändern. Was kann ich tun?").intent == "question"


# --- a message in a language the help centre is not written in

HELP_CENTRE_WORDS = frozenset("how long does shipping take what is the price of standard delivery where my order".split())


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wie lange dauert der Versand?", "de"),  # two common German words: detect_language says so
        ("Was kostet der Versand?", "de"),  # one ("der"), and no word of the help centre's
        ("¿Cuánto cuesta el envío?", "es"),
        ("¿Dónde está mi pedido?", "es"),  # no common word, but Spanish question marks
        ("Combien coûte la livraison ?", "fr"),
        ("How long does shipping take?", None),
        ("how long does shiping take", None),  # a typo is no other language
        ("xylophone quantum zebra", None),  # unknown words of no language the guess knows
        ("wheres my oder", None),  # "oder" is German, and a typo of "order": a word of the help centre's
        ("where is my order, the one from la Rochelle?", None),  # a word of another language in an English question
    ],
)
def test_message_language(text: str, language: str | None) -> None:
    typos = {"wheres": "where", "oder": "order", "shiping": "shipping"}
    indexed = lambda word: word.lower() in HELP_CENTRE_WORDS or word.lower() in typos  # noqa: E731
    assert message_language(text, frozenset({"en"}), indexed) == language


def test_a_message_in_the_help_centres_own_language_is_searched() -> None:
    assert message_language("Wie lange dauert der Versand?", frozenset({"en", "de"}), lambda word: False) is None


def test_a_german_message_to_an_english_help_centre_is_told_so_in_german_and_offered_a_person(assistant) -> None:
    # Before: "I couldn't find the answer ..." twice in English, then handed over ("2 answers in a row found nothing")
    manager = assistant.manager
    first = manager.handle(None, "Wie lange dauert der Versand?")
    second = manager.handle(first.session_id, "Was kostet der Versand?")
    yes = manager.handle(first.session_id, "ja")

    assert (first.action, first.abstained, first.handoff) == ("other_language", False, False)
    assert "nur auf Englisch" in first.text and "Support-Team" in first.text  # demo/replies.de.yaml's words
    assert second.action == "other_language" and not second.handoff  # not counted as a failed answer
    assert yes.handoff and yes.action == "handoff"


@pytest.mark.parametrize(
    ("question", "yes"),
    [
        ("¿Cuánto cuesta el envío?", "sí"),
        ("¿Cuánto cuesta el envío?", "si"),
        ("¿Cuánto cuesta el envío?", "Sí, por favor"),  # was told the languages again
        ("Combien coûte la livraison ?", "oui"),
        ("Combien coûte la livraison ?", "oui, merci"),
        ("Wie lange dauert der Versand?", "jawohl"),
        ("Wie lange dauert der Versand?", "ja bitte"),
    ],
)
def test_a_yes_in_the_customers_language_takes_the_offer_of_the_other_language_reply(assistant, question: str, yes: str) -> None:
    # "sí" and "oui" were searched and declined in English ("I couldn't find the answer ..."): the offer was not taken
    manager = assistant.manager
    first = manager.handle(None, question)
    taken = manager.handle(first.session_id, yes)

    assert first.action == "other_language"
    assert (taken.action, taken.handoff) == ("handoff", True), taken.text


def test_si_opening_a_sentence_is_no_yes_to_the_offer_of_a_person(assistant) -> None:
    # on a Sunday (support closed): within support hours a second failed question hands over on its own, "si" or not,
    # and the test failed whenever it ran in the demo's working hours. "si" alone is a yes since the keyword rules know
    # Spanish and Italian (2026-12-06: a Spanish shop's customers typed it without the accent, and it was searched); no
    # English message is "si" alone. Opening a sentence it is "if" (French, Italian) or a Spanish question's "si".
    assistant.manager.clock = lambda: datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    declined = assistant.manager.handle(None, "xylophone quantum zebra")
    si = assistant.manager.handle(declined.session_id, "si je retourne le colis en retard")

    assert declined.abstained and not si.handoff

    declined = assistant.manager.handle(None, "xylophone quantum zebra")
    assert assistant.manager.handle(declined.session_id, "si").handoff


def test_a_message_in_a_language_without_replies_is_told_so_in_english(assistant) -> None:
    # Spanish has its reply in demo/replies.es.yaml now; Russian has none
    result = assistant.manager.handle(None, "Сколько стоит доставка?")

    assert result.action == "other_language" and not result.abstained
    assert "answers in English only" in result.text and "member of our support team" in result.text


def test_an_english_question_the_help_centre_cannot_answer_is_still_declined(assistant) -> None:
    result = assistant.manager.handle(None, "xylophone quantum zebra")

    assert result.action == "answer" and result.abstained


def test_a_question_whether_a_channel_exists_is_answered_rather_than_handed_off() -> None:
    """'Do you offer phone support?' (the intent model: human) handed the customer to a person at once, the webhook
    fired, while 'Can I call you?' was answered: a question about a way of contact is a question."""
    by_model = Understanding("human", 0.8, source="classifier")

    for question in ("Do you offer phone support?", "Can I call you?", "Is there a live chat?", "Gibt es eine Hotline?"):
        assert predict(question, understanding=by_model).action == "answer", question
    # a request to be called back, or put through, is still one
    assert predict("Can someone from your team call me?", understanding=by_model).action == "handoff"
    assert predict("Können Sie mich anrufen?", understanding=by_model).action == "handoff"
    assert predict("Can I talk to a person on the phone?", understanding=Understanding("human", 1.0, source="rules")).action == "handoff"
