"""Follow-up rewriting: "and how long does that take?" after "how do I return an item?" becomes a
standalone query ("how long does it take to return an item?") before retrieval. Pure functions.

A message is a follow-up when it opens with a connective ("and", "what about", "also", ...) or with a reference
as its subject ("it says delivered though"), when it is short and says "them" or "they", or when it
names no topic of its own (every content word is generic: take, long, cost, ...), whether it refers back (it,
that, this, they, ...), is very short, or neither ("how long do I have?"), or when it names only words of the last
question, which named more ("how much is shipping?" after "do you ship to Canada?"). The rewrite puts the previous
query's topic in place of the reference. A follow-up that asks a question of its own about a new thing, and points
back to nothing, is searched alone first (``searched_alone_first``).

German follow-ups ("und wie lange dauert das?", "Was ist mit Expressversand?") are found by the same rules
with German words; as a German reference cannot simply be swapped for the topic (cases, word order), the
topic is added after the question instead: "wie lange dauert das (einen Artikel zurückgeben)?".
"""

from __future__ import annotations

import re

from retrieval.documents import detect_language
from retrieval.places import places
from retrieval.stems import stem


def _lone(word: str) -> str:
    """A pattern for a connective of one short ``word`` ("y", "et", "e", "en"): in lower case, or in any case right
    after "¿" or "¡" ("¿Y a plazos?"), and followed by a word."""
    return rf"(?:(?<=[¿¡]){word}|(?-i:{word}))(?=[\s,]+[^\W\d_])"


# Spanish, French, Italian, Portuguese and Dutch connectives, after an opening "¿" and an acknowledgement ("vale, ¿y a
# Canarias?"): "¿y a plazos?", "¿qué tal con Bizum?", "¿y si pago con PayPal?", "et en plusieurs fois ?", "qu'en est-il
# de PayPal ?", "e a rate?", "en met iDEAL?". A lone "y" not before an English question's word ("y is my parcel late?"
# asks why), none before "-" ("e-mail", "en-US"), "o" ("or") only after "¿" (Portuguese opens with the article "o"); no
# "dan" or "ma" (English words, a name). A lone "y", "et", "e" or "en" (``_lone``) only in lower case or after "¿", and
# before a word: "ET timezone hours?", "EN version?" are English, and "y" alone asks nothing
_OTHER_CONNECTIVE = (
    r"(?:(?:vale|ok(?:ay)?|bueno|perfecto|gracias|merci|d'accord|grazie|obrigad[oa]|oké|bedankt),?\s+)?[¿¡]?\s*(?:"
    r"y\s+(?:qu[ée]\s+tal|qu[ée]\s+pasa\s+con|si|para|con|en\s+cuanto\s+a|respecto\s+a|lo\s+de)"
    rf"|{_lone('y')}(?!\s+(?:is|are|do|does|did|can|would|not|u|you|my|the|so)\b)|(?<=¿)o"
    r"|qu[ée]\s+tal|qu[ée]\s+pasa\s+con|en\s+cuanto\s+a|respecto\s+a|tambi[ée]n|adem[áa]s|pero|entonces"
    rf"|et\s+(?:si|pour|avec|en)|(?:et\s+)?qu['’]en\s+est-il\s+d[eu]s?|{_lone('et')}|aussi|mais|alors"
    rf"|e\s+(?:se|per|con|invece|quanto\s+a[o]?)|(?:e\s+)?per\s+quanto\s+riguarda|{_lone('e')}(?![.@]|\s+mail\b)|anche"
    r"|invece|allora|(?:e\s+)?quanto\s+(?:a|ao|à)|tamb[ée]m|ent[ãa]o|mas"
    rf"|en\s+(?:als|voor|met)|(?:en\s+)?hoe\s+zit\s+het\s+met|(?:en\s+)?wat\s+als|{_lone('en')}|ook)(?![-'’])"
)
# a message of another language's connective alone ("y", "¿y?", "e", "en", "pero"): no follow-up, as before those
# connectives were read (English "and?" still asks to go on)
_OTHER_CONNECTIVE_ALONE = re.compile(
    r"^[\s¿¡]*(?:y|o|et|e|en|tambi[ée]n|adem[áa]s|pero|entonces|aussi|mais|alors|anche|invece|allora|tamb[ée]m|ent[ãa]o"
    r"|mas|ook)[\s?!.…]*$",
    re.IGNORECASE,
)
_CONNECTIVE = re.compile(
    r"^\s*(?:and|also|but|so|plus|then|ok(?:ay)?,?\s+and|what about|how about|and what about|and how about|same for|what if"
    r"|(?:(?:sorry|oops|no|actually),?\s+)?i\s+mean(?:t)?"
    r"|und|aber|auch|dann|ok(?:ay)?,?\s+und|(?:und\s+)?was ist mit|(?:und\s+)?wie (?:ist|sieht) es mit|gilt das auch für"
    rf"|{_OTHER_CONNECTIVE})\b[\s,]*",
    re.IGNORECASE,
)
# an acknowledgement or greeting in front of what is asked ("ok, how do I reset my password?", "hi, how long do refunds
# take?"): searched with the question, its word drew the passages away (the Google sign-in caveat, not the reset steps)
_GREETING_FIRST = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|alright|all right|hi|hello|hey|hallo|thanks|thank you)(?:\s+(?:there|so much|again))?[\s,.!…:;]+)+",
    re.IGNORECASE,
)


def without_opening(text: str) -> str:
    """``text`` without an acknowledgement or greeting before what it asks, for the search; ``text`` itself when
    nothing of two words or more would be left ("ok thanks", "hi there")."""
    rest = _GREETING_FIRST.sub("", text, count=1)
    return rest if len(_WORD.findall(rest)) >= 2 else text


