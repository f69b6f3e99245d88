"""Extractive answering: reply with the passage sentences that answer the question, cited.

For CPUs where generation is too slow: one embedding call per turn instead of a language model, and
every word of the answer comes verbatim from the help centre.

A sentence is embedded with its passage's heading path in front (as the index embeds sentences), and
its score adds to its cosine similarity with the question:

- word overlap: the share of the question's content words the sentence contains, rarer words
  (among the passages' sentences) weighing more, and, weighing less, the share its heading path contains;
- answer type: a question that asks "how long" (or for "the return window"), "how much", "how many", "what time", for a
  phone number or an e-mail address ("contact support by email") prefers a sentence holding a duration, a price, a
  number, a time, ... (in English, German, Spanish, French, Italian, Portuguese and Dutch: "¿cuánto tarda?" and
  "2-4 días laborables"); "how long does it take?" not one that says only how long something stays valid;
- a section whose own heading is what the question names ("The return window") a little; an order or tracking number
  the customer gives is no word to match (the help centre's example of one shares it by chance);
- place: a question that names a country ("shipping to the UK") is not answered with a sentence about
  other countries only ("Shipping within the United States costs: ..."), a sentence naming none being about
  those its passage names; see ``places``;
- form: a request to do something ("how do I ...", "I want to ...", "exchange these shoes ...") or a problem told
  without a question ("the lamp I got is smashed") prefers an instruction ("Go to **Orders** ...", a numbered step, a
  little more, for a procedure is shown whole), those of the article the search ranked first a little more still
  (every procedure of a help centre says "Go to **Orders**"); a message
  saying something has not happened ("the refund hasn't shown up") prefers what to do if it has not ("If your
  refund has not arrived ..."); an FAQ entry's sentences answer only its own question, so they lose when the
  question shares words with the entry's but leaves out its rarer ones ("can I order by phone?" and "Can I
  cancel my order?"), and so does a sentence that opens with the question it answers ("Picked the wrong item yourself?
  Then return it ...", ``own_question``).

A sentence that says almost nothing on its own ("Yes.", "Not at the moment.") is one unit with the
sentence after it, so a reply is never shown without its reason, nor a reason without its "No.".

The answer is the best sentence, with the next best two of the same passage when they score nearly as
well, the bonuses for the message's form left out (an answer often takes two sentences: "Until then the tracking
number may show as not found. It can take up to 24 hours."). A question with several parts ("How many codes do I get, and can I use
them twice?") also gets the best sentence for each part, unless a sentence already chosen answers it (``_answered``:
"A basic tune-up costs 59 EUR and takes 3 days." answers both parts of "what's the price of a tune-up and how long
does it take?"). A list item is shown after the sentence that
introduces the list (a list no sentence introduces after its heading, "What is not covered:", since "- Crash damage"
alone reads as yes to "is crash damage covered?"), and a sentence that introduces a list brings its items along; an item the question does not
single out by a word of its own brings its whole list (and the sentence after it saying what the list leaves out,
"We do not accept ..."), since the list as a whole answers ("can I pay with crypto?", "how long do refunds take?"); a step of a
numbered procedure brings the whole procedure, in order, and a prose step that goes on from the sentence before
("Then pick the size ...") or gives another way than it ("You can also go to **Orders** ...") brings that sentence, and
a prose instruction the sentences after it that go on with its procedure ("Scan the QR code ...", ``continues_procedure``). A chosen sentence that only points to
another article ("see the article on lost parcels") brings that article's best sentence when its
passage is given (``links``). ``Weights`` holds the weights; ``benchmarks/extractive_squad.py``
checks them on SQuAD questions they were not chosen on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.crossrefs import is_reference, without_asides
from retrieval.embedders import Embedder
from retrieval.places import ANYWHERE, LIST_OF_PLACES, places, same_place, speaks_of_others, without_places
from retrieval.sentences import Unit, split_units, with_heading
from retrieval.stems import devices_named_as, stem

_LOWER = "a-z0-9\u00df-\u00f6\u00f8-\u024f"  # lower-case Latin letters, accented ones too ("rückgabe", "straße"), and digits
_WORD = re.compile(rf"[{_LOWER}$][{_LOWER}$'.-]*[{_LOWER}]|[{_LOWER}]")

MOST_UNITS = 3
MOST_PART_UNITS = 5  # a message of several questions: the best sentence and one per part, at most this many
MOST_LIST_ITEMS = 6
_SAME_START = 5  # words whose first this many letters agree are one word to ``_other_question`` ("expiry", "expire")
REPEATED = 0.8  # a sentence whose meaning words are this share of one already chosen says nothing new


@dataclass(frozen=True)
class Weights:
    """How much each signal adds to (or takes from) a sentence's cosine similarity with the question."""

    word_overlap: float = 0.25  # all of the question's content words in the sentence
    heading_overlap: float = 0.1  # all of them in the heading path of the sentence's passage
    answer_type: float = 0.2  # the sentence holds the kind of answer asked for
    whole_in_part: float = 0.3  # a part's cosine mixes in the whole question's by this share
    other_place: float = 0.3  # taken off a sentence that names countries, none of them the question's (``LIST_OF_PLACES``)
    own_place: float = 0.2  # added to one that names a country of the question's, or lists the places served
    on_topic: float = 0.1  # added to the sentences of a passage on the question's topic (``on_topic`` passages)
    steps: float = 0.2  # added to an instruction (a step, "Go to ...") when the message asks what to do (``asks_for_steps``)
    procedure: float = 0.05  # and this more to a step of a numbered procedure, which is shown whole (a prose instruction is one step)
    if_not: float = 0.2  # added to a sentence on what to do if something has not happened, when the question says it has not (``says_not_happened``)
    first_article: float = 0.03  # added to the instructions of the article the search ranked first, when steps are asked for (``first_article``)
    titled: float = 0.05  # added to the sentences of a section whose own heading has the question's content words, two or more, and no other ("The return window")
    other_question: float = 0.15  # times the share of an FAQ entry's question the question leaves out, off its sentences (``_other_question``)


_STOPWORDS = frozenset(
    """a about after again all am an and any are as at be been before being but by can could did do does doing
    for from get got had has have having how i if in into is it its just me more my myself no not now of off on
    once only or our out over own same should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom why will with would
    you your yours i'm i've i'd it's don't can't won't didn't doesn't isn't there's what's you're want need
    still already also please thanks hi hello much many long soon quickly whats wheres hows whos im ive dont cant""".split()  # "how much" etc.: answer types
    # German: "Kann ich auf Rechnung bestellen?" has two content words, not five
    + """ich du er sie es wir ihr mein meine meinen meinem meiner mich mir dich dir uns euch ihnen sich dein deine ihre
    ihren ihrem ihrer unser unsere unseren euer eure der die das den dem des ein eine einen einem einer eines und oder
    aber auch noch schon nur wie was wer wo wann warum wieso welche welcher welches welchen kann können könnte kannst
    muss müssen möchte möchten will wollen soll sollen darf ist sind bist sein habe hast haben hatte wird werden wurde
    wurden gibt gibts zu zum zur im am auf aus bei mit nach von vom für über um durch ohne nicht kein keine keinen man
    da dann denn doch mal ja nein bitte danke hallo hier dort wenn ob dass als lange viel viele schnell bald""".split()
    # Spanish: "¿Cuál es el plazo de devolución?" has two content words, not five (none that English writes as a word
    # of its own: not "son", "sin", "con", "mi", "u")
    + """el la los las un una unos unas de del al y o en por para que qué cuál cuáles cual cuales cómo como cuándo
    cuando dónde donde quién quiénes es está están estoy hay mis tu tus su sus yo te se nos os le les lo este esta
    estos estas ese esa eso puedo puede puedes podéis pueden podemos tengo tiene tienes tenéis tienen quiero quiere
    hacer hago ser muy más ya también sí pero porque hola gracias favor cuánto cuánta cuántos cuántas cuanto cuanta
    cuantos cuantas""".split()
    # French, Italian, Portuguese and Dutch, the same way (none that English writes as a word of its own: not "van",
    # "me", "son", "die", "dan", "per", "con", "com", "met", "par", "plus", "est", "comment", "ma", "op", "er")
    + """le les une des du au aux et ou je il elle nous vous ils elles mon mes ton ta tes sa ses notre nos votre vos
    leur leurs ce cette ces cet qui quoi quel quelle quels quelles où pourquoi combien quand puis puis-je peux peut
    pouvez avec pour sur dans ne pas très aussi mais suis sont ai avez ça bonjour merci
    il lo gli di da dello della dei degli delle alla ai agli alle dal dalla nel nella nei sul sulla è sono che chi
    dove perché quanto quanta quanti quante quale quali qual posso può puoi potete ho ha hai hanno mio mia miei mie
    tuo tua suo sua nostro vostro loro questo questa questi queste quello quella non più anche ci tra fra ciao grazie
    os um uma uns umas do da dos das no na nas ao aos à às é são onde posso pode podem tenho tem têm meu minha meus
    minhas seu seus suas eu você vocês ele ela nós isto essa isso não mais também olá obrigado obrigada
    het een bij aan om uit zijn ben bent heb hebt heeft hebben kunnen kunt wil wilt mag moet ik jij je uw ons onze
    mijn kan hoe wat wie waar wanneer waarom welke hoeveel hoelang niet geen ook maar dat deze dit nog als dank bedankt hallo
    hoi""".split()
)

_NUMBER_WORD = (
    r"(?:\d+(?:[.,]\d+)?(?:\s*(?:-|to|–|bis)\s*\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|sixty|ninety|"
    r"zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|zwölf|vierzehn|dreißig)"
)
# words that ask for a duration: "the return window", "el plazo de devolución", "le délai", "o prazo", "de levertijd"
_SPAN_WORDS = frozenset({"window", "period", "deadline", "limit", "timeframe", "frame", "plazo", "délai", "prazo", "termijn", "levertijd"})
_GERMAN_UNIT = r"(?:werk|arbeits|kalender)?(?:minuten?|stunden?|tagen?|tage|wochen?|monaten?|monate|jahren?|jahre)"

