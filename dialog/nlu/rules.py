"""A small rule-based intent detector for conversation management (greetings, thanks, handoff,
frustration, order status, yes/no, questions about the assistant itself).

Questions about the shop fall through to ``question``; a trained classifier (``dialog.nlu.classifier``)
refines those behind the same ``understand`` method, and the dialog manager runs on these rules alone
when the intent model is missing. The patterns are precise on purpose: a rule that matches wins over the
classifier (see ``dialog.nlu.combine``).
"""

from __future__ import annotations

import re
import unicodedata

from dialog.nlu.base import Understanding
from dialog.nlu.entities import without_dates

RULE_CONFIDENCE = 0.95

# Clear frustration: insults to the service, anger, repeated complaints. Checked on its own too, because
# frustration hands off whatever the intent.
FRUSTRATION = re.compile(
    # "worst" not of a case: "what's the worst case delivery time?", "the worst that can happen", "at worst" ask
    r"\b(useless|ridiculous|unacceptable|terrible|awful|horrible|(?<!at )worst(?![- ](?:case|scenario)\b| that\b)|pathetic|rubbish|garbage|"
    r"fed up|sick (?:and tired )?of|so annoyed|so frustrated|frustrat\w*|furious|angry|pissed|"
    r"waste of (?:my )?time|not helping|doesn'?t help|you'?re not listening|stupid bot|"
    # "make a complaint", also with a word or two before it: "file an official complaint", "a formal written complaint"
    r"(?:make|file|lodge|submit|raise) an? (?:[a-z]+ ){0,2}complaint|"
    r"thanks?(?: a lot| very much)? for nothing|thank you(?: very much)? for nothing|"  # sarcasm, not thanks
    # German
    r"frechheit|unverschämt|nutzlos|sinnlos|katastrophe|(?:ich (?:will|möchte) )?mich beschweren|beschwerde einreichen|"
    # Spanish: "esto no sirve para nada", "es la peor tienda", "estoy harto"; not "¿sirve para exteriores?", "el peor
    # caso", "me da vergüenza preguntar", "¿es una estafa este correo?" (a question about a scam)
    r"no (?:me |nos )?sirve[ns]? para nada|(?:el|la|los|las) peor(?:es)? (?:tienda|servicio|atenci[óo]n|empresa|"
    r"experiencia|compra|web)s?|(?:sois|son|es|esto es) lo peor|(?:estoy|estamos) (?:muy |ya |bastante )?hart[oa]s?|"
    r"hart[oa]s? de|hasta las narices|(?:es una|qu[ée]|menuda|vaya) verg[üu]enza|vergonzoso|in[úu]til(?:es)?|inaceptable|"
    r"(?:esto es|menuda|vaya) (?:una )?estafa|(?:sois|son) unos (?:estafadores|ladrones)|p[ée]rdida de tiempo|"
    r"(?:estoy|estamos) (?:muy |bastante )?(?:enfadad|cabread|furios|indignad)[oa]s?|"
    r"(?:poner|presentar|hacer|interponer) una (?:\w+ )?queja|hoja de reclamaciones|no me (?:est[áa]s|est[áa]is) escuchando)\b",
    re.IGNORECASE,
)