_REFERENCE = re.compile(r"\b(it|that|this|those|these|they|them|its|one|there|then)\b", re.IGNORECASE)
# Latin letters, accented ones too ("envío", "prestações"); "'" and "-" inside ("don't", "est-il")
_LETTERS = "a-zßà-öø-ÿœ"
_WORD = re.compile(rf"[{_LETTERS}][{_LETTERS}'-]*", re.IGNORECASE)
STOPWORDS = frozenset(
    """a an the and or but so also plus then what about how why when where which who whom whose is are was were be been
    being do does did doing done have has had having can could would should will shall may might must i me my mine we
    us our you your he she him her it its they them their this that these those there here to of in on at by for with
    from into onto up out if as than too very just only any some no not please ok okay thanks thank yes one much many
    long ago soon still again more less else other same""".split()
    # German: articles, pronouns, question words, auxiliaries and particles. A few are rare English words too
    # ("die", "den", "dies"): "does it die?" now reads as a follow-up, a price of German's commonest article.
    + """der die das den dem des ein eine einen einem einer eines und oder aber auch dann ich mich mir mein meine
    meinen meiner wir uns unser unsere du dich dir dein deine sie ihr ihre ihren es ist sind wird werden wurde
    kann können könnte muss müssen soll sollte darf dürfen wie was wann wo woher wohin warum wieso welche welcher
    welches welchen wer wen wem bitte danke ja nein nicht kein keine keinen noch mal schon zu zum zur von vom mit
    bei beim nach für auf im am um aus über dies diese dieser dieses diesem diesen dafür dazu davon damit darauf
    dort dorthin gibt viel viele wieviel sehr""".split()
    # Spanish, the same kinds of words; not those that are English words too ("son", "hay", "sin", "todo", "solo")
    + """el la lo los las un una unos unas y o u e de del al en con por para sobre entre hasta desde que qué cual cuál
    cuales cuáles quien quién cuando cuándo donde dónde como cómo cuanto cuánto cuanta cuánta cuantos cuántos cuantas
    cuántas porque mi mis tu tus su sus nuestro nuestra nuestros nuestras te se le les nos yo tú usted ustedes él ella
    ellos ellas esto eso este esta estos estas ese esa esos esas ello aquí allí ahí es está están estoy soy ser estar ha
    he has han hemos haber tiene tienen tengo tenemos tenéis puedo puede pueden podemos podéis podría sí muy más menos
    también tampoco ya aún todavía pero si entonces así algo alguno alguna nada ningún ninguna otro otra otros otras
    mismo misma cada toda todos todas gracias hola favor vale bueno hacéis""".split()
)
# Content words too general to name a topic on their own.
GENERIC = frozenset(
    """take takes took taking cost costs costing price prices fee fees charge charged free time times day days week weeks
    hour hours minute minutes work works working get gets got getting need needs needed happen happens happened
    possible available allowed way ways mean means go goes going come comes make makes made help
    want like know tell say says said usually normally typically exactly really now use uses used using once twice
    two three both together though next wait waits waiting waited""".split()
    + """dauert dauern dauerte lange kostet kosten kostenlos gratis gebühr gebühren preis preise zeit tage tagen
    woche wochen stunde stunden minute minuten geht gehen funktioniert funktionieren möglich erlaubt bekomme bekommt
    bekommen brauche braucht brauchen mache macht machen passiert normalerweise genau""".split()
    + """tarda tardan tardar tardáis cuesta cuestan costar coste costes precio precios gratis gratuito gratuita tiempo día
    días semana semanas hora horas minuto minutos funciona funcionan funcionar hacer hago hace hacen pasa pasar ocurre
    posible permitido disponible necesito necesita necesitan quiero quiere queremos saber normalmente exactamente ahora
    llega llegan llegar usar uso forma manera""".split()
)
# Question openings dropped from the previous query to leave its topic ("how do I" + "return an item").
_OPENING = re.compile(
    r"^\s*(?:how\s+(?:much|many|long|often|soon)\s+(?:do|does|did|is|are|will|can|would)\s+(?:(?:i|we|you|it|they)\b)?\s*"
    r"(?:(?:takes?|costs?)\s+(?:me\s+|us\s+)?to\s+)?|"  # "how long does it take to" + "return an item"
    r"(?:how|what|where|when|why|which|who)\s+(?:do|does|did|can|could|should|would|will|is|are|was)\s+"
    r"(?:(?:i|we|you|it|they|one)\b)?\s*|(?:do|does|can|could|will|would|is|are)\s+(?:you|we|i|it|they)\s+(?:(?:offer|have|sell|provide|accept|take)\s+)?|can\s+i\s+|could\s+i\s+|how\s+to\s+|is\s+it\s+possible\s+to\s+|i\s+want\s+to\s+|"
    r"i\s+(?:would|'d)\s+like\s+to\s+|i\s+need\s+to\s+|please\s+|"
    # a choice or a wish said as a statement: "I'd like a refund", "I'll choose a refund", "I want an exchange" (kept
    # whole, "how much will that cost me?" next was searched "how much will I'd like a refund cost me?")
    r"i(?:\s+would|'d|\s+will|'ll)\s+(?:like|choose|take|go\s+(?:for|with)|prefer)\s+|i\s+(?:want|need|choose|chose|prefer|picked)\s+|"
    # German: "Wie kann ich" + "meine Adresse ändern", "Was kostet" + "der Versand", "Wie lange dauert" + "die Lieferung"
    r"(?:wie|was|wo|wann|warum|wieso)\s+(?:kann|muss|soll|darf|könnte)\s+(?:ich|man|wir)\s+|"
    r"(?:wie\s+(?:lange|viel)\s+)?(?:dauert|kostet)\s+(?:es\s+)?|was\s+kostet\s+|"
    r"(?:kann|muss|darf|soll)\s+(?:ich|man|wir)\s+|ich\s+(?:möchte|will|muss)\s+)",
    re.IGNORECASE,
)