# Spanish, French, Italian, Portuguese and Dutch (``_ES``, ``_FR``, ``_IT``, ``_PT``, ``_NL`` below): a number word or an
# article before a unit of time ("tres años", "une semaine", "een week"), and the units ("2-4 días laborables", "3 jours
# ouvrés", "2 giorni lavorativi", "5 dias úteis", "1-2 werkdagen")
_OTHER_NUMBER_WORD = (
    r"(?:un|una|uno|une|um|uma|een|één|dos|dois|duas|deux|due|tres|três|trois|tre|drie|cuatro|quatre|quattro|quatro|vier|"
    r"cinco|cinq|cinque|vijf|seis|six|sei|zes|siete|sept|sette|sete|zeven|ocho|huit|otto|oito|acht|nueve|neuf|nove|negen|"
    r"diez|dix|dieci|dez|tien|quince|quinze|quindici|vijftien|veinte|vingt|venti|vinte|twintig|treinta|trente|trenta|trinta|dertig)"
)
_OTHER_UNIT = (
    r"(?:minutos?|horas?|d[ií]as?|semanas?|mes|meses|años?"  # es (pt: minutos, horas, dias, semanas, meses)
    r"|minutes?|heures?|jours?|semaines?|mois|ans|années?"  # fr
    r"|minut[oi]|or[ae]|giorn[oi]|settiman[ae]|mes[ei]|ann[oi]"  # it
    r"|mês|anos?"  # pt
    r"|(?:werk|kalender)?(?:dagen|dag)|minuten|minuut|uur|uren|weken|week|maanden|maand|jaar|jaren)"  # nl
)
# how a question asks how long: "¿cuánto tarda?", "¿cuánto tiempo tengo?" (not "cuánto" alone, nor "tiempo", the
# weather too), "el plazo de devolución" (not "pagar a plazos"), "combien de temps", "le délai de livraison", "quanto ci
# vuole", "i tempi di consegna", "quanto demora", "o prazo de entrega" (not "a prazo"), "hoe lang", "de levertijd"
_DURATION_ASKED_ES = (
    r"\bcu[aá]nto\s+(?:tiempo|tarda\w*|tard[aá]is|demora\w*|dura\w*)\b|\bcu[aá]nt[oa]s\s+(?:minutos|horas|d[ií]as|semanas|meses|años)\b"
    r"|\ben cu[aá]nto\b(?!\s+a\b)|\bhasta cu[aá]ndo\b|\b(?:qu[eé]|cu[aá]l es el)\s+plazo\b|\bplazo\s+(?:de|para)\s+(?!pag)\w+|\btiempos?\s+de\s+(?:entrega|env[ií]o|espera|respuesta|devoluci[oó]n|reembolso)\b"
)
_DURATION_ASKED_FR = (
    r"\bcombien de (?:temps|minutes|heures|jours|semaines|mois|ann[ée]es)\b|\bjusqu'(?:à|a) quand\b|\bd[ée]lais?\b|\bquelle (?:est la )?durée\b"
)
_DURATION_ASKED_IT = (
    r"\bquanto\s+(?:tempo|ci\s+(?:vuole|vogliono|mett\w+)|dura\w*|impiega\w*)\b|\bquant[ie]\s+(?:minuti|ore|giorni|settimane|mesi|anni)\b"
    r"|\b(?:entro|fino a) quando\b|\btempi\s+(?:di|per)\b"
)
_DURATION_ASKED_PT = (
    r"\bquanto\s+(?:tempo|demora\w*|dura\w*|leva)\b|\bquant[oa]s\s+(?:minutos|horas|dias|semanas|meses|anos)\b"
    r"|\baté quando\b|\b(?:qual (?:é )?o|que)\s+prazo\b|\bprazo\s+(?:de|para)\s+(?!pag)\w+"
)
_DURATION_ASKED_NL = (
    r"\bhoe ?lang\b|\bhoe snel\b|\bhoeveel tijd\b|\bhoeveel\s+(?:minuten|uur|uren|dagen|werkdagen|weken|maanden|jaar|jaren)\b|\btot wanneer\b|\bbinnen hoeveel\b"
    r"|\b(?:lever|verzend|bezorg|bedenk|doorloop)tijd\b|\b(?:retour|lever|betaal)?termijn\b"
)
# how a question asks a price: "¿cuánto cuesta?", "combien ça coûte", "quanto costa", "quanto custa", "wat kost"
_PRICE_ASKED_ES = r"\bcu[aá]nto\s+(?:cuesta\w*|vale\w*|cobr\w+|pag\w+|hay que pagar|tengo que pagar|sale|me sale|es)\b|\bprecios?\b|\bcostes?\b|\bcostos?\b|\bcuestan?\b|\btarifas?\b|\bgastos de env[ií]o\b"
_PRICE_ASKED_FR = r"\bcombien\s+(?:ça |cela |ca )?(?:fait|dois-je payer|faut-il payer)\b|\bc'est combien\b|\bprix\b|\btarifs?\b|\bfrais\b|\bco[uû]t(?:e|ent|s)?\b|\bpayant\w*"
_PRICE_ASKED_IT = r"\bquanto\s+(?:si paga|pago|viene)\b|\bprezz[oi]\b|\bquanto\s+cost(?:a|ano)\b|\bcost[io]\b|\bcostano\b|\btariff[ae]\b|\bspese\b"
_PRICE_ASKED_PT = r"\bquanto\s+(?:custa\w*|pago|é|fica)\b|\bpre[çc]os?\b|\bcustos?\b|\bcustam?\b|\bportes\b|\bfrete\b"
_PRICE_ASKED_NL = r"\bwat kost\w*|\bhoeveel\s+(?:kost\w*|betaal\w*)|\bkost(?:en|t)?\b|\bprij(?:s|zen)\b|\btarie(?:f|ven)\b|\b(?:verzend|retour|bezorg|administratie)kosten\b"
# what a sentence that gives a price says besides a sum: that it costs nothing ("es gratuita", "sans frais")
_FREE_OTHERS = r"\bgr[aá]tis\b|\bgratuit(?:[oae]?s?|amente)\b|\bsin (?:coste|costo|cargo)\b|\bsans frais\b|\bsenza (?:costi|spese)\b|\bsem custos?\b|\bkosteloos\b"
# how many: "¿cuántos ...?" (not "cuánto" alone), "combien de ..." (not "combien de temps"), "quanti", "quantos", "hoeveel"
# (not "hoeveel kost ...", a price)
_COUNT_ASKED_OTHERS = r"\bcu[aá]nt[oa]s\b|\bcombien d(?:e |')(?!temps)|\bquant[ie]\b|\bquant[oa]s\b|\bhoeveel\b(?![^?]*\b(?:kost\w*|betaal\w*|prijs)\b)"
# what time: "¿a qué hora abrís?", "el horario de atención" (not "à l'heure", on time), "quand ouvrez-vous", "a che ora",
# "o horário", "hoe laat", "de openingstijden"
_TIME_ASKED_OTHERS = (
    r"\ba qu[eé] hora\b|\bhor[aá]rios?\b|\bcu[aá]ndo\b[^?]*\b(?:abr(?:e|en|ís|is|ir)|cierr(?:a|an)|cerr[aá]is|atend[eé]is|atienden?)\b|\best[aá](?:is|n)? abiert[oa]s?\b"
    r"|\bà quelle heure\b|\bheures d'ouverture\b|\bhoraires?\b|\bquand\b[^?]*\b(?:ouvr\w+|ferm\w+)\b|\b(?:êtes[- ]vous|vous êtes) ouverts?\b"
    r"|\ba che ora\b|\borari[oi]?\b|\bquando\b[^?]*\b(?:aprite|chiudete|siete aperti)\b|\bsiete aperti\b"
    r"|\ba que horas\b|\bquando\b[^?]*\b(?:abrem|fecham|atendem)\b|\best[aã]o abertos\b"
    r"|\bhoe laat\b|\bopenings(?:tijden|uren)\b|\bwanneer\b[^?]*\b(?:open|geopend|bereikbaar|gesloten|dicht)\b|\bzijn (?:jullie|u) (?:open|geopend|bereikbaar)\b"
)
# an hour of the day in those languages: "de 9 a 18 h", "9h-18h", "à 9 h 30", "dalle 9 alle 18", "das 9h às 18h",
# "van 9.00 tot 17.00 uur" (not "en 48 h", "within 24h" nor "binnen 24 uur", durations, nor "à l'heure"): a lone
# "9h" only in a range or after a word that gives a time ("à", "dès", "de", "a las")
_HOUR = r"(?:[01]?\d|2[0-4])"
_TIME_OTHERS = (
    rf"\b{_HOUR}\s?h?\s?(?:-|–|a|à|alle|às|tot)\s?{_HOUR}\s?h\b|\b(?:à|a|às|dès|de|desde|hasta)\s{_HOUR}\s?h(?:\s?\d\d)?\b(?!/)|\b{_HOUR}[.:][0-5]\d\s?(?:-|–|tot|a|à|alle|às)\s?{_HOUR}[.:][0-5]\d\b|\b(?:tot|om|vanaf) {_HOUR}(?:[.:][0-5]\d)?\s?uur\b"
    rf"|\b(?:a|hasta|desde|de) las {_HOUR}\b|\b(?:dalle|alle|fino alle) {_HOUR}\b|\b(?:das|às|até às) {_HOUR}\b"
)
# a phone number written in groups: "910 555 123", "01 23 45 67 89", "+31 20 123 4567"
_PHONE_ASKED_OTHERS = r"\btel[eé]fono\b|\bt[eé]l[eé]phone\b|\btelefone\b|\btelefoon\w*|\bllamar(?:os|te|les)?\b|\bappeler\b|\bchiamar\w*|\bligar para\b|\bbellen\b"
_PHONE_OTHERS = r"\b\d{3}(?: \d{2,3}){2,3}\b|\b0\d(?:[ .]\d\d){4}\b|\+\d{1,3}(?:[ .]\d{1,4}){3,}"
# an e-mail address asked for: "¿cuál es vuestro correo?", "la dirección de correo", "l'adresse e-mail", "l'indirizzo
# e-mail", "o endereço de e-mail", "het e-mailadres" (not "¿me enviáis la factura por correo?", which an address does not answer)
_EMAIL_ASKED_OTHERS = (
    r"\bdirecci[oó]n de (?:correo|e-?mail)\b|\b(?:vuestro|tu|su) (?:correo|e-?mail)\b|\badresse (?:e-?mail|mail|électronique)\b"
    r"|\bindirizzo (?:e-?mail|di posta)\b|\bendere[cç]o de e-?mail\b|\be-?mailadres\b"
)
# "¿Qué formas de pago aceptáis?", "¿Cuáles son ...?", "Quels modes de paiement ...?", "Quali ...?", "Quais ...?", "Welke landen ...?"
_LIST_ASKED_OTHERS = r"^\W*(?:qu[eé] (?:\w+ )?\w+s\b|cu[aá]les\b|quel(?:le)?s\b|quali\b|quais\b|welke (?:\w+ )?\w+(?:en|s)\b)"
ANSWER_TYPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    # type: (how a question asks for it, what a sentence that answers it contains)
    "duration": (
        # "how early do I have to be there?" asks how long before; "how early do you open?" asks a time
        re.compile(r"\bhow (long|soon|quickly|fast)\b|\bhow (?:early|far in advance|far ahead)\b(?![^?]*\b(?:open|close)s?\b)|\bhow many (minutes|hours|days|weeks|months|years)\b|\buntil when\b|\bwithin how\b|"
                   # "whats the return window?", "what is the trial period": a span of time
                   r"\bwhat(?:'?s| is| are)\s+(?:the |your |my )?(?:[\w-]+ ){0,2}(?:window|period|deadline|time limit|time ?frame)s?\b|"
                   r"\bwie (lange|schnell|bald)\b|\bwie viele (minuten|stunden|tage|werktage|wochen|monate|jahre)\b|\bbis wann\b|"
                   + "|".join((_DURATION_ASKED_ES, _DURATION_ASKED_FR, _DURATION_ASKED_IT, _DURATION_ASKED_PT, _DURATION_ASKED_NL)), re.I),
        re.compile(rf"\b{_NUMBER_WORD}[\s-]*(business |working |calendar )?(minute|hour|day|week|month|year)s?\b|\bday \d+\b|"
                   rf"\b{_NUMBER_WORD}\s+{_GERMAN_UNIT}\b|\b(?:{_NUMBER_WORD}|{_OTHER_NUMBER_WORD})\s+{_OTHER_UNIT}\b"
                   r"|\b(?:en|sous|dans|entro|em|binnen)\s+(?:\d+/)?\d+\s?h\b"  # "en 24/48 h", "sous 48h"
                   # "how long is a gift card valid?": "gift cards never expire" says how long, without a number
                   r"|\bnever (?:expires?|ends?|runs? out)\b|\b(?:do|does|will) not (?:expire|end|run out)\b|\bno (?:expiry|expiration|time limit)\b"
                   r"|\b(?:indefinitely|forever)\b|\bverfallen nie\b|\bläuft nie ab\b"
                   r"|\b(?:no|nunca) caduca\w*|\bn'expire\w* (?:jamais|pas)\b|\bnon scad\w* mai\b|\b(?:não|nunca) expira\w*|\bverlo(?:opt|pen) (?:niet|nooit)\b", re.I),
    ),
    "price": (
        re.compile(r"\bhow much\b|\bcosts?\b|\bprice\b|\bfees?\b|\bcharged?\b|\bpay for\b|\bwie viel\b|\bkostet\b|\bkosten\b|\bpreis\b|\bgebühr(en)?\b|"
                   + "|".join((_PRICE_ASKED_ES, _PRICE_ASKED_FR, _PRICE_ASKED_IT, _PRICE_ASKED_PT, _PRICE_ASKED_NL)), re.I),
        re.compile(rf"[$€£]\s?\d|\b\d+(\.\d\d)?\s?(usd|eur|gbp|dollars?)\b|\bfree\b|\d(?:,\d\d)?\s?(€|euros?\b|chf\b)|\bkostenlos\b|{_FREE_OTHERS}", re.I),
    ),
    "count": (
        re.compile(rf"\bhow many\b|\bwie viele\b|{_COUNT_ASKED_OTHERS}", re.I),
        re.compile(rf"\b{_NUMBER_WORD}\b", re.I),
    ),
    "time": (
        re.compile(r"\bwhat time\b|\bhow (?:early|late)\b[^?]*\b(?:open|close)s?\b|\bwhen (do|does|is|are) (you|your|the)\b.*\b(open|close|start|available)\b|\b(opening|business|office|support|phone|chat|service) (hours|times)\b|\bwhat hours\b|\bare you open\b|"
                   r"\bum wie viel uhr\b|\bwann (ist|sind|hat|haben)\b.*\b(erreichbar|geöffnet|offen)\b|\böffnungszeiten\b|" + _TIME_ASKED_OTHERS, re.I),
        re.compile(r"\b\d{1,2}(:\d\d)?\s?(am|pm)\b|\b\d{1,2}:\d\d\b|\b\d{1,2}(:\d\d)?\s?uhr\b|" + _TIME_OTHERS, re.I),
    ),
    "list": (  # "which currencies ...?", "what are the options?": the sentence that introduces a list
        re.compile(r"^\s*(which|what) (\w+ )?\w+s\b(?! (is|was|does)\b)|^\s*what are\b|" + _LIST_ASKED_OTHERS, re.I),
        re.compile(r":$"),
    ),
    "phone": (
        re.compile(r"\bphone\b(?!\s+(?:and \w+ )?(?:hours|times)\b)|\bcall\b|\bnumber to ring\b|\btelephone\b|\btelefon\w*|\banrufen\b|\bhotline\b|" + _PHONE_ASKED_OTHERS, re.I),
        re.compile(r"\b\d[\d-]{6,}\d\b|\(\d{3}\)\s?\d{3}|\b0\d{2,4}[ /]\d{3,}|" + _PHONE_OTHERS),
    ),
    "email": (
        re.compile(r"\be-?mail address\b|\bwho (do|should|can) i (talk|speak|write|contact)\b|\bwhom?\b.*\bcontact\b"
                   # "how do I contact support by email", "can I email you": the address is the answer
                   r"|\b(?:by|via|through|per) e-?mail\b|\be-?mail (?:you|support|customer (?:support|service)|your support)\b|" + _EMAIL_ASKED_OTHERS, re.I),
        re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"),
    ),
    "definition": (  # "what is Northwind Plus?": the sentence that says what it is, not one of its conditions
        re.compile(r"^\W*(?:what(?:'s|s| is| are(?! (?:the|your|my|our|all|some)\b))|was ist|was sind)\s+[^?,;:]{1,40}?\W*$", re.I),  # "what are gift cards?" too
        # "X is our membership ...", "X are digital e-gift cards ...", not "X is available to ..."
        re.compile(r"^[^.,;:!?]{1,60}?\b(?:(?:is|ist)\s+(?:a|an|our|the|your|ein|eine|unser\w*)\b|are\s+(?:our |the |your )?(?:[\w-]+\s+){0,2}[\w-]+s\b)", re.I),
    ),
}