# The customer says the answer was wrong or did not help, with or without thanks first ("thanks, that's all wrong",
# "ok but that's not what I asked", "that didn't answer my question", "wrong answer"): the whole message, so
# that "that's not what I asked: how do I return it?" is the question it asks
_NOT_HELPED_OPENING = (
    r"(?:(?:thanks?|thank you|thx|cheers|ok(?:ay)?|hmm+|um+|well|sorry|no|nope|er+m*|danke|naja|hm+|nein|gracias|vale|pues|"
    r"bueno|lo siento|perdona)\b[\s,.!-]*)*"
    r"(?:but\s+|aber\s+|pero\s+)?(?:unfortunately\s+|leider\s+|lamentablemente\s+|por\s+desgracia\s+)?"
)
NOT_HELPED = (
    rf"^\s*{_NOT_HELPED_OPENING}(?:"
    r"(?:(?:that|this|it|the answer)(?:'?s|\s+is|\s+was)?\s+)?(?:all\s+|completely\s+|totally\s+|just\s+|still\s+|simply\s+)?"
    r"(?:wrong|incorrect|not\s+(?:right|correct|it|helpful|useful|true|what\s+i\s+(?:asked(?:\s+for)?|meant|wanted|need(?:ed)?|was\s+looking\s+for)))"
    r"|wrong\s+answer|(?:that|this|it|you)\s+(?:did\s*n'?t|does\s*n'?t|did\s+not|does\s+not)\s+"
    r"(?:help(?:\s+(?:me|at\s+all))?|answer\s+(?:my\s+question|it|that|the\s+question))"
    r"|(?:that|this|it)\s+(?:was\s*n'?t|is\s*n'?t|was\s+not|is\s+not)\s+(?:helpful|useful|right|correct|it|what\s+i\s+(?:asked|meant|wanted))"
    r"|no\s+help(?:\s+at\s+all)?|not\s+helpful(?:\s+at\s+all)?"
    # what the answer said to do did not work: "still nothing", "still not working", "nothing yet", "still no email"
    # (read as a goodbye by the intent model, 0.50, after the password-reset answer)
    r"|(?:(?:it|that|this)(?:'?s|\s+is)\s+)?still\s+(?:nothing|the\s+same|no\s+\w+|not\s+(?:working|there|here|arrived|received|fixed))"
    r"|(?:it|that|this)\s+still\s+(?:does\s*n'?t|does\s+not|did\s*n'?t|did\s+not)\s+work|nothing\s+(?:yet|so\s+far|came|arrived)"
    # German: "das ist falsch", "danke, aber das hilft mir nicht", "das war nicht meine Frage"
    r"|(?:das\s+)?(?:ist|war)\s+(?:leider\s+)?(?:falsch|nicht\s+(?:richtig|korrekt|meine\s+frage|das,?\s+was\s+ich\s+(?:wollte|meinte|gefragt\s+habe)))"
    r"|das\s+hilft\s+(?:mir\s+)?(?:nicht|nichts|überhaupt\s+nicht)|falsche\s+antwort"
    # Spanish: "no me ha ayudado", "no me sirve (de nada)", "eso no es lo que pregunté", "eso está mal", "sigue sin
    # funcionar"; "no" first, "me ha ayudado" is thanks
    r"|(?:(?:eso|esto|la\s+respuesta)\s+)?no\s+(?:me\s+)?(?:ha[sn]?\s+)?(?:ayudad[oa]|ayuda|ayud[óo]|sirve|servido|sirvi[óo])"
    r"(?:\s+(?:de\s+|para\s+)?nada)?"
    r"|(?:(?:eso|esto)\s+)?no\s+es\s+lo\s+que\s+(?:he\s+)?(?:pregunt[ée]|preguntado|quer[íi]a|busco|buscaba|ped[íi]|pedido|necesito)"
    r"|(?:(?:eso|esto|la\s+respuesta)\s+)?(?:es|est[áa])\s+(?:mal|incorrect[oa]|equivocad[oa])|respuesta\s+(?:incorrecta|equivocada|err[óo]nea)"
    r"|(?:sigue|todav[íi]a|a[úu]n)\s+(?:sin\s+(?:funcionar|llegar|nada)|nada|igual|no\s+(?:funciona|llega|ha\s+llegado))"
    r"|sigo\s+sin\s+recibir(?:lo|la|\s+nada|\s+el\s+(?:correo|email|enlace))?"
    # a question mark says the same ("still nothing?", "still not working?"): it was read as a question and searched
    r")(?:\s+(?:at\s+all|though|sorry|unfortunately|either|leider|la\s+verdad|tampoco|lo\s+siento))?[\s.!?,…]*$"
)

# A request for help that does not yet say with what ("I need help", "help", "hi, can you help me?", "quick
# question"): the whole message. Answered like a greeting ("How can I help?", as the intent model's training
# data has it), not searched: nothing in it can be found, and a decline would count as a failed turn.
HELP_REQUEST = (
    r"^\s*(?:(?:hi|hello|hey)(?: there)?[\s!.,]*)?(?:please[\s,]*)?"
    r"(?:(?:i|we) (?:need|want|would like|could use) (?:some |a little |your )?(?:help|assistance)|help(?: me)?|"
    r"can (?:you|u|someone|somebody|anyone) help(?: me)?|(?:i have|i'?ve got|got) (?:a|one) (?:quick |small )?question|"
    r"(?:a )?quick question|"
    # German: "Hilfe", "Ich brauche Hilfe", "Können Sie mir helfen?", "Ich habe eine Frage"
    r"(?:(?:hallo|hi)[\s!.,]*)?(?:ich brauche (?:bitte )?hilfe|hilfe|(?:können|könnten) sie mir helfen|kannst du mir helfen|"
    r"ich habe (?:eine|mal eine) (?:kurze )?frage|kurze frage))(?:,? (?:please|pls|plz|bitte))?[\s!.?,]*$"
)

# A request for help with an order that says not yet with what: the whole message ("I need help with my order", "about
# my order", "hi, can you help me with my order?"). The order's number is asked for (``order_status``); a reply that
# names a topic instead ("it arrived damaged") is answered from the help centre (``dialog.policies``).
HELP_WITH_AN_ORDER = (
    r"^\s*(?:(?:hi|hello|hey)[\s,!.]*)?(?:(?:i\s+)?(?:need|want|would\s+like|could\s+use)\s+(?:some\s+)?help\s+|"
    r"can\s+you\s+help\s+(?:me\s+)?)?"
    r"(?:(?:it'?s )?(?:with|about) )?my (?:order|package|parcel)(?:,? please)?[\s.!?]*$"
)
# "I have a question about my order", "quick question about my order": what the question is is asked ("What would
# you like to know about your order?"), not the order number, which a question on returns or cancelling does not need
ORDER_QUESTION = (
    r"^\s*(?:(?:hi|hello|hey)(?: there)?[\s,!.]*)?(?:(?:i\s+have|i'?ve\s+got|got)\s+)?(?:a|one)?\s*(?:quick\s+|small\s+|short\s+)?"
    r"question\s+(?:about|on|regarding|concerning)\s+(?:my|an?|the)\s+(?:order|package|parcel|delivery)(?:,? please)?[\s.!?]*$"
)

# what a customer asks whether the assistant is: "a bot", "a real person", "human or a bot"
_BEING = r"(?:an? )?(?:bot|robot|chat ?bot|human|real(?: person| human)?|person|machine|ai|computer|automated)"
# what "is it …?" / "is that …?" asks about the assistant: only a bot or a person. "Is it automated?", "is it real?"
# after an answer ask about the topic (the refund answered), and are searched in its context
_BOT_OR_PERSON = r"(?:an? )?(?:bot|robot|chat ?bot|(?:real )?(?:person|human))"

