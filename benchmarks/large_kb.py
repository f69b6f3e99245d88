"""Write a large help centre from the public datasets, to ingest and serve as a big team would.

    python benchmarks/large_kb.py --data ../shared/data --out /tmp/large-kb/kb [--editions 4] [--no-chinese]

Each *edition* (a product line: Home, Business, ...) is one top folder, so one tag, holding

- ``articles/<squad-title>/<nn>.md``: each SQuAD v2 dev paragraph as an article titled after its
  Wikipedia page (so titles repeat, as "Reset your password" does across a real help centre's
  product lines), with one line naming the edition;
- ``places/<domain>/<name>.md``: each DSTC11 hotel or restaurant with its guests' reviews;
- ``faq/<domain>/<name>.json``: that place's DSTC11 FAQ entries (a JSON FAQ file);
- ``community.csv``: the StackFAQ threads as an FAQ CSV (question, best answer);

FAQ answers start with ``(Acme <edition>)``, so no edition's entries duplicate another's.

The first edition also gets ``zh/`` (CMRC2018 paragraphs, Chinese) unless ``--no-chinese``.
Prints how many files and characters were written. The text is the datasets' own (CC BY-SA 4.0,
CDLA-Sharing-1.0, StackExchange CC BY-SA); only the edition line and the titles are added.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

EDITIONS = ["Home", "Business", "Enterprise", "Education", "Nonprofit", "Government", "Developer", "Retail"]


def slug(text: str) -> str:
    """A file name from a title: lower case ASCII words joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "item"


def write(path: Path, text: str, counts: dict[str, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    counts["files"] += 1
    counts["chars"] += len(text)


def squad_articles(data: Path, edition: str, out: Path, counts: dict[str, int]) -> None:
    squad = json.loads((data / "squad_v2_dev_cs224n" / "dev-v2.0.json").read_text(encoding="utf-8"))
    for article in squad["data"]:
        title = article["title"].replace("_", " ")
        for number, paragraph in enumerate(article["paragraphs"], start=1):
            text = f"# {title}\n\nThis article applies to Acme {edition}.\n\n{paragraph['context']}\n"
            write(out / "articles" / slug(title) / f"{number:03d}.md", text, counts)


def dstc11_places(data: Path, edition: str, out: Path, counts: dict[str, int]) -> None:
    knowledge = json.loads((data / "dstc11_track5" / "knowledge.json").read_text(encoding="utf-8"))
    for domain, entities in knowledge.items():
        for entity in entities.values():
            name = entity["name"]
            lines = [f"# {name}", "", f"Guest reviews of {name}, a {domain} bookable with Acme {edition}.", ""]
            for review in entity.get("reviews", {}).values():
                lines += [f"## A review by {review.get('traveler_type', 'a guest').lower()}", ""]
                lines += [" ".join(review["sentences"].values()), ""]
            write(out / "places" / domain / f"{slug(name)}.md", "\n".join(lines), counts)
            faqs = [{"question": f["question"], "answer": f"(Acme {edition}) {f['answer']}"} for f in entity.get("faqs", {}).values()]
            if faqs:
                write(out / "faq" / domain / f"{slug(name)}.json", json.dumps(faqs, indent=1, ensure_ascii=False), counts)


def stackfaq_csv(data: Path, edition: str, out: Path, counts: dict[str, int]) -> None:
    threads = json.loads((data / "stackfaq" / "stackExchange-FAQ.json").read_text(encoding="utf-8"))["root"]["qapair"]
    rows = []
    for thread in threads:
        answers = thread["answer"] if isinstance(thread["answer"], list) else [thread["answer"]]
        rows.append({"question": " ".join(thread["question"].split()), "answer": f"(Acme {edition}) " + " ".join(str(answers[0]).split())})
    out.mkdir(parents=True, exist_ok=True)
    path = out / "community.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["question", "answer"])
        writer.writeheader()
        writer.writerows(rows)
    counts["files"] += 1
    counts["chars"] += path.stat().st_size


def chinese_articles(data: Path, out: Path, counts: dict[str, int]) -> None:
    cmrc = json.loads((data / "cmrc2018" / "cmrc2018_dev.json").read_text(encoding="utf-8"))
    for article in cmrc["data"]:
        for number, paragraph in enumerate(article["paragraphs"], start=1):
            text = f"---\nlanguage: zh\n---\n# {article['title']}\n\n{paragraph['context']}\n"
            write(out / "zh" / f"{article['id']}-{number}.md", text, counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the shared public datasets folder")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the knowledge base into")
    parser.add_argument("--editions", type=int, default=4, help=f"product lines, 1-{len(EDITIONS)} (default 4)")
    parser.add_argument("--no-chinese", action="store_true", help="leave out the CMRC2018 paragraphs")
    args = parser.parse_args()
    if not 1 <= args.editions <= len(EDITIONS):
        parser.error(f"--editions must be 1-{len(EDITIONS)}")
    counts = {"files": 0, "chars": 0}
    for edition in EDITIONS[: args.editions]:
        folder = args.out / slug(edition)
        squad_articles(args.data, edition, folder, counts)
        dstc11_places(args.data, edition, folder, counts)
        stackfaq_csv(args.data, edition, folder, counts)
    if not args.no_chinese:
        chinese_articles(args.data, args.out / slug(EDITIONS[0]), counts)
    print(f"wrote {counts['files']:,} files, {counts['chars']:,} characters to {args.out}")


if __name__ == "__main__":
    main()