# A follow-up that asks a question of its own after its connective (without "it", "that", ...), rather than a
# variation of the last one.
_OWN_QUESTION = re.compile(
    r"(?:(?:how|what|when|where|which|who|why)(?:['’]s)?|can|could|do|does|did|is|are|will|would|should|wie|was|wann|wo|warum|"
    r"welche[rsmn]?|kann|muss|darf|ist|sind|gibt|"
    # Spanish: "¿y cuánto tarda el reembolso?", "¿y puedo pagar en tienda?"
    r"¿?(?:c[óo]mo|cu[áa]nt[oa]s?|cu[áa]ndo|d[óo]nde|qu[ée]|cu[áa]l(?:es)?|qui[ée]n|por\s+qu[ée]|puedo|puede[ns]?|podemos|hay"
    r"|tienen|ten[ée]is|hac[ée]is|es|son|est[áa]n?|se\s+puede))\b\s+\S+",
    re.IGNORECASE,
)


# "it says delivered though", "that didn't work": a message whose subject is the last answer's topic.
_OPENS_WITH_REFERENCE = re.compile(r"^\s*(?:it|that|this|they|those|these)(?:'s|\s+(?!is\s+possible\b))\s*\S", re.IGNORECASE)
# also "¿para Canarias?", "¿a Canarias?", "pour la Belgique ?", "voor België?" ("a" after "¿" only: "a refund please"
# asks for one); not "per" ("per item shipping cost?", "per day?" are English) nor "por favor" ("please")
_PREPOSITION_FIRST = re.compile(
    r"^\s*(?:for|to|in|into|with|by|on|from|via|outside"
    r"|¿?\s*(?:para|desde|hasta|por(?!\s+favor\b)|pour|avec|vers|voor|naar)|¿\s*(?:a|en))\s+\S",
    re.IGNORECASE,
)
# "with" in Spanish/Italian, Portuguese and Dutch is an English word too ("con ed bill?", "com domain included?", "met
# the deadline?"): a preposition after "¿"/"¡" ("¿con PayPal?"), where the last question used it ("met iDEAL?" after
# "Kan ik met een creditcard betalen?") or where the last question was in its language ("con PayPal?" after "¿Aceptáis
# tarjeta?": Spanish's "¿" or "¡" says so for "con", else ``detect_language``)
_WITH_FIRST = re.compile(r"^\s*(?P<mark>[¿¡]\s*)?(?P<with>con|com|met)\s+\S", re.IGNORECASE)
_WITH_LANGUAGES = {"con": ("es", "it"), "com": ("pt",), "met": ("nl",)}


def _opens_with_a_preposition(text: str, previous_query: str) -> bool:
    """Whether ``text`` opens with a preposition ("for paypal?", "¿para Canarias?", "met iDEAL?"), read as above."""
    if _PREPOSITION_FIRST.match(text):
        return True
    with_first = _WITH_FIRST.match(text)
    if with_first is None:
        return False
    word = with_first.group("with").lower()
    if with_first.group("mark") is not None or re.search(rf"\b{word}\b", previous_query, re.IGNORECASE):
        return True
    if word == "con" and re.search("[¿¡]", previous_query):
        return True
    return bool(previous_query) and detect_language(previous_query, default="") in _WITH_LANGUAGES[word]


_PLURAL_REFERENCE = re.compile(r"\b(?:them|they|those|these)\b", re.IGNORECASE)
_IT = re.compile(r"\bit\b", re.IGNORECASE)
# "this"/"that" and the word after it ("that's": the word is "'s"): "this status", "this gift card" name a thing of
# their own, "does that include", "is that the same", "how much is that?" point back
_DEMONSTRATIVE = re.compile(r"\b(?:this|that)\b(['’]s\b|\s+[^\W\d_][\w'’-]*)?", re.IGNORECASE)
# verbs of which "that"/"this" is the subject, beside GENERIC's: "does that include sale items?"
_VERB_AFTER_A_REFERENCE = frozenset(
    """include includes included apply applies cover covers count counts matter matters affect affects change changes
    expire expires last lasts show shows look looks sound sounds seem seems""".split()
)
_NOT_A_REFERENCE = re.compile(
    r"\b(?:(?:it(?:'s|\s+is)|is\s+it)\s+(?:possible|ok(?:ay)?|true|normal|safe)|(?:that(?:'s|\s+is|\s+was)|is\s+that)\s+all)\b",
    re.IGNORECASE,
)


# "what's", "don't", "I'm": a stopword with its contraction ("can't" is "can", "won't" "will")
_CONTRACTION = re.compile(r"(?:n['’]t|['’](?:s|re|ve|d|ll|m))$", re.IGNORECASE)
_NOT_STEM = {"ca": "can", "wo": "will", "sha": "shall"}


def _is_stopword(word: str) -> bool:
    """Whether ``word``, or the word it contracts ("what's", "don't", "can't"), is a stopword."""
    word = word.lower()
    if word in STOPWORDS:
        return True
    bare = _CONTRACTION.sub("", word)
    return bare != word and _NOT_STEM.get(bare, bare) in STOPWORDS