# A sound or a check-in that asks nothing ("hmm", "umm…", "lol", "you there?", "hello?", "bist du noch da?"): the whole
# message. It was searched and declined ("I couldn't find the answer …", a failed turn, a person offered); it
# gets a short "I'm here" and leaves the conversation as it was (an offer of a person, an open question).
_SOUND = r"(?:h+m+|m{2,}|h+u+h+|u+h*m+|u+h+|e+r+m*|a+h+|e+h+|o+h+|m+e+h+|l+o+l+|lmao|(?:ha){2,}h?|(?:he){2,}h?|ä+h*m*|ö+h*m*)"
_CHECK_IN = (
    r"(?:are )?(?:you|u) (?:still )?(?:there|around)|still there|(?:is )?(?:any|some)(?:one|body) (?:still )?(?:there|here)|"
    r"(?:bist du|sind sie) (?:noch )?da|ist (?:da )?(?:noch )?(?:jemand|wer)(?: da)?|"
    # a greeting asked ("hello?", "hi??", "hallo?"): is anyone there, not a new start. Read as a greeting while a
    # clarifying question waited, it was answered "Hello! ... How can I help?" and the question was dropped
    r"(?:hello|hi|hey|hallo)(?: there)?\s*\?|¿?(?:hola|bonjour|salut|ol[áa]|hoi)\s*\?"
)
# sounds one after another need something between them ("hmm, umm"): a sound repeated with nothing between is
# the sound's own pattern ("hmmm", "hahaha"), so a long message of them is read once, not split every way
FILLER = rf"^\s*(?:{_SOUND}(?:[\s.,!?…]+{_SOUND})*|{_CHECK_IN})[\s.,!?…]*$"

# Dismay at what was just said ("oh no", "oh no!", "no way", "no!!", "nooo", "ugh", "oh dear", "oh nein"): the whole
# message. After an answer it says the news is bad or the answer failed, not that the customer wants nothing more: it
# was read as "no" ("All right. Is there anything else I can help with?"). Where a yes/no question waits, the
# emphatic no among them (EMPHATIC_NO) is a plain no (``dialog.manager``).
EMPHATIC_NO = r"no+o|no\s+way|(?:no|nein)\s*!{2,}"
DISMAY = (
    r"^\s*(?:(?:oh+|o+h+|ah+|aw+|ach|och)[\s,.!]*(?:no+|nein|dear|god|gosh|my\s+(?:god|gosh)|man|jeez|je|gott)"
    rf"|{EMPHATIC_NO}|u+gh+|argh+|oh\s+my|oje|ach\s+du\s+(?:meine\s+güte|liebe\s+zeit)|so\s+ein\s+mist|na\s+toll"
    # "ok whatever", "fine, whatever then": annoyed, not leaving (the intent model read a goodbye, and "Goodbye!" ended it)
    r"|(?:(?:ok(?:ay)?|fine|yeah|yea|well|oh|meh|ugh|sure)[\s,.!]+)*what\s*ever(?:\s+then)?|egal|na\s+gut,?\s+egal)[\s.!?…]*$"
)


# the words a one-word "yes" is, which a slip of the keyboard ("yse", "yess", "yeha") leaves one edit away from
_YES_WORDS = ("yes", "yeah")
_ONE_WORD = re.compile(r"\s*([^\W\d_]{2,6})[\s.!]*", re.IGNORECASE)


def _slips(word: str) -> frozenset[str]:
    """The slips of the keyboard that make of ``word`` a form of it rather than another word: two neighbours swapped
    ("yse", "yeha"), a letter typed twice ("yess"), a letter left out ("ys", "yeh"; of "yes" and "yeah" it makes no
    other word than a yes cut short, "ye", or a yes of its own, "yea", "yah"). A letter changed, or a new one added,
    makes words of their own ("yet", "yen", "yew", "year", "yeas"): no slips."""
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    left_out = {word[:i] + word[i + 1:] for i in range(len(word))}
    doubled = {word[: i + 1] + word[i:] for i in range(len(word))}
    return frozenset(swapped | left_out | doubled) - {word}


_TYPED_YES = frozenset(slip for yes in _YES_WORDS for slip in _slips(yes) if slip.startswith("y"))


def is_typed_yes(text: str) -> bool:
    """A one-word message that is a "yes" or "yeah" with a typing slip (``_slips``: "yse", "yess", "ys", "yeha"),
    starting with its "y": the intent model read "yse" to the offer of a person as a greeting, and the offer was not
    taken. "yet", "yen", "year" are words of their own, no yes."""
    match = _ONE_WORD.fullmatch(text)
    return bool(match) and match.group(1).lower() in _TYPED_YES


# what an emoji is made of besides its symbol: skin tones (Sk), variation selectors and combining marks (Mn), the
# joiner between the parts of one (Cf)
_EMOJI_PARTS = ("So", "Sk", "Mn", "Cf")