# "how long does it take?" asks how long until something is done, not how long something lasts once done; so do
# "¿cuánto tarda?", "combien de temps prend ...", "quanto ci vuole", "quanto tempo demora", "hoe lang duurt"
_TAKES = re.compile(
    r"\bhow long (?:does|do|will|would|did|should|can) (?:it|that|this|they|the [\w ]{1,30}?) (?:take|need)\b"
    r"|\bcu[aá]nto (?:tiempo )?(?:se )?(?:tarda\w*|tard[aá]is|demora\w*)|\bcombien de temps (?:prend|faut|met)\w*"
    r"|\bquanto (?:tempo )?(?:ci (?:vuole|vogliono|mette)|impiega\w*)\b|\bquanto (?:tempo )?(?:demora|leva)\w*|\bhoe lang duurt\b",
    re.I,
)
# what a sentence says of how long something stays valid: "valid for 7 days", "es válido 7 días", "reste valable",
# "caduca", "scade", "expira", "blijft geldig", "verloopt"
_VALID_FOR = re.compile(
    r"\b(?:valid|expires?|expiry|lasts?|stays? (?:valid|open|active)|kept|keep)\b"
    r"|\bv[aá]lid[oa]s?\b|\bvalable\b|\bcaduca\w*|\bscad\w*|\bexpira\w*|\bgeldig\b|\bverlo(?:opt|pen)\b",
    re.I,
)
# "within 48 hours", "takes up to 5 business days"; "tarda 3 días", "en 48 horas", "sous 48 heures", "entro 48 ore",
# "em 48 horas", "binnen 48 uur"
_TAKES_TIME = re.compile(
    r"\b(?:takes?|within|up to|about|in|tarda\w*|en|dentro de|sous|dans|prend|entro|em|até|leva|demora|binnen|duurt)\s+(?:\w+\s+)?\d",
    re.I,
)

# "how do I ...", "I want to ...", "what should I do?": a request to do something, which an instruction answers
_ASKS_STEPS = re.compile(
    r"\bhow (?:do|can|should|would) (?:i|we)\b|\bhow to\b|\bwhat (?:do|can|should|must|shall) (?:i|we) do\b|\bwhat now\b|\b(?:i|we)(?: really)? (?:want|need|wish|would like|'d like) to\b|\bi'd like to\b|"
    r"\bwie (?:kann|muss|soll) (?:ich|man)\b|\bich (?:möchte|will|muss)\b",
    re.IGNORECASE,
)


# a sentence that tells the customer what to do: it opens with (or, after "Or", "To ... ,", "On the ... page,", "You can also",
# goes on with) an instruction
_INSTRUCTION = re.compile(
    r"^(?:(?:or|and|then|alternatively|otherwise|oder|dann),?\s+)?(?:to [^,]+,\s*)?"
    r"(?:if you [^,]{1,80},\s*)?"  # "If you need your company name or a VAT or tax ID on your invoices, add them under ..."
    r"(?:(?:on|in|from|at|under) (?:the|your) [^,]{1,40},\s*)?"  # "On the sign-in page, select **Forgot password?** ..."
    r"(?:you can (?:also |always )?|you (?:then |now |still )?have [^,.]{1,30}? to )?(?:go to|press|tap|click|open|select|choose|pick|tick|enter|sign in|log in|visit|use the|add|gehe?|drücke|klicke|wähle|öffne)\b"
    r"|[:;]\s*(?:go to|press|tap|click)\b",  # "Start the same way as a return: go to **Orders**, ..."
    re.IGNORECASE,
)
_NEGATED = r"(?:not|never|(?:has|have|had|is|are|was|were|did|does|do|ca|wo)n'?t|cannot|nicht|nie|noch kein\w*)"
# "the refund hasn't shown up", "my parcel still hasn't arrived": the customer says something has not happened
_NOT_HAPPENED = re.compile(r"\b(?:has|have|had|is|are|was|were|did|does|do)n'?t\b|\b(?:has|have|had|is|are|was|were|did|does|do)(?: still)? not\b"
                           r"|\bstill (?:no|not|nothing)\b|\bnever (?:arrived|came|got|received|showed)\b|\bnoch (?:nicht|kein\w*)\b", re.IGNORECASE)
# "If your refund has not arrived 10 business days after ...": what to do when it has not happened
_IF_NOT = re.compile(rf"\b(?:if|when|until|wenn|falls)\b[^.,;:]*?\b{_NEGATED}(?!\w)", re.IGNORECASE)


# a message that asks: a question mark, or a question's first word ("can I ...", "wie lange ...")
_ASKS = re.compile(
    r"\?|^\W*(?:how|what|when|where|which|who|why|whose|can|could|do|does|did|is|are|was|were|will|would|should|may|have|has"
    r"|wie|was|wann|wo|welche\w*|wer|warum|wieso|kann|könnt?e?n?|muss|darf|gibt|ist|sind|habe?n?|bekomme)\b"
    # after what the customer tells first, without a stop: "my email is jane@example.com where is my refund"
    r"|\b(?:where|when)(?:'s|\s+(?:is|are|was|were|will|would|do|does|did|can|could|has|have|should))\b|\bhow (?:long|soon|much)\b"
    # after a condition, without a stop: "if i cancel during the trial do i pay anything"
    r"|^\W*(?:if|when|once)\b.*\b(?:do|does|will|would|can|could|should|is|are) (?:i|we|it|they)\b",
    re.IGNORECASE,
)