def content_words(text: str) -> list[str]:
    """The words of ``text`` that are not stopwords (nor a stopword's contraction: "what's", "didn't"), lowercased."""
    return [w.lower() for w in _WORD.findall(text) if not _is_stopword(w)]


def names_a_topic(text: str) -> bool:
    """Whether the message has a content word that is not generic (it says what it is about)."""
    return any(w not in GENERIC for w in content_words(text))


def _points_back(text: str) -> bool:
    """Whether ``text`` says "it", or "this"/"that" other than before a word that names a thing ("what does this
    status mean?", "how do I use this gift card?": searched as follow-ups they got the last answer's article)."""
    if _IT.search(text):
        return True
    for match in _DEMONSTRATIVE.finditer(text):
        after = (match.group(1) or "").strip().lower()
        if not after or after.startswith(("'", "’")) or after in STOPWORDS or after in GENERIC or after in _VERB_AFTER_A_REFERENCE:
            return True
    return False


def _stem(word: str) -> str:
    """A word without its endings, so that its forms match: the Snowball (Porter 2) stem of ``retrieval.stems``, as the
    keyword search's ("payments" is "payment", "cancelled" and "cancelling" "cancel", "policies" "polici" as "policy"),
    with a final doubled consonant counted once ("staff" and "staffed" are "staf"; Snowball leaves "staff" as it is)."""
    stemmed = stem(word, single_final=True)
    return _SAME_THING.get(stemmed, stemmed)


# nouns of one meaning, by stem: "how long does delivery take?" after "do you ship to Canada?" names that question's
# head in other words (the verbs differ: an order "delivered" is not one "shipped")
_SAME_THING = {"deliveri": "ship", "shipment": "ship"}


def stems(text: str) -> set[str]:
    """Every word of ``text`` (stopwords too), stemmed (``_stem``)."""
    return {_stem(w) for w in _WORD.findall(text)}


def topic_words(text: str) -> set[str]:
    """The words that name a topic in ``text`` (not a stopword, not GENERIC), stemmed."""
    return {_stem(w) for w in content_words(text) if w not in GENERIC}


# two things joined: "a promo code plus a gift card", "gift cards together with a promo code"; listed (``_LISTED``)
# without "with", which may join a thing and what it has ("a card with a message")
_JOINING = r"[^\W\d_][\w'-]*\s+(?:{})\s+(?:(?:an?|the|my|your|one|\d+)\s+)?[^\W\d_]"
_LISTING = r"plus|and|together\s+with|along\s+with|combined\s+with|\+"
_JOINED = re.compile(_JOINING.format(_LISTING + r"|with"), re.IGNORECASE)
_LISTED = re.compile(_JOINING.format(_LISTING), re.IGNORECASE)


def joins_two_things(text: str) -> bool:
    """Whether ``text`` (without its connective) asks about two things together ("what about a promo code plus a gift
    card?"): a combination is a question of its own, even where the last answer named each of the two."""
    return bool(_JOINED.search(_CONNECTIVE.sub("", text, count=1)))


def in_the_answers_words(text: str, said: str) -> str:
    """``text`` with each word that is a clipped form of a word of ``said`` (the last answer) written as that word:
    "and for postgrads?" after "postgraduate students get 750" is "and for postgraduate?" ("admin" for "administrator",
    "undergrads" for "undergraduate"). Read as new, "postgrads" left that answer's sentence out of the next one, which
    gave the top-up and refund sentences instead. A clipping is a word of 5 letters or more (without a plural "s")
    that begins a topic word of ``said`` at least 3 letters longer, of another stem ("returns" is no clipping of
    "returnable": their stems are the same already), and stops inside that word (``_cut_in_a_word``): "can you deliver
    on sunday?" after "Deliveries run Monday to Saturday" keeps "deliver", and "and express?" is no "expressway"."""
    said_words = {w.lower() for w in content_words(said) if w.lower() not in GENERIC}

    def whole(match: re.Match[str]) -> str:
        word = match.group(0)
        if _is_stopword(word) or word.lower() in GENERIC:
            return word
        base = word.lower()[:-1] if word.lower().endswith("s") and not word.lower().endswith("ss") else word.lower()
        if len(base) < 5 or _stem(word) in {_stem(w) for w in said_words}:
            return word
        longer = sorted(w for w in said_words if w.startswith(base) and len(w) >= len(base) + 3 and _stem(w) != _stem(word)
                        and _cut_in_a_word(base, w[len(base):]))
        return longer[0] if longer else word

    return _WORD.sub(whole, text)


# endings that make a word of another ("deliver|ies", "print|able", "post|age"), one after another ("act|ion|s")
_ENDINGS = """s 's ' d es ies ied ier iest y ly ily ed en er ery ing ion ation ition ization isation at ate ator ise ize ify
    ific ifi able ably ible ibly abil ibil ity al ial ual ian ese ance ence iency ancy ency ant ent ient ive ative itive ous
    ious ism ist ee or ory ary ure est ish ic ical age ment ness ful less ship hood ward wise""".split()
# a word and its endings, or endings alone; with the words of STOPWORDS and GENERIC (of 3 letters or more: "d|uate" is
# no "du" and "ate") and a few that begin with a vowel, a word after another in one ("check|out", "express|way",
# "mean|time")
_WORDS_IN_ONE = {w for w in STOPWORDS | GENERIC if len(w) >= 3} | {"out", "over", "off", "all", "own", "owner", "up", "on", "in"}
_A_WORD_OR_ENDINGS = re.compile("(?:{})?(?:{})*".format(
    "|".join(map(re.escape, sorted(_WORDS_IN_ONE, key=len, reverse=True))),
    "|".join(map(re.escape, sorted(_ENDINGS, key=len, reverse=True))),
))