# the answer to a business action's "Shall I go ahead: ...?" (``confirm=True``) that only that question reads so, besides
# the rules' yes and no ("affirm", "deny") in every language they know: "cancel", "stop", "don't" call it off (the intents
# may read "cancel" as a request, cancel_order), "go ahead", "do it", "confirm" let it run. "don't" also with a no or a
# please before it and the thing not to do after it ("no, don't", "please don't", "don't do it", "do not do that"): they
# were searched; "don't know", "why don't you ...?" say something else
_DONT = (
    r"(?:(?:no|nope|nah)[\s,.!]+)?(?:please[\s,]+)?(?:don['’]?t|do\s+not)"
    r"(?:\s+(?:do|cancel|proceed|go\s+ahead|run|bother))?"
)
_CALL_OFF = re.compile(
    rf"\s*(?:cancel|stop|abort|{_DONT}|abbrechen|stopp|annuler|cancelar)(?:\s+(?:it|that|this|please))*\s*[.!]*\s*",
    re.IGNORECASE,
)
_GO_AHEAD = re.compile(
    r"\s*(?:(?:ok(?:ay)?|yes|sure)[\s,]+)?(?:go\s+ahead|do\s+it|proceed|confirm(?:ed)?|please\s+do)(?:[\s,]+please)?\s*[.!]*\s*",
    re.IGNORECASE,
)


def calls_off(text: str) -> bool:
    """Whether the whole message calls off the action waiting for a yes ("cancel", "stop it", "don't", "abbrechen")."""
    return bool(_CALL_OFF.fullmatch(text))


def goes_ahead(text: str) -> bool:
    """Whether the whole message lets the action waiting for a yes run ("go ahead", "ok, do it", "confirm")."""
    return bool(_GO_AHEAD.fullmatch(text))


def is_emoji_asked(text: str) -> bool:
    """An emoji or a few, then a question mark, and nothing else ("🤔?", "👍?", "😕 ??"): a sound asked, "hm?", "ok?".
    It asks nothing that can be searched; as a message without words it was asked to rephrase, a failed turn, and the
    second in a row handed the conversation to a person. An emoji alone ("🤷") stays a message without words."""
    body = text.strip().rstrip("?!").strip()
    if not text.strip().rstrip("!").endswith("?") or not body:
        return False
    categories = [unicodedata.category(c) for c in body if not c.isspace()]
    return "So" in categories and all(c in _EMOJI_PARTS for c in categories)


def is_emphatic_no(text: str) -> bool:
    """An exclamation that is also a refusal ("no way", "no!!", "nooo"): a no where a yes/no question waits."""
    return bool(re.fullmatch(rf"\s*(?:{EMPHATIC_NO})[\s.!?…]*", text, re.IGNORECASE))


# The conversation's own words in Spanish, French, Italian, Portuguese and Dutch (the languages a handoff is taken back
# in, ``dialog.handoff_cancel``), for a help centre written in one of them: in its words "Hola", "gracias, adiós" or
# "Quiero hablar con una persona" were searched and declined. Spanish opens a question or an exclamation with "¿"/"¡".
_OPENING_MARK = r"[¿¡]?"
_GREETINGS_ELSEWHERE = (
    r"hola|buen(?:os|as) (?:d[ií]as|tardes|noches)|buenas|"  # Spanish
    r"bonjour|bonsoir|salut|coucou|"  # French
    r"buongiorno|buonasera|salve|"  # Italian ("ciao" is a goodbye as well, and stays one)
    r"ol[áa]|oi|bom dia|boa (?:tarde|noite)|"  # Portuguese
    r"hoi|goedemorgen|goedemiddag|goedenavond"  # Dutch
)
# thanks, also before a goodbye ("gracias, adiós"): "merci de me dire ..." is "please tell me ...", a request
_THANKS_ELSEWHERE = (
    r"(?:muchas |mil )?gracias|merci(?: beaucoup| bien)?(?!\s+de\s+(?:me|nous|bien)\b|\s+de\s+m['’])|grazie(?: mille)?|"
    r"(?:muito )?obrigad[oa]|bedankt|dank (?:je|u)(?: wel)?|hartelijk dank"
)
# "that's all" only as the whole message, or with thanks: "es todo de madera", "c'est tout neuf" say something else
_THAT_IS_ALL = (
    r"(?:(?:eso )?es todo|c['’]est tout|(?:questo )?[èe] tutto|(?:isso )?[ée] tudo|dat was (?:het|alles))"
    r"(?=[\s,.!]*(?:(?:gracias|merci|grazie|obrigad[oa]|bedankt|dank (?:je|u)(?: wel)?)[\s.!]*)?$)"
)
_GOODBYES_ELSEWHERE = (
    rf"adi[oó]s|hasta (?:luego|pronto|la pr[oó]xima|mañana)|nos vemos|chao|chau|{_THAT_IS_ALL}|"
    r"au revoir|[àa] bient[ôo]t|bonne (?:journ[ée]e|soir[ée]e)|"
    r"arrivederci|a presto|buona (?:giornata|serata)|"
    r"tchau|adeus|at[ée] (?:logo|mais|breve)|"
    r"tot ziens|doei|fijne dag"
)
# a yes, alone or with "please" or "thanks" ("sí, por favor", "oui, merci", "ja graag", "ja takk"): the whole message, so
# that the "si" of French and Italian ("if"), and of Spanish typed without its accent, opens no question read as a yes.
# The keyword rules read it as a yes (affirm), and it takes the offer of a person in the reply to a message in another
# language (``is_yes_in_another_language``)
_YES_ELSEWHERE = (
    r"(?:s[iíì]|sim|ja|jawohl|gerne?|oui|ouais|claro(?:\s+que\s+s[ií]m?)?|vale|de\s+acuerdo|por\s+supuesto|d['’]accord|"
    r"bien\s+s[uû]r|volontiers|certo|certamente|va\s+bene|d['’]accordo|com\s+certeza|pode\s+ser|graag|zeker|natuurlijk|"
    r"prima|gjerne)"
    r"(?:[\s,]+(?:por\s+favor|gracias|s['’]il\s+(?:te|vous)\s+pla[iî]t|merci|bitte|danke|gerne?|per\s+favore|grazie|"
    r"obrigad[oa]|graag|alstublieft|alsjeblieft|dank\s+(?:je|u)(?:\s+wel)?|bedankt|takk(?:\s+skal\s+du\s+ha)?|gjerne))?"
)
_YES_IN_ANOTHER_LANGUAGE = re.compile(rf"^\s*{_OPENING_MARK}{_YES_ELSEWHERE}[\s.!]*$", re.IGNORECASE)