_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|my|me|we|our|ich|mein\w*|mir|mich)\b", re.IGNORECASE)


# a message that opens with a request in the imperative: "exchange these shoes for a bigger size", "cancel the order"
_IMPERATIVE = re.compile(
    r"^\W*(?:please\s+)?(?:cancel|change|exchange|return|refund|replace|swap|track|reset|delete|close|update|send|stop|"
    r"unsubscribe|pause|resume|renew|add|remove|find|show|help me|tell me how)\b(?!.*\?)",
    re.IGNORECASE,
)


def asks_for_steps(question: str) -> bool:
    """Whether the message asks how to do something ("how do I return ...", "I want to return a jacket", "exchange
    these shoes for a bigger size"), or tells of a problem of the customer's without asking anything ("the lamp I got
    is smashed"): what to do about it is the answer."""
    return (
        bool(_ASKS_STEPS.search(question) or _IMPERATIVE.search(question))
        or (not _ASKS.search(question) and bool(_FIRST_PERSON.search(question)))
    )


# an instruction that goes on from the one before it: "Then pick the size or colour you want and press **Submit return**."
# "You can also go to **Orders** ...": another way besides the one the sentence before gives, which is the first way
_GOES_ON = re.compile(r"^(?:then|next|after that|afterwards|finally|you can also|alternatively|dann|danach|anschließend|sie können auch)\b", re.IGNORECASE)


def goes_on(unit: Unit) -> bool:
    """Whether the unit is a prose step that continues the sentence before it ("Then press ...") or another way besides
    the one it gives ("You can also go to **Orders** ..."): shown alone, the customer would not know where to start, or
    would miss the first way."""
    return not unit.step and unit.lead is None and bool(_GOES_ON.search(unit.text.lstrip("*")))


# "Scan the QR code ...", "Save the 10 recovery codes shown.": a sentence opening with a verb and what it acts on
_VERB_FIRST = re.compile(r"^([A-Z][a-z]+) (?:the|a|an|your|it|them|this|that|these|those|one|each|all|every|any|\d)\b")
# words that open a sentence before "the" without telling the customer to do anything ("Outside the EU, ...")
_NOT_VERBS = frozenset("outside inside within without besides beyond unlike like except including despite across around behind near along via per".split())


def continues_procedure(before: Unit, unit: Unit) -> bool:
    """Whether prose sentence ``unit`` is the next step of the instruction ``before`` (``is_instruction``, or such a
    next step itself): it tells what to do next ("Go to **Settings > Security** and press **Turn on 2FA**." then "Scan
    the QR code ..., then enter the 6-digit code it shows." then "Save the 10 recovery codes shown."). A sentence that
    opens with a stop word ("Only the newest link works.") or a noun ("Banks ask you ...") tells no step."""
    if any(u.step or u.item or u.lead is not None for u in (before, unit)) or before.passage != unit.passage:
        return False
    return _tells_what_to_do(before) and _tells_what_to_do(unit)


def _tells_what_to_do(unit: Unit) -> bool:
    """An instruction (``is_instruction``) or a sentence opening with what reads as a verb in the imperative."""
    if is_instruction(unit):
        return True
    opening = _VERB_FIRST.match(unit.text.lstrip("*"))
    if opening is None:
        return False
    word = opening.group(1).lower()
    # an imperative is a verb's base form: not "Items that ...", "Returns the ..." (a plural, a verb's -s), but "Press"
    third_person_or_plural = word.endswith("s") and not word.endswith(("ss", "us", "is"))
    return word not in _STOPWORDS and word not in _NOT_VERBS and not word.endswith(("ing", "ed", "ly")) and not third_person_or_plural


def is_instruction(unit: Unit) -> bool:
    """Whether the unit tells the customer what to do: a step of a numbered procedure, or a sentence that opens
    with an instruction ("Go to **Account** and press ...", "To cancel, press ...")."""
    return unit.step or bool(_INSTRUCTION.search(unit.text.lstrip("*")))


def says_not_happened(question: str) -> bool:
    """Whether the question says something has not happened ("the refund hasn't shown up on my card")."""
    return bool(_NOT_HAPPENED.search(question))


_PART_BREAK = re.compile(
    r"\?\s+|[,;]\s*(?:and\s+|but\s+)?(?=(?:how|what|when|where|which|who|why|can|could|do|does|is|are|will|would|for how)\b)"
    r"|\s+and\s+(?=(?:how|what|when|where|which|who|why|for how|can i|do i|will i|is it|does it)\b)"
    # ", and once it's back, how long ...": a clause that asks its own question further on
    r"|[,;]\s*(?:and|but)\s+(?=[^,;?]*\b(?:how (?:long|much|many|soon)|what|when|where|which|who|why)\b)"
    # German: "Was kostet der Versand, und wie lange dauert die Lieferung?"
    r"|[,;]?\s+(?:und|aber)\s+(?=(?:wie|was|wann|wo|welche[mnrs]?|wer|warum|wieso|kann ich|muss ich|gibt es|ist es|bekomme ich)\b)"
    r"|[,;]\s*(?=(?:wie|wann|wo|welche[mnrs]?|wer|warum|wieso|was (?:kostet|ist|passiert|muss|kann))\b|(?:kann|muss|darf|bekomme|gibt|ist|sind|werde|wird)\s+(?:ich|es|man|das)\b)",
    re.IGNORECASE,
)


# "If I ...", "When my parcel ..." (not "When did ...?", a question of its own)
_CONDITION = re.compile(
    r"(?:if|once|because|since|unless|when(?! (?:do|does|did|is|are|was|were|will|would|can|could|should|has|have|had)\b)"
    r"|wenn|falls(?=\s+(?:ich|man|es|das|die|der|sie|wir|mein|meine)\b)|sobald|nachdem|weil)\b",  # not English "falls apart"
    re.IGNORECASE,
)


_MEASURE_UNIT = r"(cm|mm|m|km|kg|g|in|ft|eur|usd|gbp|€|years?|months?|days?)\b"
_MEASURE = re.compile(rf"(?<![\d.,-])(\d+(?:[.,]\d+)?)\s*{_MEASURE_UNIT}(?!\s*(?:-|–|to)\s*\d)", re.IGNORECASE)  # "180 cm", not a range
_RANGE = re.compile(rf"(\d+(?:[.,]\d+)?)\s*(?:-|–|to)\s*(\d+(?:[.,]\d+)?)\s*{_MEASURE_UNIT}", re.IGNORECASE)


def in_range(text: str, question: str) -> bool | None:
    """Whether a range of ``text`` holds a measure the question names ("175-185 cm" for "frame size for 180 cm?"), in
    the same unit; None when the question names no measure or the text has no range in its unit. A size chart's rows
    all read alike: the row whose range holds the figure asked about answers, the others do not."""
    def number(value: str) -> float:
        return float(value.replace(",", "."))

    asked = [(number(v), unit.lower()) for v, unit in _MEASURE.findall(question)]
    ranges = [(number(lo), number(hi), unit.lower()) for lo, hi, unit in _RANGE.findall(text)]
    ranges = [(lo, hi, unit) for lo, hi, unit in ranges if any(unit == u for _, u in asked)]
    if not asked or not ranges:
        return None
    return any(lo <= value <= hi for lo, hi, unit in ranges for value, u in asked if u == unit)


# an order, case or tracking number ("nw-20481736", "1z999aa10123456784"): the customer's own, which a help-centre
# example of one ("for example NW-20481736") shares by chance only
_IDENTIFIER = re.compile(r"(?:\D*\d){5}")


def content_words(text: str, ing: bool = True) -> set[str]:
    """Lower-case words without stop words and identifiers (``_IDENTIFIER``), with a plural ``s`` and (with ``ing``)
    an ``-ing`` removed."""
    words = (w.rstrip(".'") for w in _WORD.findall(text.lower()))
    # the light stem (a plural "s" and, with ``ing``, an "-ing" off: "cars" is "car", as the question's "my car"; "tracking"
    # "track"), not Snowball's: its deeper cuts join words of other meanings
    return {stem(w, light=True, ing=ing) for w in words if w and w not in _STOPWORDS and not _IDENTIFIER.match(w)}  # "opening" meets "open"


# Stop words that turn a sentence into another: "before 2 pm" is not "after 2 pm", "no fee" not "a fee".
_CONTRASTS = frozenset("no not before after over under until more only off don't can't won't didn't doesn't isn't".split())


def meaning_words(text: str) -> set[str]:
    """What a sentence says, to tell whether it repeats another: its content words and the stop words
    that change a sentence's meaning."""
    return content_words(text) | (set(_WORD.findall(text.lower())) & _CONTRASTS)


def says_little(sentence: str) -> bool:
    """A sentence with at most one content word ("Yes.", "No.", "Not at the moment."): a reply that needs
    the sentence after it."""
    return len(content_words(sentence)) <= 1


def answer_units(text: str, passage: int) -> list[Unit]:
    """The units answers are made of: the passage's sentences and list items, a sentence that says little
    on its own kept with the next ("Not at the moment. Northwind Plus is only available to ..."), and a
    list item of one word ("PayPal"), which is shown after the sentence that introduces its list."""
    return split_units(text, passage, says_little=says_little, shortest_item=1)


def unit_words(units: Sequence[Unit], ing: bool = True) -> list[set[str]]:
    """Each unit's content words; a list item is read with the sentence that introduces its list
    ("Shipping costs:" + "Express: $12.95")."""
    leads = {(u.passage, u.position): u.text for u in units}
    return [content_words(u.text, ing) | (content_words(leads[(u.passage, u.lead)], ing) if u.lead is not None else set()) for u in units]


def unit_places(units: Sequence[Unit], headings: Sequence[str] | None = None) -> list[frozenset[str]]:
    """The countries each unit names, a list item's read with the sentence that introduces its list
    ("Shipping within the United States costs:" + "Express: $12.95"), and each read with its passage's
    heading path ("Delivery options > Delivery speeds in the United States"); a unit naming none has
    those the rest of its passage names. A unit that speaks of the countries it does not name ("From other countries:
    +1-212-...", ``speaks_of_others``) also holds ``ANYWHERE``: it is about any country, so it loses nothing for naming others."""
    leads = {(u.passage, u.position): u.text for u in units}
    in_heading = [places(heading) for heading in headings] if headings else []
    named = [
        places(u.text)
        | (places(leads[(u.passage, u.lead)]) if u.lead is not None else frozenset())
        | (in_heading[u.passage - 1] if in_heading else frozenset())
        | ({ANYWHERE} if speaks_of_others(u.text) else frozenset())  # "From other countries: +1-212-...": for any of them
        for u in units
    ]
    in_passage: dict[int, frozenset[str]] = {}
    for unit, found in zip(units, named):
        in_passage[unit.passage] = in_passage.get(unit.passage, frozenset()) | (found - {ANYWHERE})
    # a unit that names no country is about those its passage names: "Standard: 3-5 business days" beside
    # "Standard to Alaska and Hawaii: 5-8 business days" is a US delivery time, no answer for Australia; "The label is
    # free:" beside "Customers outside the United States pay ..." is about the US, not anywhere
    return [found or in_passage[unit.passage] for unit, found in zip(units, named)]