def _cut_in_a_word(clipped: str, rest: str) -> bool:
    """Whether a word of the answer's, ``clipped`` and then ``rest``, was cut there, as a clipping is ("postgrad|uate",
    "admin|istrator"): the cut syllable's consonant stays with the clipping, so ``rest`` begins with a vowel ("express|
    way" is a word and another), and it is no English ending ("deliver|ies": "deliver" is a word of its own) nor a
    word, with the clipping's last letter or without ("check|out", "meant|ime"). A clipping that ends in a vowel other
    than a silent "e" is cut after it, before a consonant ("intro|duction", "photo|graph"); "store|front" is a word
    and another."""
    vowels = set("aeiou")
    cut = rest[:1] in vowels or (clipped[-1:] in vowels - {"e"} and rest[:1] not in vowels)
    return cut and not any(_A_WORD_OR_ENDINGS.fullmatch(tail) for tail in (rest, clipped[-1:] + rest))


def only_names_what_was_said(text: str, said: str) -> bool:
    """Whether every word of ``text`` that names a topic was in ``said`` (the last answer): "and apple pay?" after a list
    of payment methods that names Apple Pay is about that answer's article, not the refund times that also name it; a
    clipped word (``in_the_answers_words``: "postgrads" for "postgraduate") names the answer's word.
    Not for two things joined (``joins_two_things``): "what about a promo code plus a gift card?" after "Promo codes
    cannot be used to buy gift cards" asks about the two together, which that answer's article does not."""
    own = topic_words(_CONNECTIVE.sub("", in_the_answers_words(text, said), count=1))
    return bool(own) and own <= topic_words(said) and not joins_two_things(text)


def shares_a_topic_word(text: str, said: str) -> bool:
    """Whether ``text`` (of 8 words or fewer) names a topic ``said`` (the last answer) named too: "can I add a message?"
    after "Tick Add gift wrap for each item" is tied to that answer, and is searched in its context if alone it finds
    nothing; "Are you hiring at your warehouse?" after the payment methods is not, nor is a question that lists things
    of its own ("how much for 2 adults and a car?" after the vehicle limits: ``_lists_new_things``)."""
    named = topic_words(said)
    return 0 < len(_WORD.findall(text)) <= 8 and bool(topic_words(text) & named) and not _lists_new_things(text, named)


def _lists_new_things(text: str, named: set[str]) -> bool:
    """Whether ``text`` lists things (``_LISTED``: "2 adults and a car") of which one is not in ``named``: a question
    of its own, not tied to an answer that named one of them ("Cars higher than 1.9 metres ..."); read with the last
    question, it got that question's details and its article ("how much for 2 adults and a car (my high vehicle is
    3.5 m tall, ...)?")."""
    return bool(_LISTED.search(text)) and bool(topic_words(text) - named)


_CORRECTION = re.compile(r"^\s*(?:(?:sorry|oops|no|actually),?\s+)?i\s+mean(?:t)?\b", re.IGNORECASE)


def _corrected(question: str, word: str) -> str | None:
    """``question`` with the one word ``word`` in place of the word before its topic's noun: "how much is standard
    shipping?" corrected with "express" is "how much is express shipping?". Kept as the question, so that the next
    follow-up ("and to the UK?") varies the corrected question; as "...: express" it varied the first one again.
    None when ``word`` is more than one word, or the question has no such pair of topic words."""
    new = word.strip().rstrip("?.! ")
    if not re.fullmatch(r"[^\W\d_][\w'-]*", new):
        return None
    words = list(re.finditer(r"[^\W\d_][\w'-]*", question))
    for first, second in zip(words, words[1:]):
        pair = [first.group().lower(), second.group().lower()]
        adjacent = question[first.end():second.start()].strip() == ""
        if adjacent and all(w not in STOPWORDS and w not in GENERIC for w in pair) and new.lower() not in pair:
            return f"{question[: first.start()]}{new}{question[first.end():]}".rstrip("?.! ") + "?"
    return None


# "a new one", "another one", "a different one": another of the thing the last question was about, not a number
_ANOTHER_ONE = re.compile(r"\b(?:(?:an?|the)\s+(?!one\b)[^\W\d_][\w'-]*|another)\s+one\b(?!\s+of\b)", re.IGNORECASE)


# "is it ...?", "does that ...?": the reference is the question's subject
_REFERENCE_AS_SUBJECT = re.compile(
    r"^\s*(?:is|are|was|were|does|do|did|will|would|can|could|has|have|should)\s+(?:it|that|this)\b", re.IGNORECASE
)


# "the email", "the link": a thing named as one already known (the definite article)
_DEFINITE = re.compile(r"\bthe\s+([^\W\d_][\w'-]*)", re.IGNORECASE)


# "a payment", "one of the payments", "the last payment": one thing of several
_ONE_OF = re.compile(
    r"\b(?:an?|one|each|every|another|the\s+(?:first|second|third|last|next|final))\s+(?:of\s+(?:the|my|them|those)\s+)?"
    r"([^\W\d_][\w'-]*)",
    re.IGNORECASE,
)


def names_one_of_several(text: str, said: str) -> bool:
    """Whether ``text`` (of 8 words or fewer) names one of several things ``said`` (the last answer) spoke of in the
    plural: "what happens if I miss a payment?" after "Pay in 4 splits your order into 4 interest-free payments" is
    about one of those payments; searched alone, it got the payments declined at checkout. Not a question that lists
    things of its own (``_lists_new_things``): "how much for 2 adults and a car?" after "Cars higher than 1.9 metres
    ..." asks the fares."""
    if not 0 < len(_WORD.findall(text)) <= 8 or _lists_new_things(text, topic_words(said)):
        return False
    for match in _ONE_OF.finditer(text):
        thing = match.group(1).lower()
        if thing in STOPWORDS or thing in GENERIC:
            continue
        singular = {thing, thing.removesuffix("s")}  # "one of the payments"
        if any(re.search(rf"\b{re.escape(one)}e?s\b", said, re.IGNORECASE) for one in singular):
            return True
    return False