def is_yes_in_another_language(text: str) -> bool:
    """Whether ``text`` is a yes in Spanish, French, German, Dutch, Italian, Portuguese or Norwegian ("sí", "oui, merci",
    "jawohl", "ja graag", "sì, grazie", "sim, obrigado", "ja takk"): the answer to the offer of a person in the reply
    to a message in another language."""
    return bool(_YES_IN_ANOTHER_LANGUAGE.match(text))


_NO_ELSEWHERE = (
    r"no,? (?:gracias|grazie)|mejor no|ahora no|no hace falta|d[ée]j(?:alo|elo)|olv[ií]d(?:alo|elo)|"  # Spanish, Italian
    r"non|non,? merci|pas maintenant|pas besoin|laisse[zr]? tomber|"  # French, Italian "non"
    r"non,? grazie|non ora|lascia(?:mo)? perdere|"
    r"n[ãa]o|n[ãa]o,? obrigad[oa]|agora n[ãa]o|deixa (?:pra|para) l[áa]|"
    r"nee,? (?:dank (?:je|u)(?: wel)?|bedankt)|nu niet|laat maar"
)
# asking for a person: with a verb of speaking or putting through, not "persona" alone ("la persona que recibe el paquete")
_SOMEONE_ES = r"(?:una |un |algún |alguna |el |la )?(?:persona|humano|agente|asesora?|operadora?|emplead[oa]|alguien)\b"
_PERSON_ELSEWHERE = (
    rf"(?:hablar|charlar) con {_SOMEONE_ES}|p[aá]s[ae]me con {_SOMEONE_ES}|"
    r"(?:quiero|necesito|prefiero) (?:una persona|un humano|un agente|un asesor)\b|persona real|ser humano|"
    r"parler (?:à|a|avec) (?:une |un |la |le )?(?:vraie )?(?:personne|humain|conseill(?:er|ère)|op[ée]rat(?:eur|rice)|agent|"
    r"employ[ée]e?|quelqu['’]un)|vraie personne|[êe]tre humain|(?:mettez|passez)-moi (?:en relation avec|un |une )|"
    r"parlare con (?:una |un |uno |l['’])?(?:persona|operat(?:ore|rice)|umano|agente|consulente|qualcuno)\b|"
    r"persona (?:vera|reale)|essere umano|passami (?:un |una )?(?:operatore|persona|umano)\b|"
    r"falar com (?:uma |um |o |a )?(?:pessoa|humano|atendente|agente|operador(?:a)?|algu[ée]m|funcion[áa]ri[oa])\b|"
    r"pessoa (?:real|de verdade)|"
    r"(?:spreken|praten) met (?:een )?(?:echte? )?(?:mens|persoon|medewerker|iemand)\b|"
    r"(?:met )?(?:een |iemand )?(?:echte? )?(?:mens|persoon|medewerker) (?:spreken|praten)|echte? (?:mens|persoon)\b"
)
# "¿eres un robot?", "êtes-vous un humain ?", "sei un bot?", "você é um robô?", "ben je een bot?": the whole message
_BEING_ELSEWHERE = r"(?:un |una |une |um |uma |een )?(?:bot|robot|robô|robo|chat ?bot|humano|humain|umano|mens|persona|personne|pessoa|persoon|m[áa]quina|machine|macchina|computer|ia)(?: (?:real|reale|vera|r[ée]elle|de verdade))?"
_BOT_CHALLENGE_ELSEWHERE = (
    rf"(?:eres|es usted|usted es|t[úu] eres|(?:est[aá]s?|estoy) hablando con|es-tu|[êe]tes-vous|tu es|vous [êe]tes|"
    rf"je parle (?:à|a|avec)|sei|sto parlando con|voc[êe] [ée]|vc [ée]|[ée]s|estou (?:falando|a falar) com|ben je|bent u|"
    rf"ben jij|praat ik met) {_BEING_ELSEWHERE}|"
    r"qui[ée]n eres|qu[ée] puedes hacer|qui es-tu|qui [êe]tes-vous|chi sei|quem [ée] voc[êe]|wie ben je|wie bent u"
)
# "where is my order": "¿Dónde está mi pedido?", "où est ma commande", "dov'è il mio ordine", "waar blijft mijn pakket"
_ORDER_STATUS_ELSEWHERE = (
    r"\bd[oó]nde (?:est[aá]|anda) (?:mi|el) (?:pedido|paquete|env[ií]o)|\bestado de (?:mi|el) pedido|"
    r"\bo[uù] (?:est|en est) (?:ma commande|mon colis|ma livraison)|\b(?:suivi|statut|[ée]tat) de (?:ma commande|mon colis)|"
    r"\bdov(?:e |['’] ?)(?:[èe] |si trova )(?:finito )?il mio (?:ordine|pacco)|\bstato del (?:mio )?ordine|"
    r"\bonde (?:est[áa]|anda) (?:o |a )?(?:meu|minha) (?:pedido|encomenda|pacote)|\bcad[êe] (?:o )?meu pedido|"
    r"\b(?:status|estado) d[oa] (?:meu|minha) (?:pedido|encomenda)|"
    r"\bwaar (?:is|blijft) mijn (?:bestelling|pakket|pakje)|\bstatus van mijn bestelling"
)