def unit_texts(units: Sequence[Unit], headings: Sequence[str] | None = None) -> list[str]:
    """What is embedded for each unit: its passage's heading path, then the unit, as the index embeds
    sentences (``retrieval.sentences.with_heading``)."""
    texts = [without_asides(u.text) for u in units]  # "(see the article on ...)" says nothing about the question
    if not headings:
        return texts
    return [with_heading(headings[u.passage - 1], text) for u, text in zip(units, texts)]


def answer_types(question: str) -> list[str]:
    """The kinds of answer the question asks for, e.g. ``["duration"]`` for "how long ...?". A list only when
    nothing more precise is asked: "What are your opening hours?" wants times, and a sentence that introduces a
    list ("Outside opening hours you can still:") is no answer to it. A definition ("what is Northwind Plus?")
    likewise: "what is the price of X?" wants the price."""
    asked = [name for name, (asks, _) in ANSWER_TYPES.items() if asks.search(question)]
    if asked == ["list"]:
        return asked
    precise = [name for name in asked if name not in ("list", "definition")]  # "what is the price of X?" wants the price
    return precise or [name for name in asked if name == "definition"]


_REFERS_BACK = re.compile(r"\b(?:it|its|them|they|their|those|these)\b", re.IGNORECASE)


# a sentence whose subject is a pronoun for what the sentence before names: "It is open Monday to Friday ..." ("It is
# possible to ...", "It takes ...": a pronoun that stands for nothing, or for the question's own subject, is not one)
_PRONOUN_SUBJECT = re.compile(r"^(?:it|they|these|those)\s+(?:is|are|was|were|has|have|opens?|closes?)\b(?!\s+(?:not\s+)?(?:possible|impossible|important|easy|best|better|worth|likely|unlikely|recommended|necessary|enough)\b)", re.IGNORECASE)


def with_referents(units: Sequence[Unit], shown: Sequence[int]) -> list[int]:
    """``shown`` with the sentence before each shown prose sentence whose subject is a pronoun for what that sentence
    names (``_PRONOUN_SUBJECT``), when it is of the same passage and not shown: "It is open Monday to Friday 08:30 to
    17:30." alone does not say what is open ("The IT Service Desk is on the ground floor of Hawthorn Library.")."""
    by_position = {(u.passage, u.position): i for i, u in enumerate(units)}
    result: list[int] = []
    for i in shown:
        unit = units[i]
        before = by_position.get((unit.passage, unit.position - 1))
        if (
            before is not None and before not in shown and before not in result and unit.lead is None and not unit.item
            and not unit.step and units[before].lead is None and not units[before].item and _PRONOUN_SUBJECT.match(unit.text.lstrip("*"))
        ):
            result.append(before)
        result.append(i)
    return result


def with_what_they_refer_to(parts: list[str]) -> list[str]:
    """The parts of a question, a later one that refers back ("can I use them more than once") with the first one's
    content words after it in brackets, so that its sentence is sought about what the first asks of ("backup codes"),
    not any "use once" (a promo code's)."""
    if not parts:
        return []
    subject = " ".join(sorted(content_words(parts[0])))  # its words only: "how many" would make the part ask for a number
    return [parts[0], *(f"{part} ({subject})" if subject and _REFERS_BACK.search(part) else part for part in parts[1:])]


def question_parts(question: str) -> list[str]:
    """The separate questions inside one message ("How many ..., and can I ...?" gives two)."""
    parts: list[str] = []
    condition = False  # the last part is a condition still waiting for its question
    for piece in (p.strip(" ,;?") for p in _PART_BREAK.split(question)):
        if condition:
            parts[-1] = f"{parts[-1]}, {piece}"  # "If I refuse a delivery, do I get ... back": the condition goes with its question
            condition = False
        else:
            parts.append(piece)
            condition = bool(_CONDITION.match(piece))
    parts = [p for p in parts if len(p.split()) >= 2]
    return parts if len(parts) > 1 else []


# "can I take the bike on the train?", "is there ...", "kann ich ...": a question that a yes or a no answers
_YES_NO_QUESTION = re.compile(
    r"(?:^|[.!?;,]\s*|\b(?:and|but|so|und|aber)\s+)(?:can|could|do|does|did|is|are|was|were|will|would|should|may|might|must|shall|have|has"
    r"|kann|könnte|darf|muss|gibt|ist|sind|hat|habe|haben|wird|werde)\s+(?:i|you|we|it|they|there|this|that|these|those|the|my|your|a|an"
    r"|ich|man|es|sie|wir|das|der|die|ein|eine)\b",
    re.IGNORECASE,
)
# "Yes, there is a key drop box ...", "No. Each order goes to one address.": an answer that opens by saying yes or no
_SAYS_YES_OR_NO = re.compile(r"^\W*(?:yes|no|ja|nein)\s*[,.!;:]", re.IGNORECASE)


SAME_QUESTION = 0.7  # cosine of a question and an FAQ entry's question at which its yes or no answers the customer


def asks_yes_or_no(question: str) -> bool:
    """Whether the message asks a question that a yes or a no answers ("Can I return the bike after you close?")."""
    return bool(_YES_NO_QUESTION.search(question.strip()))


def without_yes_or_no(text: str) -> str:
    """``text`` without the yes or the no it opens with, the next word capitalised ("No, we only sell second-hand
    bikes." -> "We only sell second-hand bikes."); ``text`` as it is when nothing follows it."""
    rest = _SAYS_YES_OR_NO.sub("", text, count=1).lstrip()
    return rest[:1].upper() + rest[1:] if rest else text


# the verbs a yes/no question asks with ("do you offer phone support?"): the thing asked about is what follows them
_ASKING_VERBS = frozenset("offer provide accept allow let give take use able possible available".split())


_NEGATES = re.compile(r"\b(?:no|not|never|without|nothing|none)\b|n't\b", re.IGNORECASE)


def says_all_asked(question: str, sentence: str) -> bool:
    """Whether ``sentence`` (one opening with yes or no) names all that ``question`` asks about: each of the question's
    ``meaning_words`` (a word that changes what is asked, "only", "before", included; an ``_ASKING_VERBS`` word aside) is
    in it, and the question negates nothing. Its yes or no then answers the question, however it is worded: "Yes, every
    plan has a 30-day free trial." answers "is there a free trial?", not "are all your bikes used?" of "No, we only sell
    second-hand bikes." nor "is there a free trial for the annual plan?"."""
    asked = meaning_words(question) - _ASKING_VERBS
    said = _FIRST_SENTENCE_END.split(sentence.strip(), maxsplit=1)[0]  # "No." of "No. You can order as a guest.": the no names nothing
    return bool(asked) and not _NEGATES.search(question) and asked <= meaning_words(said)


_FIRST_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def unheard_words(question: str, passages: Sequence[str], headings: Sequence[str] | None = None) -> set[str]:
    """The question's content words (of three letters or more, no figures, not an ``_ASKING_VERBS`` word) that no
    passage holds, in its text or its heading path; a word's hyphenated parts count ("second hand" is in "second-hand
    bikes"). "do you sell bike helmets?" of a bike shop whose passages never say "helmet": {"helmet"}."""
    held: set[str] = set(_ASKING_VERBS)
    for text in [*passages, *(headings or [])]:
        held |= content_words(text) | content_words(text.replace("-", " "))
    return {w for w in content_words(question) - held if len(w) >= 3 and w.isalpha()}


def yes_or_no_opener(units: Sequence[Unit], best: int) -> int | None:
    """The first sentence of unit ``best``'s passage when it opens with a yes or a no ("Yes, with a bicycle day ticket
    ..."): the direct answer, which the sentences after it only qualify. Shown without it, "Cargo bikes and tandems are
    not allowed on trains." reads as no to "can I take the bike on the train?". None when the passage opens otherwise."""
    first = min((i for i, u in enumerate(units) if u.passage == units[best].passage), key=lambda i: units[i].position)
    unit = units[first]
    return first if unit.lead is None and not unit.item and _SAYS_YES_OR_NO.search(unit.text) else None


@dataclass(frozen=True)
class _Context:
    """What every part of a question is scored against: the units, their words, their passages' terms."""

    units: list[Unit]
    words: list[set[str]]
    heading_words: list[set[str]]  # per unit: its passage's heading path
    places: list[frozenset[str]]  # per unit: the countries it names (``places``)
    asked_places: frozenset[str]  # the countries the whole question names: each part is about them too
    forms: list[set[str]]  # per unit: its words with only a plural ``s`` removed (``-ing`` kept)
    entry_questions: list[set[str]]  # per unit: the content words of its passage's heading when that is a question (an FAQ entry's), else of the question it opens with
    titles: list[set[str]]  # per passage: the content words of the last part of its heading path, its own heading (none for an FAQ entry)