def reports_on_what_was_said(text: str, said: str) -> bool:
    """Whether ``text`` is a short statement (no question) about a thing ``said`` (the last answer) named, called "the"
    thing: "I didn't get the email" or "the link has expired" after the password-reset steps are about that e-mail and
    link; searched alone, "I didn't get the email" got how to e-mail the support team. So is a statement that the
    customer did what it named (``things_done``: "i looked in spam, nothing there" after "look in your spam folder"). A question that names one of
    several things the answer spoke of is about them too (``names_one_of_several``)."""
    words = _WORD.findall(text)
    if names_one_of_several(text, said):
        return True
    if not words or len(words) > 8 or "?" in text or _OWN_QUESTION.match(text):
        return False
    named = topic_words(said)
    if things_done(text) & named:  # "i looked in spam, nothing there" after "look in your spam or promotions folder"
        return True
    return any(
        _stem(m.group(1)) in named for m in _DEFINITE.finditer(text) if m.group(1).lower() not in STOPWORDS | GENERIC
    )


# "I already checked my spam folder", "checked spam already", "i looked in spam": something the customer has done
_DONE = re.compile(
    r"(?:^\s*|\bi(?:['’]ve|\s+have)?\s+)(?:already\s+)?(?:checked|looked|tried|searched|cleared|restarted|followed)\b",
    re.IGNORECASE,
)
_DONE_WORDS = frozenset("already checked looked tried searched cleared restarted followed nothing everything".split())
# where the clause of what was done ends: "I already checked my spam folder, still no reset email"
_CLAUSE_END = re.compile(r"[,;.!?]|\b(?:but|still|yet|and|where|how|why|when|what)\b", re.IGNORECASE)


def things_done(text: str) -> set[str]:
    """The words (stemmed) of what ``text`` says the customer has already done or looked at: {"spam", "folder"} for "I
    already checked my spam folder"; empty when it says no such thing. Advice to do it again is no answer (the customer
    who said they had looked was told to check the spam folder)."""
    done = _DONE.search(text)
    if not done:
        return set()
    clause = _CLAUSE_END.split(text[done.end():], maxsplit=1)[0]  # not the rest: "…, still no reset email" was done too
    return {_stem(w) for w in content_words(clause) if w not in GENERIC and w not in _DONE_WORDS}


def refers_back(text: str) -> bool:
    """Whether ``text`` says "it", "that", "them", "one", ... (``_REFERENCE``): "is klarna one of them?"."""
    return bool(_REFERENCE.search(text))


def opens_with_connective(text: str) -> bool:
    """Whether ``text`` opens with "and", "what about", "also", ... (or their German)."""
    return bool(_CONNECTIVE.match(text))


# a number without the thing it counts ("can I use two on one order?" after how to use a gift card): the thing is
# the last answer's
_BARE_COUNT = re.compile(
    r"\b(?:two|three|four|five|both|several|multiple|another)(?:\s+(?:on|in|at|for|with|per|of|together|at\s+once)\b|\s*[?.!]*\s*$)",
    re.IGNORECASE,
)


# a word in capitals names a thing of its own, whatever it spells: "US", "UK", "EU" (not "us")
_CAPITALS = re.compile(r"\b(?!OK\b)[A-Z]{2,}\b")


def names_less_than(text: str, previous_query: str) -> bool:
    """Whether ``text`` names a topic, and only with words the last question (``previous_query``) named, which named
    more: "how much is shipping?" after "do you ship to Canada?" names that question's head (shipping) without its
    place, and still means Canada. "how much is shipping to the US?" names a place of its own, "and do I need to leave
    a deposit?" after a child seat a thing of its own (``searched_alone_first``)."""
    own = _named(text)
    left_out = _named(previous_query) - own
    return bool(own) and own < _named(previous_query) and bool(left_out & _named(" ".join(_names(previous_query))))


def _names(text: str) -> list[str]:
    """The names in ``text``: words written with a capital inside the sentence ("Canada", "PayPal", "UK"), not "I",
    not a sentence's first word, none in a message written all in capitals. Only a name left out is carried over:
    "how much is shipping?" after "how much does express shipping cost?" asks about shipping as a whole."""
    words = _WORD.findall(text)
    if sum(w.isupper() for w in words) > len(words) / 2:  # shouted: every word has capitals
        return []
    starts = {m.end() for m in re.finditer(r"(?:^|[.?!]\s+)", text)}
    return [m.group(0) for m in _WORD.finditer(text) if m.group(0)[0].isupper() and m.group(0) != "I" and m.start() not in starts]


def _named(text: str) -> set[str]:
    """``topic_words`` of ``text`` and its words in capitals, lowercased."""
    return topic_words(text) | {w.lower() for w in _CAPITALS.findall(text)}