# a greeting and nothing else ("hello", "hi there!", "hallo", "¡hola!"): no help request ("hi, can you help me?")
_BARE_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|greetings|hallo|hallöchen|guten (?:morgen|tag|abend)|moin(?: moin)?|"
    rf"servus|grüß gott|grüezi|{_OPENING_MARK}(?:{_GREETINGS_ELSEWHERE})(?:[\s!.,]+(?:{_GREETINGS_ELSEWHERE}))?)\b"
    r"(?:[\s!.,]*(?:there|zusammen))?[\s!.,]*$",
    re.IGNORECASE,
)


def is_bare_greeting(text: str) -> bool:
    """A greeting and nothing else ("hello", "hi there!"): where the assistant waits for a reply (a clarifying question,
    a question for a detail, the offer of a person) it greets no new start, it checks in, as "hello?" does."""
    return bool(_BARE_GREETING.match(text))


_PATTERNS: dict[str, re.Pattern[str]] = {
    # questions about the assistant itself ("Are you a bot?", "What can you do?", "Is this a real person?"): the
    # whole message, so that "are you a bot? I want a real person" still asks for a person
    "bot_challenge": re.compile(
        rf"^\s*(?:(?:are you|is this) {_BEING}(?: or {_BEING})?|is (?:that|it) {_BOT_OR_PERSON}(?: or {_BOT_OR_PERSON})?|"
        r"am i (?:talking|chatting|speaking) (?:to|with) (?:an? )?(?:bot|robot|human|real person|person|machine|computer)|"
        r"who (?:are you|am i (?:talking|chatting|speaking) (?:to|with))|what are you|"
        # also "what else can you do (for me)?", "what else can I ask you?": the capabilities, not the last article again
        r"what (?:else |other things |more )?(?:can|could|do) you (?:do|help(?: me| us)? with|know)(?: about)?(?: for (?:me|us))?|"
        r"what else (?:can|could) (?:i|we) ask(?: you)?(?: about)?|how (?:else )?can you help(?: me| us)?|"
        r"(?:bist du|sind sie) (?:ein |eine )?(?:bot|roboter|chat ?bot|mensch|echt|ki|maschine|computer)|"
        r"(?:spreche|schreibe|chatte) ich (?:mit|gerade mit) (?:einem |einer )?(?:bot|roboter|menschen|maschine|ki)|"
        r"wer bist du|wer sind sie|was kannst du|was können sie|"
        rf"{_OPENING_MARK}(?:{_BOT_CHALLENGE_ELSEWHERE}))[\s?!.]*$",
        re.IGNORECASE,
    ),
    "human": re.compile(
        r"\b(human|real person|(?:an? )?(?:live )?agent|representative|operator|someone real|"
        r"talk to (?:a |an |some)?(?:person|one|body)|speak (?:to|with) (?:a |an |some)?(?:person|one|body|staff)|"
        r"menschen|mitarbeiter(?:in)?|kundenberater(?:in)?|sachbearbeiter(?:in)?|echte[nr]? person|"
        r"(?:mit )?jemandem (?:sprechen|reden)|"
        # Norwegian: "Jeg vil snakke med et menneske", "Kan jeg snakke med kundeservice?"
        r"(?:snakke|prate) med (?:et |en )?(?:menneske|person|kundeservice|noen))\b|"
        + rf"\b(?:{_PERSON_ELSEWHERE})",
        re.IGNORECASE,
    ),
    "complaint": FRUSTRATION,
    # the answer did not help ("thanks, that's all wrong", "that's not what I asked", "das ist falsch"): the whole
    # message, before goodbye and thanks, which read "thanks, that's all wrong" as a goodbye
    "not_helped": re.compile(NOT_HELPED, re.IGNORECASE),
    "greet": re.compile(
        r"^\s*(hi|hello|hey|good (?:morning|afternoon|evening)|greetings|"
        r"hallo|hallöchen|guten (?:morgen|tag|abend)|moin(?: moin)?|servus|grüß gott|grüezi|hei|heisann|god (?:morgen|dag|kveld))\b[\s!.,]*(there|zusammen)?[\s!.]*$|"
        rf"^\s*{_OPENING_MARK}(?:{_GREETINGS_ELSEWHERE})(?:[\s!.,]+{_OPENING_MARK}(?:{_GREETINGS_ELSEWHERE}))?\b[\s!.,]*$|"
        + HELP_REQUEST, re.IGNORECASE
    ),
    # also after thanks or a no ("thanks, bye!", "thank you for your help, goodbye", "nope, that's all"): the customer is leaving
    "goodbye": re.compile(
        rf"^\s*{_OPENING_MARK}(?:(?:thanks?|thank you|thx|cheers|danke(?: ?schön| sehr)?|vielen dank|no|nope|nah|nein|"
        rf"{_THANKS_ELSEWHERE}|non|n[ãa]o|nee)\b[^?\d@]{{0,30}}?[\s,!.]+)?{_OPENING_MARK}"
        r"(bye|goodbye|see you|that(?:'?s| is) all|have a nice day|tschüss?|tschau|ciao|auf wiedersehen|bis bald|"
        rf"schönen tag(?: noch)?|das (?:war'?s|wäre alles)|{_GOODBYES_ELSEWHERE})(?=$|[\s!.,])[^?\d@]{{0,20}}$",
        re.IGNORECASE,
    ),
    # a few more words, but no question and no value: "thanks, where's my order?" asks for something
    "thanks": re.compile(
        r"^\s*(thanks?|thank you|thx|cheers|great,? thanks?|danke(?: ?schön| sehr)?|vielen dank|herzlichen dank|besten dank|"
        rf"(?:tusen )?takk(?: for hjelpen)?)\b[^?\d@]{{0,30}}$|^\s*{_OPENING_MARK}(?:{_THANKS_ELSEWHERE})\b[^?\d@¿]{{0,30}}$",
        re.IGNORECASE,
    ),
    # before deny, which read "oh no" and "no!!" as a no
    "dismay": re.compile(DISMAY, re.IGNORECASE),
    "affirm": re.compile(
        r"^\s*(yes|yeah|yep|sure|ok(?:ay)?|please do|yes,? please|please|uh[- ]?huh|mhm+|mm+[- ]?hm+|ja|jawohl|gerne?|ja,? (?:bitte|gerne?|takk|gjerne)|bitte|genau)"
        r"\s*[.!]*\s*(please|bitte)?[.!]*\s*$|"
        rf"^\s*{_OPENING_MARK}{_YES_ELSEWHERE}[\s.!]*$",
        re.IGNORECASE,
    ),
    "deny": re.compile(
        # also after "actually", "oh", "ok", "sorry": "actually never mind" (the intent model read it as a complaint, 0.74)
        r"^\s*(?:(?:actually|oh|ok(?:ay)?|well|sorry|hmm+|um+|ah)[\s,.!]+)*"
        # "nah", "nope, thanks", "no need": a no too (after an answer, "nah" was searched and got more of its article)
        r"(no|nope|nah|(?:no|nope|nah),? thanks?|no thank you|no need|not now|never ?mind|nvm|cancel that|forget (?:it|about it)|stop|stop it|"
        r"don'?t bother|nein|nee|nö|nein,? danke|lieber nicht|jetzt nicht|vergiss es|schon gut|abbrechen|nei|nei,? takk)\s*[.!]*\s*$|"
        rf"^\s*{_OPENING_MARK}(?:{_NO_ELSEWHERE})[\s.!]*$",
        re.IGNORECASE,
    ),
    # after affirm: "uh huh" and "mhm" are a yes
    "filler": re.compile(FILLER, re.IGNORECASE),
    "order_question": re.compile(ORDER_QUESTION, re.IGNORECASE),
    "order_status": re.compile(
        r"\b(where(?:'?s| is) my (?:(?:other|second|last|latest|new|recent) )?(?:order|oder|ordr|package)|status of (?:my |the )?order|order status|track(?:ing)? (?:my |an |the )?order|"
        r"has my order (?:shipped|been shipped)|check (?:on )?(?:my |an |the )?order)\b|"
        # "I ordered a kettle last week, where is it?"
        r"\bi (?:ordered|placed an order)\b[^?.!]{0,60}\bwhere(?:'?s| is) (?:it|my stuff)[\s?.!]*$|"
        # the whole message, as the answer to "How can I help?": "with my order", "about my order please"
        # and as the whole request: "I need help with my order", "hi, can you help me with my order?"
        rf"{HELP_WITH_AN_ORDER}|"
        # German: "Wo ist meine Bestellung?", "Wo bleibt mein Paket?", "Status meiner Bestellung"
        r"\bwo (?:ist|bleibt) (?:meine (?:bestellung|lieferung|sendung)|mein paket)|(?:status|stand) meiner bestellung|"
        r"\bbestellstatus\b|" + _ORDER_STATUS_ELSEWHERE,
        re.IGNORECASE,
    ),
}

