"""Document metadata from files: the YAML front matter of Markdown, and tag lists.

A Markdown file may start with a front-matter block between two ``---`` lines (Jekyll, Hugo, MkDocs,
Docusaurus). It is metadata, never content: it is neither indexed nor shown, because it often holds
notes meant for staff. The keys used are ``title``, ``tags``, ``url`` and ``language`` (or ``lang``);
every other key is ignored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from retrieval.errors import UnreadableFile

# the opening line, the block, then a closing "---" (or YAML's "...") on a line of its own
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class FrontMatter:
    """The front-matter keys a document uses; None or empty where the file does not set them."""

    title: str | None = None
    tags: tuple[str, ...] = ()
    url: str | None = None
    language: str | None = None
    problems: tuple[str, ...] = ()  # keys ignored for having the wrong type, each in a sentence


_NULLS = {"~", "null", "Null", "NULL"}  # YAML's spellings of "no value", which the text-only loader keeps as text


def _text(value: object) -> str | None:
    """A scalar as stripped text; None for a missing or empty value."""
    if value is None:
        return None
    text = str(value).strip()
    return None if not text or text in _NULLS else text


def _typed(data: dict[str, object]) -> tuple[dict[str, object], tuple[str, ...]]:
    """``data`` without the used keys whose values have the wrong type (``title``, ``url`` and ``language``
    take text; ``tags`` text or a list of texts, whose nested lists or mappings are left out), and a
    sentence for each thing left out: ``language: [en, de]`` or ``tags: {brand: b}`` became nonsense
    values (``['en', 'de']``) that no filter matched."""
    kept, problems = dict(data), []
    for key in ("title", "url", "language", "lang"):
        if isinstance(kept.get(key), (list, dict)):
            problems.append(f"front matter {key} is a {'list' if isinstance(kept[key], list) else 'mapping'}, not text; ignored")
            del kept[key]
    tags = kept.get("tags")
    if isinstance(tags, str) and _text(tags) is None:  # tags: ~
        kept["tags"] = None
    elif isinstance(tags, dict):
        problems.append("front matter tags is a mapping, not a list; ignored (write tags: [brand-a, shared])")
        del kept["tags"]
    elif isinstance(tags, list):
        odd = [item for item in tags if isinstance(item, (list, dict))]
        if odd:
            problems.append(f"front matter tags holds {len(odd)} nested list(s) or mapping(s), left out (write tags: [brand-a, shared])")
        kept["tags"] = [item for item in tags if not isinstance(item, (list, dict)) and _text(item) is not None]
    return kept, tuple(problems)


def web_link(value: object) -> str | None:
    """A document's ``url`` when it is a web address (``https://…``, ``http://…``) or a path on this site
    (``/help/…``); None for anything else (``javascript:…``, ``data:…``, ``file:…``), which a page or an API
    client would otherwise put into a link."""
    text = _text(value)
    if text is None:
        return None
    return text if re.match(r"(?:https?://|/)", text, re.IGNORECASE) and not re.search(r"[\s<>\"']", text) else None


# codes a help centre may write for a language the assistant knows by another: Norwegian ("no") is read as bokmål
_SAME_LANGUAGE = {"no": "nb"}


def language_code(value: object) -> str | None:
    """The primary language subtag, as the HTML loader reads ``<html lang>``: ``en-GB`` -> ``en``, ``EN`` -> ``en``;
    Norwegian's ``no`` (``no-NO``) -> ``nb``, the code its replies file and language identification use."""
    text = _text(value)
    if not text:
        return None
    code = re.split(r"[-_]", text)[0].lower()
    return _SAME_LANGUAGE.get(code, code)


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """(metadata, the text after the block); the text unchanged when it has no front matter.

    A block that is not a YAML mapping (prose between two rules) is not front matter. Invalid YAML
    raises UnreadableFile naming the problem, so the file is skipped rather than indexed with it. Values
    are read as written (no YAML booleans or dates); a used key of the wrong type is left out and named in
    ``problems``.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return FrontMatter(), text
    try:  # every scalar as written: `language: no` (Norwegian) or a tag `on` is text, not YAML 1.1's false / true
        data = yaml.load(match.group(1), Loader=yaml.BaseLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""  # +1 for 0-based, +1 for the opening ---
        problem = getattr(error, "problem", None) or "cannot be parsed"
        raise UnreadableFile(f"front matter is not valid YAML ({problem}{where}); quote values that contain ': '") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return FrontMatter(), text
    data, problems = _typed({str(key).strip().lower(): value for key, value in data.items()})
    front = FrontMatter(
        title=_text(data.get("title")),
        tags=parse_tags(data.get("tags")),
        url=web_link(data.get("url")),
        language=language_code(data.get("language", data.get("lang"))),
        problems=problems,
    )
    return front, text[match.end() :]


def parse_tags(value: object) -> tuple[str, ...]:
    """Tags from a list (YAML or JSON), or from text separated by commas, semicolons or bars.

    ``"billing, vip"``, ``"[billing, vip]"``, ``'["billing", "vip"]'`` and ``["billing", "vip"]`` all
    give ``("billing", "vip")``; None or an empty value gives no tags.
    """
    if value is None:
        return ()
    if isinstance(value, (list, tuple, set)):
        items = [str(item) for item in value if item is not None]
    else:
        text = str(value).strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, list):
                return parse_tags(parsed)
            text = text.strip("[]")
        items = re.split(r"[,;|]", text)
    tags = (item.strip().strip("'\"").strip() for item in items)
    return tuple(dict.fromkeys(tag for tag in tags if tag))