def is_follow_up(text: str, previous_query: str = "") -> bool:
    """Whether ``text`` depends on the conversation before it (``previous_query``, the last question) to be understood."""
    words = _WORD.findall(text)
    if not words or _OTHER_CONNECTIVE_ALONE.match(text):
        return False
    if previous_query and names_less_than(text, previous_query):  # "how much is shipping?" after "do you ship to Canada?"
        return True
    if _CONNECTIVE.match(text) or (len(words) <= 4 and _opens_with_a_preposition(text, previous_query)):  # "for paypal?", "to the UK?"
        return True
    if not _NOT_A_REFERENCE.search(text):  # "is it possible to ...?" refers to nothing before it
        if len(words) <= 8 and _OPENS_WITH_REFERENCE.match(text):  # "This is my first order, do you ship to Canada?" is not
            return True
        if len(words) <= 6 and _PLURAL_REFERENCE.search(text):  # "is klarna one of them?" after the payment methods
            return True
        # "does that include sale items?", "can I get it as a PDF?", "can I use two on one order?"
        if len(words) <= 8 and (_points_back(text) or _BARE_COUNT.search(text)):
            return True
    # a message that names no topic of its own is about the last one, with a reference ("how much is it?"), short
    # ("how long?") or neither ("how long do I have?", "what do I need to do?")
    return not names_a_topic(text)


def is_short(text: str) -> bool:
    """A message of a few words ("balance?", "gift wrap"), or of up to 6 words that name one thing only ("do I need a
    card?" after how to start the Plus trial), which may continue the conversation even when it names a topic of its
    own: searched alone first, and in the conversation's context if that finds nothing."""
    words = len(_WORD.findall(text))
    return 0 < words <= 3 or (words <= 6 and len(topic_words(text)) == 1)


# a rewritten question of its own: "what happens next (my parcel says delivered)?", its context in the brackets
_WITH_CONTEXT = re.compile(r"^(?P<own>[^()]*?)\s*\((?P<context>.*)\)[\s?.!]*$", re.DOTALL)


# "that cost per day": a topic whose subject is "it", "that", ... (the previous topic, not a topic of its own)
_REFERENCE_FIRST = re.compile(r"\s*(?:it|that|this|those|these|they|them)\b", re.IGNORECASE)


def topic_of(query: str) -> str:
    """The subject of a question: its words without the question opening and final punctuation. Of a rewrite that
    carries its context in brackets ("what happens next (my parcel is lost)?"), the context's subject, after the
    rewrite's own when it names one: "what now?" next is "what now (my parcel is lost)?", not a pile of brackets
    ("what now (what happens next (my parcel is lost))?", which searched the words of every follow-up). Nor when the
    rewrite's own subject is a reference, which stands for the context: "how much does that cost per day (rent a
    bike)?" has the topic "rent a bike", not "that cost per day, rent a bike" (the next follow-up searched the
    unresolved "that" and the day price too)."""
    bracketed = _WITH_CONTEXT.match(query.strip())
    if bracketed is not None:
        own, context = _bare_topic(bracketed["own"]), topic_of(bracketed["context"])
        own_topic = names_a_topic(own) and not _REFERENCE_FIRST.match(own) and own.lower() not in context.lower()
        return f"{own}, {context}" if own_topic else context
    return _bare_topic(query)


def _bare_topic(query: str) -> str:
    """``query`` without its question opening and final punctuation."""
    topic = _OPENING.sub("", query.strip(), count=1)
    return topic.strip().rstrip("?.! ").strip() or query.strip().rstrip("?.! ")


# "and then what?", "then?", "what then?": what comes next, not "then" as a reference to the last topic ("<topic> what?")
_THEN_WHAT = re.compile(
    r"^\s*(?:(?:and|so|ok(?:ay)?)[\s,]+)?(?:then(?:\s+what)?|what\s+(?:happens\s+)?then)\s*[?.!…]*\s*$",
    re.IGNORECASE,
)


def variation_words(text: str, previous_query: str) -> str | None:
    """The follow-up's own words when ``rewrite`` reads it as a variation of the last question ("and customs fees?"
    after "how much is shipping?": "how much is shipping: customs fees"), else None."""
    own = _CONNECTIVE.sub("", text, count=1).strip()
    asked = previous_query.split(": ", 1)[0].strip().rstrip("?.! ")
    return own if own and rewrite(text, previous_query) == f"{asked}: {own}" else None


def new_topic_words(text: str, *said: str) -> set[str]:
    """The words of ``text`` that name a topic (``topic_words``) none of ``said`` (the last question, the last answer)
    named."""
    named = set().union(*(topic_words(s) for s in said)) if said else set()
    return topic_words(_CONNECTIVE.sub("", text, count=1)) - named


def _asks_its_own(stripped: str, previous_query: str) -> bool:
    """Whether the follow-up ``stripped`` (without its connective) asks a question of its own, which ``rewrite`` leads
    with, the last topic after it as context, rather than a variation of ``previous_query``."""
    # a question of its own also when it asks to do something new with the last topic, "it"/"that" the object: "can I
    # track it?" after the cost of shipping to Canada (led by "how much is", it got the prices again). With the topic
    # the subject ("is it automated?", "does that include sale items?") it varies the last question
    # "can I get a new one?" after how long a reset link works: a new link, asked for (as a variation of "how long is
    # ... valid", its answer was the 30 minutes again)
    new_of_it = (
        (_points_back(stripped) or bool(_BARE_COUNT.search(stripped)) or bool(_ANOTHER_ONE.search(stripped)))
        and not _PLURAL_REFERENCE.search(stripped)
        and not _REFERENCE_AS_SUBJECT.match(stripped)
        and bool(topic_words(stripped) - topic_words(previous_query))
    )
    if _OWN_QUESTION.match(stripped) and (not _REFERENCE.search(stripped) or new_of_it):
        return True
    # "what about a promo code plus a gift card?" after "how do I use a promo code?": the last topic and another thing
    # together, a question of its own (as a variation, "how do I use a promo code: a promo code plus a gift card", its
    # answer was the promo code's again)
    asked_words = topic_words(previous_query)
    return joins_two_things(stripped) and bool(topic_words(stripped) & asked_words) and bool(topic_words(stripped) - asked_words)


