"""Whether a message typed while a conversation waits for a person takes the handoff back, or is a question of its
own the assistant may answer meanwhile (``asks_the_help_centre``).

The chat's "Back to the assistant" button and ``DELETE /api/sessions/{id}/handoff`` hand a conversation back; a
customer who types "never mind" or "I don't need a person anymore" means the same, and was relayed to staff
instead (every later question unanswered until a person came). A question asked with the take-back ("actually no,
I'll just ask you. how much is shipping?") is answered at once. Pure text rules, no state: the dialog manager decides
when they apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialog.policies import asks_a_question


@dataclass(frozen=True)
class TakeBacks:
    """One language's ways of taking a handoff back, as regular-expression texts matched ignoring case.

    ``explicit``: said in so many words, anywhere in the message, before or after a staff reply ("I don't need a
    person anymore"); ``plain``: a plain no that is the whole message, before any staff reply ("no thanks", "it's
    fine"); ``leading``: one that may also lead a question ("never mind, how much is shipping?"); ``before_question``:
    one that counts only leading a question ("I'll just email you. what's the address?"); ``openers``: words before a
    plain one ("actually", "oh"); ``left_over``: words left around a question besides them ("thanks", "but");
    ``subject``: the take-back's own subject, before an explicit one ("I", "ich"): plain words, no patterns.
    """

    explicit: tuple[str, ...] = ()
    plain: tuple[str, ...] = ()
    leading: tuple[str, ...] = ()
    before_question: tuple[str, ...] = ()
    openers: tuple[str, ...] = ()
    left_over: tuple[str, ...] = ()
    subject: tuple[str, ...] = ()


# someone the customer was to be handed to
_PERSON = r"(?:a |the |an |your )?(?:real |live )?(?:person|human|agent|staff|support(?: team)?|representative|operator|team member)"
# the assistant, which the customer goes back to
_ASSISTANT = r"(?:the |this )?(?:assistant|bot|chat ?bot|you)"
_APOSTROPHE = "['’]"

ENGLISH = TakeBacks(
    explicit=(
        # "I don't want a person to see this" is not it
        rf"(?:do not|don'?t|dont|no longer) (?:need|want) {_PERSON}(?: any ?more| now| after all)?(?!\s+to\b)",
        rf"no (?:need|longer need) (?:for |of )?{_PERSON}",
        r"cancel (?:the |my |that )?(?:handoff|hand-off|hand off|request|transfer)",
        rf"(?:i'?ll|i will) just ask {_ASSISTANT}",
        r"(?:i'?ll|i will) ask (?:the |this )?(?:assistant|bot|chat ?bot)",
        rf"(?:go|get|switch|take me) back to {_ASSISTANT}",
    ),
    plain=(
        r"no,? thanks?", "no thank you", "doesn'?t matter", r"it'?s (?:fine|ok(?:ay)?|all right)(?:,? (?:thanks?|thank you))?",
    ),
    leading=("never ?mind", "nvm", "forget (?:it|about it)", "cancel (?:that|it)", "don'?t bother", "no need"),
    # "no wait, I'll just email you. what's the email address?": another way to reach the shop, and a question for it
    before_question=(r"(?:i'?ll|i will) just (?:e-?mail|call|phone|ring|write to) (?:you|you guys|support|the team|them)",),
    openers=("actually", "oh", "ok(?:ay)?", "well", "sorry", "hmm+", "um+", "ah", "no", "wait"),
    left_over=("so", "then", "thanks?", "thank you", "but", "and", r"(?:i'?ll|i will) (?:just )?ask (?:you|the assistant|the bot)(?: instead)?"),
    subject=("i", "we", "really", "just"),
)

_GERMAN_PERSON = r"(?:eine?n? |die |den )?(?:person|mitarbeiter(?:in)?|menschen?|agenten|berater(?:in)?)"
GERMAN = TakeBacks(
    explicit=(
        rf"brauche?n? (?:doch |jetzt |nun )?keine?n? {_GERMAN_PERSON}",
        rf"(?:will|möchte|moechte) (?:doch )?(?:keine?n? {_GERMAN_PERSON}|nicht mehr mit {_GERMAN_PERSON} sprechen)",
        r"(?:anfrage|übergabe|weiterleitung) (?:abbrechen|stornieren)",
        r"zurück zum (?:assistenten|bot|chatbot)",
    ),
    plain=("nein,? danke", "(?:ist )?egal"),
    leading=("vergiss es", "schon gut", "doch nicht", "abbrechen", "nicht (?:mehr )?nötig", "lass (?:mal|es|gut sein)", "hat sich erledigt"),
    openers=("ach", "äh+", "nein", "nee", "also", "eigentlich", "doch", "sorry", "ok(?:ay)?"),
    left_over=("danke", "aber", "und", "dann"),
    subject=("ich", "wir", "wirklich"),
)

_FRENCH_PERSON = r"(?:une |un |la |le |l['’])?(?:vraie )?(?:personne|humain|agent|conseill(?:er|ère)|opérateur|opératrice|employée?)"
FRENCH = TakeBacks(
    explicit=(
        # "je n'ai plus besoin d'une personne", "nous n'avons pas besoin de parler à un conseiller"
        rf"n['’](?:ai|avons) (?:plus|pas|finalement pas) besoin (?:de parler |de |d['’])?(?:à |a |avec )?{_FRENCH_PERSON}",
        rf"(?:pas|plus) besoin (?:de parler |de |d['’])(?:à |a |avec )?{_FRENCH_PERSON}",
        # "je ne veux pas qu'une personne voie ça" is not it
        rf"ne (?:veux|voulons) (?:plus|pas) (?:parler (?:à|a|avec) )?{_FRENCH_PERSON}(?!\s+(?:pour|qui)\b)",
        r"annule[rz]? (?:la |ma |cette )?(?:demande|transfert|mise en relation)",
        r"(?:retour|revenir|retourner) (?:à l['’]|a l['’])(?:assistant|assistante)",
        r"je vais (?:juste |plutôt )?(?:demander|poser ma question) (?:à l['’]assistant|au (?:bot|chatbot)|à vous)",
    ),
    plain=("non,? merci", "(?:ce n['’]est |c['’]est )?pas grave", "ça ne fait rien"),
    leading=("laisse[zr]? tomber", "oublie[zr]?(?: ça)?", "pas besoin", "plus besoin", "tant pis", "finalement non"),
    openers=("ah", "oh", "euh+", "non", "bon", "en fait", "finalement", "désolée?", "pardon", "ok(?:ay)?"),
    left_over=("merci", "mais", "et", "alors", "donc"),
    subject=("je", "j", "ai", "nous", "vraiment"),  # "j'ai plus besoin d'un agent"
)

_SPANISH_PERSON = r"(?:a )?(?:una |un |la |el |al )?(?:persona|humano|agente|asesora?|operador(?:a)?|emplead[oa])"
SPANISH = TakeBacks(
    explicit=(
        # "ya no necesito a una persona", "no necesito hablar con un agente"; "no quiero que una persona vea esto" is not it
        rf"(?:ya no|no) (?:necesito|necesitamos|quiero|queremos) (?:hablar con )?{_SPANISH_PERSON}(?: ya)?(?!\s+(?:que|para)\b)",
        rf"no (?:hace falta|es necesari[oa]) (?:hablar con )?{_SPANISH_PERSON}",
        r"cancel(?:a|ar|e) (?:la |mi |esa )?(?:solicitud|transferencia|petición)",
        r"(?:volver|vuelvo|regresar|regreso) al (?:asistente|bot|chatbot)",
        r"(?:mejor )?(?:le )?pregunto al (?:asistente|bot|chatbot)",
    ),
    plain=("no,? gracias",),
    leading=("olv[ií]d(?:alo|elo|ate)", "d[eé]j(?:alo|elo)", "no hace falta", "no importa", "da igual", "no es necesario", "mejor no"),
    openers=("ah", "oh", "no", "bueno", "pues", "vale", "perd[oó]n", "lo siento", "en realidad", "ok(?:ay)?"),
    left_over=("gracias", "pero", "y", "entonces"),
    subject=("yo", "nosotros", "realmente"),
)

_ITALIAN_PERSON = r"(?:una |un |uno |la |il |l['’])?(?:persona|operatore|operatrice|umano|agente|consulente)"
ITALIAN = TakeBacks(
    explicit=(
        rf"non (?:ho|abbiamo) più bisogno (?:di parlare con |di |d['’])?{_ITALIAN_PERSON}",
        rf"non (?:mi |ci )?serve più {_ITALIAN_PERSON}",
        r"annull(?:a|are) (?:la |il )?(?:richiesta|trasferimento)",
        r"torn(?:o|are|a) (?:all['’]assistente|al (?:bot|chatbot))",
    ),
    plain=("no,? grazie",),
    leading=("lascia(?:te)? (?:perdere|stare)", "lasci (?:perdere|stare)", "non importa", "non serve", "non fa niente"),
    openers=("ah", "oh", "no", "beh", "allora", "scusa(?:te)?", "in realtà", "ok(?:ay)?"),
    left_over=("grazie", "ma", "e", "quindi"),
    subject=("io", "noi"),
)

_PORTUGUESE_PERSON = r"(?:uma |um |a |o )?(?:pessoa|humano|atendente|agente|funcionári[oa])"
PORTUGUESE = TakeBacks(
    explicit=(
        rf"(?:não|nao|já não|ja nao) precis(?:o|amos) (?:mais )?(?:de |falar com )?{_PORTUGUESE_PERSON}(?: mais)?",
        r"cancel(?:a|ar|e) (?:a |o |minha |meu )?(?:solicitação|solicitacao|transferência|transferencia|pedido de atendimento)",
        r"voltar (?:para o|pro|ao) (?:assistente|bot|chatbot)",
    ),
    plain=("n(?:ão|ao),? obrigad[oa]",),
    leading=("deixa (?:pra|para) l[aá]", "esque(?:ce|ça|ca)", "(?:não|nao) precisa", "(?:não|nao) importa"),
    openers=("ah", "oh", "não", "nao", "bem", "bom", "desculp(?:a|e)", "na verdade", "ok(?:ay)?"),
    left_over=("obrigad[oa]", "mas", "e", "então", "entao"),
    subject=("eu", "nós", "nos"),
)

_DUTCH_PERSON = r"(?:een |de |het )?(?:persoon|medewerker|mens|mensen|agent)"
DUTCH = TakeBacks(
    explicit=(
        rf"(?:heb|hebben) (?:geen|niet langer een) {_DUTCH_PERSON} (?:meer )?nodig",
        rf"(?:hoef|hoeven) (?:geen|niet meer met een) {_DUTCH_PERSON} (?:meer )?(?:te spreken)?",
        r"(?:annuleer|stop) (?:de |het |mijn )?(?:overdracht|verzoek|aanvraag)",
        r"terug naar de (?:assistent|bot|chatbot)",
    ),
    plain=("nee,? (?:bedankt|dank je(?: wel)?|dank u(?: wel)?)",),
    leading=("laat (?:ook )?maar(?: zitten)?", "maakt niet uit", "hoeft niet(?: meer)?", "niet (?:meer )?nodig", "vergeet het"),
    openers=("ah", "oh", "nee", "eigenlijk", "sorry", "toch", "ok(?:ay)?"),
    left_over=("bedankt", "maar", "en", "dan"),
    subject=("ik", "wij", "we"),
)

_NORWEGIAN_PERSON = r"(?:en |et )?(?:person|menneske|medarbeider|ansatt|agent)"
NORWEGIAN = TakeBacks(
    explicit=(
        rf"trenger ikke (?:lenger )?(?:å snakke med )?{_NORWEGIAN_PERSON}(?: lenger)?",
        r"(?:avbryt|kanseller) (?:forespørselen|overføringen)",
        r"tilbake til (?:assistenten|boten|chatboten)",
    ),
    plain=("nei,? takk",),
    leading=("(?:bare )?glem det", "ikke nødvendig", "trengs ikke", "det gjør ingenting", "samme det"),
    openers=("å", "ah", "nei", "egentlig", "sorry", "ok(?:ay)?"),
    left_over=("takk", "og", "så"),
    subject=("jeg", "vi"),
)

# each language's words together; a message may mix them ("ok, laissez tomber"). A bare "annuler", "cancelar" is no
# plain take-back, as "cancel" is none: while a person has an order's case it may mean the order
TAKE_BACKS = {"en": ENGLISH, "de": GERMAN, "fr": FRENCH, "es": SPANISH, "it": ITALIAN, "pt": PORTUGUESE, "nl": DUTCH, "nb": NORWEGIAN}


def _every(name: str, reversed_words: bool = False) -> str:
    """The alternatives of field ``name`` in every language, as one group, each once: an alternative twice in a
    repeated group ("ok" of every language) made a message of many "ok ok ok ..." take exponential time to fail.
    ``reversed_words``: each spelt backwards (for plain words only), to match them in a text reversed."""
    texts = dict.fromkeys(text for words in TAKE_BACKS.values() for text in getattr(words, name))
    if reversed_words:
        texts = dict.fromkeys(text[::-1] for text in texts)
    return "(?:" + "|".join(texts) + ")"


_OPENERS = rf"^\s*(?:{_every('openers')}[\s,.!]+)*"
# says so in so many words: anywhere in the message, before or after a staff reply
_EXPLICIT = re.compile(rf"\b{_every('explicit')}\b", re.IGNORECASE)
# the whole message is a plain "no" to the handoff ("never mind", "no thanks", "forget it"): before any staff reply
_PLAIN = re.compile(rf"{_OPENERS}(?:{_every('plain')}|{_every('leading')})\s*[.!]*\s*$", re.IGNORECASE)
# a plain take-back that leads a question ("never mind, how much is shipping?", "forget it. where is my order?"); not
# "no thanks" or "it's fine", which may say something else before a question
_PLAIN_FIRST = re.compile(
    rf"{_OPENERS}(?:{_every('leading')}|{_every('before_question')})"
    r"\s*[,.;:!-]+\s*(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
# "wait no, sorry, it's fine. Do you ship to Australia?": "it's fine" after a "no" ("it's fine, it arrived" may report)
_NO_ITS_FINE = re.compile(
    r"^\s*(?:(?:wait|oh|actually|ok(?:ay)?|well|hmm+|um+)[\s,.!]+)*(?:no|nope|nah)[\s,.!]+(?:(?:wait|sorry|actually)[\s,.!]+)*"
    r"it'?s (?:fine|ok(?:ay)?|all right)\s*[,.;:!-]+\s*(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)


def _question_after_plain(text: str) -> str | None:
    """The question after a plain take-back that leads the message ("never mind, how much is shipping?" -> "how much is
    shipping?"); None when the message does not open with one, or asks nothing after it."""
    match = _PLAIN_FIRST.match(text) or _NO_ITS_FINE.match(text)
    rest = _LEFT_OVER.sub("", match["rest"].strip()) if match else ""
    return rest if rest and asks_a_question(rest) else None


def takes_back_handoff(text: str, staff_replied: bool) -> bool:
    """Whether ``text``, typed while the conversation is with a person, takes the handoff back.

    Said in so many words ("I don't need a person anymore", "cancel the handoff", "I'll just ask the bot"), always;
    a plain "never mind", "no thanks" or "forget it", alone or leading a question ("never mind, how much is
    shipping?"), only while no member of staff has written yet: once one has, it may answer their question, and goes
    to them.
    """
    if _EXPLICIT.search(text):
        return True
    return not staff_replied and (bool(_PLAIN.match(text)) or _question_after_plain(text) is not None)


# what is left around a take-back besides the question: "actually no, ", ". ", ", thanks"
# A word ends at a space or a punctuation mark, not at a hyphen: "e", "en", "og" of other languages are no left-over
# in "e-gift cards", "e-mail", "en-US"
_LEFT_OVER = re.compile(
    rf"^(?:[\s,.;:!-]|\b(?:{_every('openers')}|{_every('left_over')})(?=[\s,.;:!?]|$))+", re.IGNORECASE
)
# the take-back's own subject, before its match ("how much is shipping? I don't need a person anymore"), matched at the
# start of that text reversed: anchored at its end ("(?:…)+$"), a search tried the pattern from every position, quadratic
# in a run of subject words ("I I I … x, how much is shipping? I don't need a person anymore": 2 s at 4000 characters)
_SUBJECT = re.compile(rf"(?:[\s,;:'’-]|\b{_every('subject', reversed_words=True)}\b)+", re.IGNORECASE)


def _without_subject(text: str) -> str:
    """``text`` without the subject words and separators that end it ("how much is shipping? I " -> "how much is
    shipping?"): the pattern is tried once, at the start of the text reversed."""
    match = _SUBJECT.match(text[::-1])
    return text[: len(text) - match.end()] if match else text


def question_with_take_back(text: str, staff_replied: bool = True) -> str | None:
    """The question a message that takes the handoff back also asks ("actually no, I'll just ask you. how much is
    shipping?" -> "how much is shipping?"), which the assistant answers at once; None when it asks nothing else ("I
    don't need a person anymore, thanks", "never mind"). A plain take-back leading the question ("never mind, how much
    is shipping?") counts only while no member of staff has written (``staff_replied`` False), as in
    ``takes_back_handoff``: it was relayed to staff, the question unanswered.
    """
    match = _EXPLICIT.search(text)
    if match is None:
        return None if staff_replied else _question_after_plain(text)
    parts = (_LEFT_OVER.sub("", part.strip()) for part in (_without_subject(text[: match.start()]), text[match.end():]))
    rest = " ".join(part for part in parts if part)
    return rest if rest and asks_a_question(rest) else None


# the problem handed over, pointed at ("what do I do now?", "is it sorted?", "any update on that?"): for the person
_ABOUT_THE_CASE = re.compile(
    r"\b(?:it|that|this|them|now|yet|update|news|status of (?:my|the) (?:case|request|ticket)|my case|my request|my ticket|anyone|someone|"
    r"somebody|you guys|agent|staff)\b",
    re.IGNORECASE,
)
# the customer's own case told ("my package arrived broken, how do I get a refund?", "I was charged twice, can you
# refund me?"): a detail for the person, though it also asks a question the help centre could answer in general
_OWN_CASE = re.compile(
    r"\b(?:my|our) (?:\w+ ){0,2}(?:arrived|came|is|was|were|has|have|had|got|broke|broken|hasn't|hasnt|never|didn't|didnt|"
    r"isn't|isnt|wasn't|wasnt|still|keeps|won't|wont|doesn't|doesnt)\b|"
    r"\bi (?:was|got|have been|am being|received|ordered|bought|paid|returned|sent|never|still|didn't|didnt|haven't|havent)\b|"
    r"\b(?:you|they) (?:sent|charged|cancelled|canceled|lost|never)\b",
    re.IGNORECASE,
)
# asking after the wait itself ("how long until someone replies?", "when will you answer?")
_ABOUT_THE_WAIT = re.compile(r"\b(?:reply|replies|respond|answer(?:s|ed)?|get back|wait(?:ing)?|queue|hear back)\b", re.IGNORECASE)
# a value for staff: an order number, an e-mail address, a phone number, a date (a word with a digit or an @); only
# whether there is one counts, so the character alone is looked for ("\S*[\d@]\S*" was quadratic on a long word)
_VALUE = re.compile(r"[\d@]")
# words that only lead into a question: "ok can i use paypal instead", "and how do i use a promo code"
_OPENING = re.compile(r"^(?:[\s,.;:!-]|\b(?:ok(?:ay)?|so|and|also|well|then|oh|hmm+|um+|btw|by the way|one more thing)\b)+", re.IGNORECASE)


def asks_the_help_centre(text: str, staff_replied: bool) -> bool:
    """Whether ``text``, typed while the conversation waits for a person, is a question of its own that the assistant
    may answer from the help centre while the handoff stays queued: only before any member of staff has written, only a
    question ("ok can i use paypal instead", "how much is shipping?"), and nothing for staff: no detail of the case
    (an order number, an e-mail address: "order NW-20481736, jane.doe@example.com"), nothing pointing at the problem
    handed over ("what do I do now?", "any update on that?"), nothing of the customer's own case ("my package arrived
    broken, how do I get a refund?") and nothing about the wait ("when will someone reply?").
    The dialog manager answers such a question only when the search finds an answer (no decline, no question which
    article is meant), and relays it otherwise, so one the assistant cannot answer still reaches staff.
    """
    asked = _OPENING.sub("", text)
    if staff_replied or len(asked.split()) < 3 or not asks_a_question(asked) or _VALUE.search(text):
        return False  # "why?" is about the case
    return not (_ABOUT_THE_CASE.search(text) or _OWN_CASE.search(text) or _ABOUT_THE_WAIT.search(text))