# Every intent these rules can give: what the rules file's handoff intents may name without an intent model.
RULE_INTENTS = (*_PATTERNS, "question")


# a value in a message: a word with a digit or an @ in it (an order number, an e-mail address, a date)
VALUE_TOKEN = re.compile(r"\S*[\d@]\S*")


def without_values(text: str) -> str:
    """The message without its values ("NW-20481736", "JANE@EXAMPLE.COM", "3/4/2025"): its own words."""
    return VALUE_TOKEN.sub(" ", text)


def only_values(text: str) -> bool:
    """Whether the message is nothing but values (an order number, an e-mail address, a date: "Dec 28") and
    symbols: no word of its own to read an intent or a mood from."""
    return not has_words(without_values(without_dates(text)))


# the words that only introduce a value: "Hi, my email is …", "here is my order number: …", "it's …"
_VALUE_INTRODUCTION = re.compile(
    r"\b(?:hi|hello|hey|ok|okay|sure|yes|thanks|thank you|here(?:'s| is| you go)?|it'?s|it is|this is|that'?s|that is|my|the|our"
    r"|e-?mail(?: address)?|address|order(?: number| no| #)?|phone(?: number)?|mobile(?: number)?|number|is|are"
    # "I have two orders NW-20481736 and NW-20481737": values listed, nothing asked for besides them
    r"|i have|i'?ve got|got|(?:two|both|three)(?: of them)?|orders|order numbers|numbers|e-?mails)\b",
    re.IGNORECASE,
)