def searched_alone_first(text: str, previous_query: str) -> str | None:
    """The follow-up ``text`` without its connective, when it asks a question of its own (``_asks_its_own``) about a
    thing ``previous_query`` did not name, and points back to nothing: searched alone first, and read with the last
    topic (``rewrite``) only when alone it finds nothing. "and do I need to leave a deposit?" after questions about a
    child seat was searched "do I need to leave a deposit (rent a bike with a child seat)?", and the child seat's FAQ
    outranked the deposit. None for one that points back ("and can I track it?"), varies the last question ("what
    about express?") or names nothing new ("and how much is it per week?")."""
    stripped = _CONNECTIVE.sub("", text, count=1).strip()
    if _THEN_WHAT.match(text) or _REFERENCE.search(stripped):
        return None
    if not _OWN_QUESTION.match(stripped) or not _named(stripped) - _named(previous_query):
        return None
    kept = _places_left_out(stripped, previous_query)
    return f"{stripped.rstrip('?.! ')} ({', '.join(kept)})?" if kept else stripped


# what a country changes: where a parcel goes and comes back from (shipping, delivery, returns, tracking, customs and
# import duties), what things cost and how they are paid there (prices, fees, taxes, currencies, payment methods,
# refunds), what is sold there, and the phone number to call from there; by stem, as ``stems`` reads words
_PLACE_BOUND = frozenset(
    _stem(w)
    for w in "ship deliver send sent post postage parcel package courier carrier track arrive return exchange custom customs "
    "duty import tax vat cost price fee charge pay payment currency refund available stock sell phone call".split()
)


def place_can_matter(text: str, previous_query: str) -> bool:
    """Whether the place of ``previous_query`` can change the answer to ``text``: the follow-up shares a topic with that
    question ("do I pay for return shipping?" after the cost of shipping to the UK), or asks about a thing a country
    changes (``_PLACE_BOUND``: "how do returns work?", "can I pay with PayPal?", "how much is gift wrapping?"). Not "and
    how do I reset my password?" after shipping to the UK: an account works the same everywhere, and the place in its
    search ("how do I reset my password (UK)?") only drew it towards the shipping articles."""
    shared = topic_words(text) & topic_words(previous_query)
    return bool(shared) or bool(stems(text) & _PLACE_BOUND) or bool(re.search(r"\bhow\s+much\b", text, re.IGNORECASE))


def _places_left_out(text: str, previous_query: str) -> list[str]:
    """The places ``previous_query`` names (``places``: "Canada", "the UK", "new zealand"), as written there, when
    ``text`` names none and the place can matter to it (``place_can_matter``): "how long does delivery take?" after the
    cost of shipping to Canada still means Canada. Each is the fewest words that name it ("Northern Ireland", not
    "Ireland" nor "to Northern Ireland")."""
    if places(text) or not place_can_matter(text, previous_query):
        return []
    words = list(_WORD.finditer(previous_query))
    spans = [
        (start, end)
        for start in range(len(words))
        for end in range(start + 1, min(start + 3, len(words)) + 1)
        if _fewest_words_for_a_place([w.group(0) for w in words[start:end]])
    ]
    kept = [(s, e) for s, e in spans if not any(o != (s, e) and o[0] <= s and e <= o[1] for o in spans)]
    return list(dict.fromkeys(previous_query[words[s].start() : words[e - 1].end()] for s, e in kept))


def _fewest_words_for_a_place(words: list[str]) -> bool:
    """Whether ``words`` name a place that neither their first nor their last word can be left out of."""
    named = places(" ".join(words))
    return bool(named) and all(places(" ".join(part)) != named for part in (words[1:], words[:-1]) if part)


def rewrite(text: str, previous_query: str) -> str:
    """A standalone query for the follow-up ``text`` after ``previous_query`` (itself standalone).

    A reference (it, that, ...) is replaced by the previous topic; otherwise the follow-up is read as a
    variation of the previous question and both are kept, so retrieval sees the topic and the new detail.
    """
    stripped = "what happens next" if _THEN_WHAT.match(text) else _CONNECTIVE.sub("", text, count=1).strip()
    topic = topic_of(previous_query)
    if not _WORD.search(stripped):
        return previous_query
    if not names_a_topic(stripped) and _REFERENCE.search(stripped):
        question = stripped.rstrip("?.! ")
        if re.search(r"\b(?:takes?|costs?)$", question, re.IGNORECASE):  # "how long does that take" -> "... take to <topic>"
            return _REFERENCE.sub("it", question, count=1) + f" to {topic}?"
        return _REFERENCE.sub(topic, question, count=1) + "?"
    own_question = _asks_its_own(stripped, previous_query)
    if _CORRECTION.match(text) and not own_question:
        fixed = _corrected(previous_query.split(": ", 1)[0], stripped)
        if fixed is not None:  # "sorry, I meant express" after "how much is standard shipping?"
            return fixed
    if names_a_topic(stripped) and not own_question:  # "what about express?", "is it automated?": the last question, varied
        asked = previous_query.split(": ", 1)[0]  # "and gift cards?" after "...: paypal" varies the question, not paypal
        return f"{asked.strip().rstrip('?.! ')}: {stripped}"
    # a question of its own ("and how long until I get my money back?"), or one without a topic: it leads, and the
    # last topic follows as context; led by the last question, its kind ("how do I") chose the answer's sentences
    return f"{stripped.rstrip('?.! ')} ({topic})?"
