"""Real article files written by the tests with real writers: web pages with page furniture, PDFs
(fpdf2: two columns, a hyphenated line end), Word files (python-docx) and CMS exports of the BBC
corpus (one JSONL, one CSV)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

# The article every format carries, so that one question finds it in each.
FLOOD_TITLE = "Flood forces 200 from homes in Exeter"
FLOOD = [
    "Heavy rain flooded the town of Exeter on Tuesday, forcing 200 residents to leave their homes.",
    "The river Exe rose by three metres in six hours, the Environment Agency said.",
    "Officials said the water would recede by Friday and that the reservoir held.",
]


def news_page(title: str, paragraphs: list[str], *, author: str, date: str, url: str) -> str:
    """A saved news page: menu, cookie notice, the article, related links, comments and a footer."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Daily Courier</title>
<meta name="author" content="{author}">
<meta property="article:published_time" content="{date}T09:30:00Z">
<link rel="canonical" href="{url}"></head>
<body>
<header><nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-notice">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<div class="ad">Advertisement: Buy one sofa, get one free at SofaWorld!</div>
<main><article><h1>{title}</h1><p class="byline">By {author}</p>{body}</article></main>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Storm warning issued for Devon</a></li>
<li><a href="/b">Ten tips to keep your home dry</a></li></ul></aside>
<section id="comments" class="comments"><h3>Comments (2)</h3>
<div class="comment"><p>Terrible news, my cousin lives there and the council did nothing at all.</p></div>
<div class="comment"><p>Visit cheap-pills.example for great deals on everything you need today.</p></div>
</section>
<footer><p>Copyright 2024 Daily Courier Ltd. All rights reserved.</p>
<a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
</body></html>"""


def menu_page() -> str:
    """A page with navigation and no article."""
    return (
        "<html><head><title>Sections</title></head><body><nav><ul>"
        + "".join(f'<li><a href="/{x}">{x}</a></li>' for x in ("News", "Sport", "Weather", "Travel"))
        + "</ul></nav></body></html>"
    )


# Two columns; the left one ends in "reser-" / "voir": a word hyphenated at a line end.
LEFT = [
    "Heavy rain flooded the town of Exeter",
    "on Tuesday, forcing 200 residents to",
    "leave their homes. The river Exe rose",
    "by three metres in six hours, the",
    "Environment Agency said. The reser-",
    "voir held through the night.",
]
RIGHT = [
    "Officials said the water would recede",
    "by Friday. Schools in the town will",
    "stay closed until Monday, the council",
    "said in a statement on Wednesday.",
]
PAGE_TWO = [
    "Insurers said claims could reach ten",
    "million pounds across the county.",
]


def two_column_pdf(path: Path, *, title: str = FLOOD_TITLE) -> Path:
    """A two-page PDF: page 1 in two columns (left column first in the content stream), page 2 one column."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for x, lines in ((15, LEFT), (110, RIGHT)):
        for i, line in enumerate(lines):
            pdf.text(x, 30 + 6 * i, line)
    pdf.add_page()
    for i, line in enumerate(PAGE_TWO):
        pdf.text(15, 30 + 6 * i, line)
    pdf.output(str(path))
    return path


def blank_pdf(path: Path) -> Path:
    """A PDF whose page has no text layer (a scanned page: here, only a drawn rectangle)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def word_file(path: Path, *, title: str = FLOOD_TITLE, paragraphs: list[str] | None = None) -> Path:
    """A .docx written with python-docx: a heading and the paragraphs, with core properties."""
    import datetime

    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.core_properties.author = "Wire Desk"
    d.core_properties.created = datetime.datetime(2024, 3, 5, 9, 0)
    d.add_heading(title, level=1)
    for p in paragraphs or FLOOD:
        d.add_paragraph(p)
    d.save(str(path))
    return path


def bbc_records(folder: Path, limit: int | None = None) -> list[dict[str, str]]:
    """The BBC corpus's articles as CMS records: id, title (the first line), body (the rest)."""
    out = []
    for path in sorted(folder.rglob("*.txt"))[:limit]:
        text = path.read_text(encoding="utf-8")
        title, _, body = text.partition("\n")
        out.append({"id": path.relative_to(folder).with_suffix("").as_posix(), "title": title.strip(), "body": body})
    return out


def write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_csv(path: Path, records: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(records[0]))
        w.writeheader()
        w.writerows(records)
    return path