# "and"/"or" between two values; "NW-20481740 and my email is …" still needs its words read
_BETWEEN_VALUES = re.compile(r"(?<=[\d@])[\s,]+(?:and|or|&)\s+(?=\S*[\d@])", re.IGNORECASE)


def introduces_values(text: str) -> bool:
    """Whether the message is values with words that only introduce them ("Hi, my email is
    jane@example.com", "my order number is NW-20481736"): nothing asked for besides giving them."""
    values = VALUE_TOKEN.findall(text)
    listed = _BETWEEN_VALUES.sub(" ", text)  # "NW-20481736 and NW-20481737": the "and" only lists them
    return bool(values) and not has_words(_VALUE_INTRODUCTION.sub(" ", without_values(listed)))


# a yes/no question whether a way of contact exists: "Do you offer phone support?", "Can I call you?", "Is there a live
# chat?", "Gibt es eine Hotline?"; not a request to be called back ("can someone call me?") or put through
_CHANNEL_QUESTION = re.compile(
    r"^\W*(?:do|does|can|could|is|are|will|would|may|gibt|kann|können|habt|haben)\b(?![^?]*\b(?:call|ring|phone) (?:me|us)\b)"
    r"(?![^?]*\b(?:mich|uns) (?:zurück)?anrufen\b)[^?]{0,60}?\b(?:(?:tele)?phone|hotline|call(?: you)?|ring you|live ?chat|chat support|"
    r"e-?mail support|whatsapp|telefon\w*|anrufen)\b",
    re.IGNORECASE,
)


def asks_about_a_channel(text: str) -> bool:
    """Whether the message asks whether the shop can be reached a certain way ("Do you offer phone support?", "Can I
    call you?"): a question the help centre answers (with the offer of a person when it cannot), not a request for a
    person, though an intent model trained on "what's your phone number" as one may read it so."""
    return bool(_CHANNEL_QUESTION.search(text))


# angry faces: pouting, cursing, angry, imp, anger symbol
_ANGRY_FACES = "[\U0001F621\U0001F92C\U0001F620\U0001F47F\U0001F4A2]"
_ANGRY_EMOJI = re.compile(_ANGRY_FACES)
# the marks of a tone, which say nothing of what is asked: angry faces, and "!" repeated
_TONE_MARKS = re.compile(f"{_ANGRY_FACES}+|!{{2,}}")


def without_tone(text: str) -> str:
    """The words of an upset message (``sounds_upset``) as said calmly, for reading its intent: capitals in lower case,
    angry faces left out, "!!!" as one "!" ("😡😡😡 kettle arrived broken!!!" -> "kettle arrived broken!"). The intent
    model found the angry faces out of scope, and the capitals a complaint."""
    calm = _TONE_MARKS.sub(lambda match: "!" if match.group(0).startswith("!") else " ", text).strip()
    return calm.lower() if is_shouted(calm) else calm


def is_shouted(text: str) -> bool:
    """Whether the message is written in capitals (an e-mail address or order number written in capitals is not
    shouting): caps lock, a phone's keyboard or an upset customer; the words are read in lower case all the same."""
    letters = [c for c in without_values(text) if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def sounds_upset(text: str) -> bool:
    """An upset message: shouted in capitals, "!!!", an angry emoji ("😡😡😡 kettle arrived broken!!!"), or angry words
    (``FRUSTRATION``). The tone alone hands over only a message that asks nothing of the shop (``dialog.policies``): the
    question it asks is answered ("HOW DO I RETURN AN ITEM?" was handed to a person as a complaint), with the offer of a
    person after it; angry words hand over whatever the message asks, unless the team turned that off
    (``HandoffPolicy.hand_over_frustrated_questions``: then such a question is answered with that offer too)."""
    return is_shouted(text) or "!!!" in text or bool(_ANGRY_EMOJI.search(text)) or bool(FRUSTRATION.search(text))


def has_words(text: str) -> bool:
    """Whether the message holds at least one word (not only digits, symbols or emoji)."""
    return bool(re.search(r"[^\W\d_]{2,}", text))


class RuleBasedIntents:
    """Pattern rules for the few intents that steer the conversation itself."""

    name = "rules"

    def understand(self, text: str) -> Understanding:
        for intent, pattern in _PATTERNS.items():
            if pattern.search(text):
                return Understanding(intent, RULE_CONFIDENCE, ranking=((intent, RULE_CONFIDENCE),))
        if is_typed_yes(text):
            return Understanding("affirm", RULE_CONFIDENCE, ranking=(("affirm", RULE_CONFIDENCE),))
        if is_emoji_asked(text):
            return Understanding("filler", RULE_CONFIDENCE, ranking=(("filler", RULE_CONFIDENCE),))
        # an upset tone alone ("HOW DO I RETURN AN ITEM?", "kettle arrived broken!!!") is no complaint: the question is
        # read for its intent, and the policies hand over only a message that asks nothing of the shop
        return Understanding("question", 0.6)