class ExtractiveAnswerer:
    """Builds an answer from the passages' best sentences (see the module docstring for the scoring)."""

    name = "extractive"

    def __init__(
        self, embedder: Embedder, second_ratio: float = 0.85, weights: Weights = Weights(), more_same: int = 2, passage_support: float = 0.1
    ) -> None:
        self.embedder = embedder
        self.more_same = more_same  # at most this many more sentences of the best sentence's passage
        # a passage is chosen by its best sentence plus this share of its second best: help-centre sections
        # are short and on one topic, so a second relevant sentence is evidence for the section
        self.passage_support = passage_support
        self.second_ratio = second_ratio  # a further sentence of the best one's passage must score this share of it
        self.weights = weights

    def answer(
        self,
        question: str,
        passages: Sequence[str],
        focus: str | None = None,
        headings: Sequence[str] | None = None,
        links: Mapping[str, Sequence[int]] | None = None,
        on_topic: Collection[int] = (),
        form: str | None = None,
    ) -> str:
        """An answer built from passage sentences, each followed by its passage number ``[n]``. ``focus``
        (a follow-up's own words, when ``question`` is its rewrite) is answered as one more part.
        ``headings`` (the passages' heading paths) are read with each of their sentences. ``links`` maps
        a sentence that points to other articles to the numbers of those articles' passages. ``on_topic``:
        the numbers of the passages on the question's topic (the intent model's, ``retrieval.topics``),
        whose sentences the whole question's best is picked from more readily. ``form``: the words whose form decides
        the kind of sentence preferred (``asks_for_steps``, ``says_not_happened``); by default ``focus`` or the
        question, "" for none ("tell me more" asks for more of the same, not for another kind of sentence)."""
        units = [unit for n, text in enumerate(passages, start=1) for unit in answer_units(text, n)]
        if not units:
            return ""
        parts = with_what_they_refer_to(question_parts(question)) + ([focus] if focus and focus != question else [])
        # a follow-up's own words that refer back ("and how long is it valid?") are answered by what the rewrite's best
        # sentence of the kind they ask for says ("Password reset links expire after 30 minutes"), not another
        # article's "The link is valid for 24 hours"; those that do not still add their own sentence ("and can I track it?")
        refers_back = {len(parts)} if focus and focus != question and _REFERS_BACK.search(focus) else set()
        asked_places = places(f"{question} {focus or ''}")
        named = unit_places(units, headings)
        there = [same_place(found, asked_places) for found in named]
        similarity = self._similarity_not_by_name([question, *parts], unit_texts(units, headings), there)  # (units, 1 + parts)
        passage_headings = [content_words(heading) for heading in headings] if headings else [set()] * len(passages)
        entry_questions = [words if is_entry_question(heading) else set() for heading, words in zip(headings or [], passage_headings)] or passage_headings
        context = _Context(
            units, unit_words(units), [passage_headings[u.passage - 1] for u in units], named, asked_places,
            unit_words(units, ing=False), [entry_questions[u.passage - 1] or own_question(u.text) for u in units],
            # an FAQ entry's heading is its question ("Can I cancel my order?"), which ``_other_question`` weighs
            [set() if is_entry_question(h) else content_words(h.split(" > ")[-1]) for h in headings] if headings else [set()] * len(passages),
        )
        # each part is read with the whole question: "how many days do I have" asks about returns too
        off_entry = self.weights.other_question * _other_question(content_words(f"{question} {focus or ''}"), context)
        # a follow-up's own words say what kind of reply it wants ("it says delivered though" after "my parcel hasn't arrived")
        form = (focus or question) if form is None else form
        whole = self._scores(question, context, similarity[:, 0], form=form) - off_entry
        # without the bonuses for the message's form: they pick the instruction that leads, not what goes with it
        plain = self._scores(question, context, similarity[:, 0], form="") - off_entry if form else whole
        asks = bool(form) and bool(_ASKS.search(form))  # a part of a question is asked, not told, though split off its "?"
        topical = self.weights.on_topic * np.array([u.passage in on_topic for u in units], dtype=np.float64)
        whole, plain = whole + topical, plain + topical
        if asks_for_steps(form) and answer_types(question) in ([], ["list"]):  # what to do: the best article's steps
            first = first_article(headings or [])
            whole += self.weights.first_article * np.array([u.passage in first and _tells_what_to_do(u) for u in units], dtype=np.float64)
        best = self._best(units, whole)
        chosen = [best]
        most = min(max(MOST_UNITS, 1 + len(parts)), MOST_PART_UNITS, len(units))
        own_words = [meaning_words(u.text) for u in units]
        picks: list[int] = []  # each part's own sentence
        for column, part in enumerate(parts, start=1):  # several parts: the best sentence for each
            mixed = self.weights.whole_in_part * similarity[:, 0] + (1 - self.weights.whole_in_part) * similarity[:, column]
            part_scores = self._scores(part, context, mixed, form=(f"{part}?" if asks else part) if form else "") - off_entry
            if self._answered(part, units, chosen, whole if column in refers_back else part_scores, whole):
                continue
            if _instructed(part, units, chosen, part_scores):
                continue
            part_scores[chosen] = -np.inf  # each part adds a sentence: the whole question's best seldom answers every part
            part_scores[[i for i in range(len(units)) if _repeats(own_words, i, chosen)]] = -np.inf
            # "I live in Canada, how much is shipping?": the part "how much is shipping" adds no US price list
            part_scores[[i for i in range(len(units)) if _elsewhere(context, i)]] = -np.inf
            if len(chosen) < most and np.isfinite(part_scores.max()):
                pick = int(np.argmax(part_scores))
                picks.append(pick)
                covered = [k for k, j in enumerate(chosen) if _repeats(own_words, j, [pick])]
                if covered:  # it says all that a chosen sentence says, and more: it takes that one's place
                    chosen[covered[0]] = pick
                else:
                    chosen.append(pick)
        if parts and not (focus and focus != question) and len(picks) == len(parts) and _for_another_case(headings, units, best, picks):
            if best in chosen:  # a part's pick that says all it says, and more, may have taken its place already
                chosen.remove(best)  # "I'm leaving in June, when is my email deleted?": the students' answer, not also the staff's
            best = picks[0]
        same = [i for i, u in enumerate(units) if u.passage == units[best].passage and i != best] if not parts else []
        same = [i for i in same if not _repeats(own_words, i, chosen)]
        # one question: the next best sentences of the same passage, when nearly as good as the best without its bonus
        # for the message's form ("the connection has usually expired" beside "To renew it, go to ...")
        same = sorted(same, key=lambda i: -whole[i])[: self.more_same]
        chosen.extend(i for i in same if whole[i] >= self.second_ratio * plain[best])
        above = None if parts else self._section_above(units, best, headings, whole, plain[best], own_words, chosen)
        if above is not None:
            chosen.append(above)
        chosen.extend(self._of_the_type_asked(question, units, chosen, whole))
        opener = yes_or_no_opener(units, best) if asks_yes_or_no(f"{question} {focus or ''}") else None
        if opener is not None and not (
            says_all_asked(question, units[opener].text) or self._asks_the_entrys_question(question, headings, units[opener].passage)
        ):
            opener = None  # "No." to "Do I need an account?" is no answer to "Can I save my addresses without one?"
        if opener is not None and opener not in chosen:
            chosen.append(opener)  # "Yes, there is a key drop box ...": the direct answer, which its reason alone may reverse
        # the direct answer's passage first, then the others in the order given, the section above the best's just before it
        rank = {u.passage: float(u.passage) for u in units} | ({units[above].passage: units[best].passage - 0.5} if above is not None else {})
        order = sorted(chosen, key=lambda i: (opener is None or units[i].passage != units[opener].passage, rank[units[i].passage], units[i].position))
        followed = self._followed(units, order, whole, links or {}, own_words)
        shown = [j for i in order for j in (i, *followed.get(i, ()))]
        shown = with_referents(units, shown)  # "It is open ...": what "it" is, the sentence before
        shown = [i for i in shown if not _said_where_it_points(units, i, shown, own_words)]
        foreign = self._others_yes_or_no(question, headings, units, shown)
        if best in foreign and asks_yes_or_no(f"{question} {focus or ''}") and unheard_words(f"{question} {focus or ''}", passages, headings):
            # "do you sell bike helmets?": the best sentence is "No, we only sell second-hand bikes.", the answer to
            # "Do you sell new bikes?", and no passage names helmets: without its "No" it would still read as one
            return ""
        # "are all your bikes used?": "We only sell second-hand bikes.", not a "No" that answers another question
        units = [Unit(u.passage, u.position, without_yes_or_no(u.text), u.lead, u.step, u.item) if i in foreign else u for i, u in enumerate(units)]
        return self._render(units, shown, context.words, content_words(f"{question} {focus or ''}"), headings)

    def _section_above(
        self, units: list[Unit], best: int, headings: Sequence[str] | None, scores: np.ndarray, bar: float,
        words: Sequence[set[str]], chosen: list[int],
    ) -> int | None:
        """The best sentence of a section above the best sentence's (its heading path begins with that section's),
        when it scores ``second_ratio`` of ``bar`` and says something new: a subsection qualifies what the section
        above it says. "Can I bring my dog?" is answered by "Travelling with pets"'s "Dogs, cats and other small pets
        are welcome on board.", which "Where pets can stay" ("Guide dogs ... may go everywhere") only qualifies."""
        if not headings or units[best].passage > len(headings):
            return None
        path = headings[units[best].passage - 1]
        above = {n for n, heading in enumerate(headings, start=1) if heading and path.startswith(f"{heading} > ")}
        options = [
            i for i, u in enumerate(units)
            if u.passage in above and i not in chosen and scores[i] >= self.second_ratio * bar and not _repeats(words, i, chosen)
        ]
        return max(options, key=lambda i: scores[i], default=None)

    def _answered(self, part: str, units: list[Unit], chosen: list[int], scores: np.ndarray, whole: np.ndarray) -> bool:
        """Whether a chosen unit already answers ``part``, so that the part adds no sentence: the part asks for a kind of
        answer (``answer_types``: a price, a duration, ...), the part's best unit holding one (by ``scores``) is chosen,
        and every other unit scores under ``second_ratio`` of it for the whole question (``whole``). "What's the price of
        a tune-up and how long does it take?" is answered by "A basic tune-up costs 59 EUR and takes 3 days." alone; a
        financing offer's "500 EUR" or international delivery's "5-8 business days", of other articles, answer other
        questions. A part that asks for no kind of answer ("how will I get the money?") still adds its sentence, and so
        does one whose next best sentence is about as close to the whole question (refund times beside a card hold)."""
        wanted = [ANSWER_TYPES[name][1] for name in answer_types(part) if name not in ("list", "definition")]
        typed = [i for i, unit in enumerate(units) if any(pattern.search(unit.text) for pattern in wanted)]
        if not typed or (best := max(typed, key=lambda i: scores[i])) not in chosen:
            return False
        others = [i for i in range(len(units)) if i not in chosen]
        pick = max(others, key=lambda i: scores[i], default=None)
        return pick is None or whole[pick] < self.second_ratio * whole[best]

    def _asks_the_entrys_question(self, question: str, headings: Sequence[str] | None, passage: int) -> bool:
        """Whether the customer asks what the FAQ entry ``passage`` (1-based) asks, so that its "Yes"/"No" answers
        them: its heading is a question, and as good as the same ("Can I return the bike after you close?" and "Can I
        return the rental bike outside opening hours?", 0.71 with the demo's MiniLM; "Can I order without an account?"
        and "Do I need an account?", whose "No" would be wrong, 0.65)."""
        return passage in self._entries_asked(question, headings, {passage})

    def _entries_asked(self, question: str, headings: Sequence[str] | None, passages: Collection[int]) -> set[int]:
        """Of ``passages`` (1-based), those whose entry's question the customer asks (``_asks_the_entrys_question``),
        in one embedding call."""
        asked = {n: (headings[n - 1] if headings and n <= len(headings) else "").split(" > ")[-1] for n in sorted(passages)}
        asked = {n: heading for n, heading in asked.items() if is_entry_question(heading)}
        if not asked:
            return set()
        similarity = self.similarity([question], list(asked.values()))[:, 0]
        return {n for n, score in zip(asked, similarity) if float(score) >= SAME_QUESTION}

    def _others_yes_or_no(self, question: str, headings: Sequence[str] | None, units: Sequence[Unit], shown: Sequence[int]) -> set[int]:
        """The shown units that open their passage with a yes or a no (``yes_or_no_opener``) to the question its heading
        asks, when the customer does not ask it (``_asks_the_entrys_question``): "No, we only sell second-hand bikes."
        of "Do you sell new bikes?" is no "No" to "do you sell bike helmets?", nor to "are all your bikes used?" (0.65
        and 0.68 with MiniLM). A passage whose heading asks no question keeps its yes or no: what it answers is unknown;
        so does a sentence that names all the customer asks about (``says_all_asked``: "is there a free trial?")."""
        def asks(n: int) -> bool:
            return bool(headings) and n <= len(headings) and is_entry_question(headings[n - 1].split(" > ")[-1])

        openers = [i for i in shown if yes_or_no_opener(units, i) == i and asks(units[i].passage) and not says_all_asked(question, units[i].text)]
        if not openers:
            return set()
        asked = self._entries_asked(question, headings, {units[i].passage for i in openers})
        return {i for i in openers if units[i].passage not in asked}

    def _of_the_type_asked(self, question: str, units: list[Unit], chosen: list[int], scores: np.ndarray) -> list[int]:
        """When the question asks for a kind of answer (``answer_types``: a price, a duration, ...) and no chosen unit
        holds one, the best unit that does, with the next best of its passage (``more_same``), each when it scores
        ``second_ratio`` of the best chosen unit: "how much to ship to Canada?" was answered with "we ship to Canada,
        ..." alone, the international prices just below it. Empty when nothing is asked for or a chosen unit answers."""
        wanted = [ANSWER_TYPES[name][1] for name in answer_types(question) if name != "list"]
        holds = [i for i, u in enumerate(units) if any(pattern.search(u.text) for pattern in wanted)]
        if not holds or set(holds) & set(chosen):
            return []
        floor = self.second_ratio * max(scores[i] for i in chosen)
        best = max(holds, key=lambda i: scores[i])
        if scores[best] < floor:
            return []
        same = sorted((i for i in holds if units[i].passage == units[best].passage and i != best), key=lambda i: -scores[i])
        return [best, *(i for i in same[: self.more_same] if scores[i] >= floor)]

    def _best(self, units: list[Unit], scores: np.ndarray) -> int:
        """The best sentence of the passage whose best sentence, plus ``passage_support`` times its second
        best, scores highest."""
        by_passage: dict[int, list[float]] = {}
        for unit, score in zip(units, scores):
            by_passage.setdefault(unit.passage, []).append(float(score))

        def strength(n: int) -> float:
            top = sorted(by_passage[n], reverse=True)[:2]
            return top[0] + self.passage_support * (top[1] if len(top) > 1 else 0.0)

        passage = max(by_passage, key=strength)
        return max((i for i, u in enumerate(units) if u.passage == passage), key=lambda i: scores[i])

    def similarity(self, questions: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each text (rows) with each question (columns)."""
        vectors = self.embedder.embed([*questions, *texts])
        return vectors[len(questions) :] @ vectors[: len(questions)].T

    def _similarity_not_by_name(self, questions: Sequence[str], texts: Sequence[str], there: Sequence[bool]) -> np.ndarray:
        """``similarity``; for a text about a country the question names (``there``), the lower of that and its
        similarity with the question with "a country" for the name (``without_places``): the place bonus has matched
        the country, and a sentence is not close to the question by its name alone ("US and Canada (toll-free):
        1-800-..." to "can I get my order delivered in Canada?"), nor by the words "a country"."""
        general = [without_places(q) for q in questions]
        named = [i for i, (q, g) in enumerate(zip(questions, general)) if g != q]
        if not named or not any(there):
            return self.similarity(questions, texts)
        both = self.similarity([*questions, *(general[i] for i in named)], texts)
        similarity = both[:, : len(questions)].copy()
        rows = np.flatnonzero(there)
        similarity[np.ix_(rows, named)] = np.minimum(similarity[np.ix_(rows, named)], both[np.ix_(rows, range(len(questions), both.shape[1]))])
        return similarity

    @staticmethod
    def _followed(
        units: list[Unit], chosen: list[int], scores: np.ndarray, links: Mapping[str, Sequence[int]], words: Sequence[set[str]]
    ) -> dict[int, list[int]]:
        """Chosen sentence -> the best sentence of the passages it points to, for each chosen sentence
        that points to another article (a pointer is no answer), unless it repeats a chosen one."""
        added: dict[int, list[int]] = {}
        taken = set(chosen)
        for i in chosen:
            targets = set(links.get(units[i].text, ())) - {units[i].passage}
            if not targets or not is_reference(units[i].text):
                continue
            options = [
                j for j, u in enumerate(units)
                if u.passage in targets and j not in taken and not is_reference(u.text) and not _repeats(words, j, sorted(taken))
            ]
            if options:
                best = max(options, key=lambda j: scores[j])
                added[i] = [best]
                taken.add(best)
        return added

    def _scores(self, question: str, context: _Context, similarity: np.ndarray, form: str | None = None) -> np.ndarray:
        """Cosine similarity plus word overlap (sentence and heading) and answer type, plus the place bonus for a
        unit that names a country of the question's or lists the places served, less the place penalty for a unit
        that names only countries the question does not, plus the bonuses for an instruction when ``form`` (the
        message as written; the question by default) asks what to do and for a sentence on what to do if something
        has not happened when it says so (one score per unit)."""
        units, words, heading_words = context.units, context.words, context.heading_words
        # a device the passages do not name is read as the system it runs, as they name it: "my macbook" as "my macOS"
        named = set().union(*words, *heading_words)
        worded = devices_named_as(question, lambda name: content_words(name) <= named)
        asked, asked_forms = content_words(worded), content_words(worded, ing=False)
        asked_types = answer_types(question)
        titled = asked  # a heading that names "the return window" is the section on it
        if "duration" in asked_types:  # "the return window" asks how long, as "how long" does: "within 30 days" answers
            asked, asked_forms = asked - _SPAN_WORDS, asked_forms - _SPAN_WORDS
        wanted = [ANSWER_TYPES[name][1] for name in asked_types]
        precise = asked_types not in ([], ["list"])  # a price, a duration, ...: not only "which ...s"
        form = question if form is None else form
        steps = self.weights.steps if asks_for_steps(form) and not precise else 0.0
        if_not = self.weights.if_not if says_not_happened(form) else 0.0
        takes = "duration" in asked_types and bool(_TAKES.search(question))
        # rarer words count more: "express" decides between sentences that all say "shipping" and "cost"
        weight = {w: math.log(1 + len(units) / (1 + sum(w in u for u in words))) for w in titled}
        form_weight = {w: math.log(1 + len(units) / (1 + sum(w in u for u in context.forms))) for w in asked_forms}
        total, form_total = sum(weight[w] for w in asked), sum(form_weight.values())
        titled_total = sum(weight.values())
        sections = {n for n, title in enumerate(context.titles, start=1) if len(titled) >= 2 and titled == title}  # "whats the return window"
        scores = np.array(similarity, dtype=np.float64)
        for i, unit in enumerate(units):
            if total > 0 and form_total > 0:
                # half for the words' stems, half for their forms: "track" finds "tracking" ("opening" finds "open"),
                # but a sentence with the question's own word ("press Track package") counts more
                stems = sum(weight[w] for w in asked & words[i]) / total
                forms = sum(form_weight[w] for w in asked_forms & context.forms[i]) / form_total
                scores[i] += self.weights.word_overlap * (stems + forms) / 2
                scores[i] += self.weights.heading_overlap * sum(weight[w] for w in titled & heading_words[i]) / titled_total
            typed = any(pattern.search(unit.text) for pattern in wanted)
            if typed and takes and _VALID_FOR.search(unit.text) and not _TAKES_TIME.search(unit.text):
                typed = False  # "how long does that take?" of an export: "ready within 48 hours", not "the link stays valid for 7 days"
            if steps and _tells_what_to_do(unit):  # "Run the installer ...", "Download the app ...", as "Go to ..."
                scores[i] += steps + (self.weights.procedure if unit.step else 0.0)
            if if_not and _IF_NOT.search(unit.text):
                scores[i] += if_not
            if typed:
                scores[i] += self.weights.answer_type
            holds = in_range(unit.text, question)  # "175-185 cm" for "... for 180 cm?"; "155-165 cm" loses
            if holds is not None:
                scores[i] += self.weights.answer_type if holds else -self.weights.answer_type
            if unit.passage in sections:
                scores[i] += self.weights.titled
            named = context.places[i]
            if context.asked_places and (same_place(named, context.asked_places) or len(named) >= LIST_OF_PLACES):
                # "do you deliver to Germany?": "... all 27 European Union countries", unless it lacks the kind of
                # answer asked for ("how much to ship to Canada?" wants the price, not only that Canada is served)
                scores[i] += self.weights.own_place if typed or not precise else 0.0
            elif context.asked_places and named and ANYWHERE not in named:  # "From other countries: ...": neither
                scores[i] -= self.weights.other_place
        return scores

    def _render(
        self, units: list[Unit], chosen: list[int], words: Sequence[set[str]] = (), asked: Collection[str] = (), headings: Sequence[str] | None = None
    ) -> str:
        """The chosen units in the given order, each list item after its list's lead sentence (a list with none, straight
        under its heading, after that heading: ``list_intros``), cited. A list item
        the question does not single out (none of the question's words is the item's own, ``words`` holding each
        unit's words) brings its whole list, and the sentence after the list when that says what the list leaves
        out (``_says_not``): "how long do refunds take?" wants every way of paying's time, not one, and "can I pay
        with crypto?" every method accepted and "We do not accept ...". "how much is express?" keeps its item."""
        by_position = {(u.passage, u.position): i for i, u in enumerate(units)}
        shown: list[int] = []
        for i in chosen:
            unit = units[i]
            if unit.lead is not None:
                lead = by_position[(unit.passage, unit.lead)]
                if lead not in shown:
                    shown.append(lead)
                items = [j for j, u in enumerate(units) if u.passage == unit.passage and u.lead == unit.lead]
                if words and not any(set(asked) & (words[j] - words[lead]) for j in items):  # no item singled out
                    shown.extend(j for j in items[:MOST_LIST_ITEMS] if j not in shown)
                    if i not in shown:  # the chosen item of a longer list, after the first ones
                        shown.append(i)
                    after = by_position.get((unit.passage, units[items[-1]].position + 1))
                    if after is not None and after not in shown and len(items) <= MOST_LIST_ITEMS and _says_not(units[after].text):
                        shown.append(after)
                    continue
            # one step of a procedure brings the others, in order: "Press Return items" needs "Go to Orders" first; a
            # prose step that goes on from the one before ("Then pick the size ...") brings that one ("Start ...: go to ...")
            if unit.step:
                steps = _procedure(units, i)[:MOST_LIST_ITEMS]
            else:  # a prose instruction brings the steps after it too ("Scan the QR code ...")
                steps = [*_steps_before(units, i, by_position), i, *_steps_after(units, i, by_position)]
            shown.extend(j for j in steps if j not in shown)
            if unit.text.endswith(":"):  # a sentence that introduces a list brings the list
                items = [j for j, u in enumerate(units) if u.passage == unit.passage and u.lead == unit.position]
                shown.extend(j for j in items[:MOST_LIST_ITEMS] if j not in shown)
        return _layout(units, shown, list_intros(headings or []))


_SAYS_NOT = re.compile(rf"^(?:we|you)\b[^.]*?\b{_NEGATED}\b|^(?:wir|sie)\b[^.]*?\b(?:nicht|kein\w*)\b", re.IGNORECASE)


def _says_not(sentence: str) -> bool:
    """Whether a sentence says what is not done or not possible ("We do not accept cash on delivery, ..."), the
    other side of a list before it."""
    return bool(_SAYS_NOT.search(sentence))


def first_article(headings: Sequence[str]) -> set[int]:
    """The numbers of the passages of the article the search ranked first (the first passage's), by the title that
    opens their heading paths ("Exchanges > How to exchange"): between two instructions about as close to a request,
    the one of the best article answers ("I ordered the wrong size": the exchange steps, not *Report a problem* of
    the damaged-items article, fifth; every help-centre procedure says "Go to **Orders**"). Empty for an FAQ entry
    first (its heading is its question) or no headings."""
    if not headings or is_entry_question(headings[0]):
        return set()
    title = headings[0].split(" > ")[0].strip()
    return {n for n, heading in enumerate(headings, start=1) if heading.split(" > ")[0].strip() == title}


def is_entry_question(heading: str) -> bool:
    """Whether a passage's heading is one question (an FAQ entry's, "Can I cancel my order?"), not a heading path
    ("Damaged, faulty or wrong items > Found a problem later?")."""
    return heading.rstrip().endswith("?") and ">" not in heading


def _other_question(asked: set[str], context: _Context) -> np.ndarray:
    """Per unit: the share of its FAQ entry's question that the asked words leave out, its rarer words weighing
    more, a word counting as asked when an asked word begins the same ("expiry" and "expire"); 0 for a unit of no
    FAQ entry, and for one whose question shares no word with the asked one (a question in other words, "how many
    days do I have to send it back?", is left to the embedding). An FAQ entry answers its own question: "Yes, as
    long as the order status is Received or Processing." answers "Can I cancel my order?", not "can I order by
    phone?", which shares only its common word "order" with it."""
    words = context.words

    def weight(word: str) -> float:  # as in ``_scores``: rarer words count more
        return math.log(1 + len(words) / (1 + sum(word in u for u in words)))

    prefixes = {w[:_SAME_START] for w in asked if len(w) >= _SAME_START}
    missing = np.zeros(len(words))
    for i, entry in enumerate(context.entry_questions):
        total = sum(weight(w) for w in entry)
        if total > 0:
            left_out = {w for w in entry - asked if len(w) < _SAME_START or w[:_SAME_START] not in prefixes}
            if left_out != entry:
                missing[i] = sum(weight(w) for w in left_out) / total
    return missing


_OWN_QUESTION = re.compile(r"^([^.!?]{3,120}\?)\s+\S")


def own_question(sentence: str) -> set[str]:
    """The content words of the question a unit opens with, when it opens with one and goes on to answer it ("Picked
    the wrong item yourself? Then return it or exchange it as usual.", one unit: ``retrieval.sentences``): the unit
    answers that question only, as an FAQ entry answers its own (``_other_question``). Empty otherwise."""
    match = _OWN_QUESTION.match(sentence)
    return content_words(match.group(1)) if match else set()


def _instructed(part: str, units: Sequence[Unit], chosen: Sequence[int], scores: np.ndarray) -> bool:
    """Whether a part that asks what to do ("how do I return it") is answered by a chosen instruction: its best unit (by
    ``scores``) is chosen and tells what to do. "someone gave me a present, how do I return it" is answered by "If you
    received a Northwind Goods gift, go to the **Return a gift** page ..."; the part's next best, a step of the buyer's
    own return procedure, would come first and lead the answer with the buyer's case."""
    if not asks_for_steps(part) or answer_types(part) not in ([], ["list"]):
        return False
    best = int(np.argmax(scores))
    return best in chosen and is_instruction(units[best])


def _for_another_case(headings: Sequence[str] | None, units: Sequence[Unit], best: int, picks: Sequence[int]) -> bool:
    """Whether the whole question's best unit is of a sibling section (one heading path above, another own heading:
    "Leaving > Staff" beside "Leaving > Students") of the one section every part's own sentence comes from: the
    parts are answered there, for one case, and the best unit would add the answer for another case ("kept for 30 days
    ..." of staff beside the students' "90 days")."""
    if not headings or not picks:
        return False
    paths = {headings[units[i].passage - 1] for i in picks if units[i].passage <= len(headings)}
    if len(paths) != 1 or units[best].passage > len(headings):
        return False
    path, other = paths.pop(), headings[units[best].passage - 1]
    return " > " in path and " > " in other and path != other and path.rsplit(" > ", 1)[0] == other.rsplit(" > ", 1)[0]


def _elsewhere(context: _Context, i: int) -> bool:
    """Whether unit ``i`` is about other countries only than those the question names (none when it names none): not
    a list of the places served (``LIST_OF_PLACES``), and none of its countries the question's (``same_place``)."""
    named = context.places[i]
    return bool(context.asked_places and named) and len(named) < LIST_OF_PLACES and ANYWHERE not in named and not same_place(named, context.asked_places)


# the pointer of a sentence that points to another article: "; see the article on changing an order", ", as explained in ..."
_POINTER = re.compile(r"[;,]?\s*\(?\b(?:as )?(?:see(?: also)?|follow the steps in|explained in|described in)\b[^.;()]*\)?", re.IGNORECASE)


def _said_where_it_points(units: Sequence[Unit], i: int, shown: Sequence[int], words: Sequence[set[str]]) -> bool:
    """Whether unit ``i`` points to another article ("You have 1 hour to make changes to your order yourself; see the
    article on changing an order.") and a shown sentence of another passage says all that it says without its pointer
    ("You can change an order yourself for 1 hour after you place it, ..."): the rule would be stated twice."""
    if not is_reference(units[i].text):
        return False
    own = meaning_words(_POINTER.sub("", units[i].text))
    return any(_says_again(own, words[j]) for j in shown if units[j].passage != units[i].passage)


def _says_again(own: set[str], other: set[str]) -> bool:
    """Whether a sentence of meaning words ``own`` says nothing that one of ``other`` does not: ``REPEATED`` of them are
    in it, and what it adds is neither a word of contrast nor a figure."""
    added = own - other
    return bool(own) and len(own & other) >= REPEATED * len(own) and not any(w in _CONTRASTS or any(c.isdigit() for c in w) for w in added)


def _repeats(words: Sequence[set[str]], i: int, chosen: Sequence[int]) -> bool:
    """Whether unit ``i`` says nothing that one chosen unit does not already say: ``REPEATED`` of its
    ``meaning_words`` are in it, and what it adds is neither a word of contrast nor a figure ("It costs
    $7.99 per month or $79 per year." after the FAQ's "Northwind Plus costs $7.99 per month or $79 per
    year, and ..."; two articles often repeat a step; "after 2 pm" does not repeat "before 2 pm")."""
    return any(_says_again(words[i], words[j]) for j in chosen if j != i)


def list_intros(headings: Sequence[str]) -> dict[int, str]:
    """Passage number -> what introduces a list of the passage that no sentence introduces: the last heading of its
    path with a colon ("Warranty > What is not covered" -> "What is not covered:"). Such a list stands right under its
    heading, which says what the items are: "- Crash damage" alone reads as yes to "is crash damage covered?". None for
    an FAQ entry (its heading is the question the list answers)."""
    intros: dict[int, str] = {}
    for n, heading in enumerate(headings, start=1):
        last = heading.split(" > ")[-1].strip()
        if last and not is_entry_question(heading):
            intros[n] = last if last.endswith((":", "?")) else f"{last}:"
    return intros


def _layout(units: Sequence[Unit], shown: Sequence[int], intros: Mapping[int, str] | None = None) -> str:
    """Sentences run on as a paragraph; list items and procedure steps go on lines of their own, as a
    Markdown list ("- Standard: $4.95", "- Express: $12.95 [2]", "1. Go to Orders [3]"), a run of items of one passage
    cited after its last item, each sentence after itself. A bulleted list without a lead sentence
    opens with its passage's line of ``intros`` (``list_intros``), once."""
    text = ""
    was_item = False
    introduced: set[int] = set()

    def item(i: int) -> bool:
        return units[i].step or units[i].item or units[i].lead is not None

    for k, i in enumerate(shown):
        unit = units[i]
        is_item = item(i)
        # a run of items of one passage is cited once, after its last item: a screen reader reads "[1]" out each time
        then = shown[k + 1] if k + 1 < len(shown) else None
        same_list = then is not None and is_item and item(then) and units[then].passage == unit.passage
        cited = unit.text if same_list else f"{unit.text} [{unit.passage}]"
        intro = (intros or {}).get(unit.passage) if unit.item and not unit.step and unit.lead is None else None
        if intro and unit.passage not in introduced:  # "What is not covered:" before "- Crash damage"
            introduced.add(unit.passage)
            text += ("\n\n" if text else "") + intro
            was_item = False
        if is_item:
            number = _procedure(units, i).index(i) + 1 if unit.step else None
            line = f"{number}. {cited}" if number else f"- {cited}"
            text += ("\n" if was_item else "\n\n") + line if text else line
        else:
            text += ("\n\n" if was_item else " ") + cited if text else cited
        was_item = is_item
    return text


def _steps_before(units: Sequence[Unit], i: int, by_position: Mapping[tuple[int, int], int]) -> list[int]:
    """The sentences of a prose procedure before unit ``i``, first first, while each one after goes on from it ("Then
    ..."); empty when ``i`` does not go on from the sentence before it."""
    before: list[int] = []
    j = i
    while goes_on(units[j]) and len(before) < MOST_LIST_ITEMS:
        previous = by_position.get((units[j].passage, units[j].position - 1))
        if previous is None or units[previous].lead is not None:
            break
        before.insert(0, previous)
        j = previous
    return before


def _steps_after(units: Sequence[Unit], i: int, by_position: Mapping[tuple[int, int], int]) -> list[int]:
    """The sentences after unit ``i`` that go on with its prose procedure (``continues_procedure``), in order."""
    after: list[int] = []
    j = i
    while len(after) < MOST_LIST_ITEMS:
        following = by_position.get((units[j].passage, units[j].position + 1))
        if following is None or not continues_procedure(units[j], units[following]):
            break
        after.append(following)
        j = following
    return after


def _procedure(units: Sequence[Unit], i: int) -> list[int]:
    """The numbered list that unit ``i`` is a step of: the run of consecutive steps around it, in order."""
    first = last = i
    while first > 0 and units[first - 1].step and units[first - 1].passage == units[i].passage:
        first -= 1
    while last + 1 < len(units) and units[last + 1].step and units[last + 1].passage == units[i].passage:
        last += 1
    return list(range(first, last + 1))
