"""Pure functions that turn pipeline results into chat HTML (tested directly, no Gradio).

Everything from articles and from the model is HTML-escaped. The HTML is one block with no
blank line, so the chat's markdown renderer leaves it alone.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import quote as urlquote
from urllib.parse import unquote

from rag.answering.assemble import YES_NO_UNSETTLED_TEXT, capped_note, scope_sentence
from rag.core.days import show_date
from rag.core.types import Answer, Citation, DirectAnswer, Passage, Statement
from rag.reading.formats import split_key

STAGES = {
    "retrieving": "Searching the articles…",
    "generating": "Writing the answer…",
    "rewriting": "Reading the conversation…",
    "waiting": "Waiting for the model: other questions are being answered…",
}


def esc(text: str) -> str:
    """Escape for HTML on one line. The answer is one HTML block with no blank line, which the
    chat's markdown renderer passes through untouched, so markdown in article text stays text."""
    return html.escape(text, quote=True).replace("\n", " ")


def cite_key(c: Citation) -> str:
    return f"{c.source}:{c.start}:{c.end}"


def parse_cite_key(key: str) -> tuple[str, int, int]:
    """Inverse of `cite_key` (the source may itself contain ':'). Raises ValueError."""
    source, start, end = unquote(key).rsplit(":", 2)
    s, e = int(start), int(end)
    if not source or s < 0 or e < s:
        raise ValueError(f"bad citation reference: {key!r}")
    return source, s, e


def cite_href(source: str, start: int, end: int) -> str:
    """The link the page's click handler turns into "open this passage" (see ui.app.JS)."""
    return "#cite=" + urlquote(f"{source}:{start}:{end}", safe="")


def cite_link(c: Citation, n: int) -> str:
    return f'<a class="cite" href="{cite_href(c.source, c.start, c.end)}" title="{esc(c.title)}">[{n}]</a>'


def number_citations(statements: Sequence[Statement]) -> dict[str, tuple[int, Citation]]:
    numbers: dict[str, tuple[int, Citation]] = {}
    for st in statements:
        for c in st.citations:
            numbers.setdefault(cite_key(c), (len(numbers) + 1, c))
    return numbers


def statement_html(st: Statement, numbers: dict[str, tuple[int, Citation]]) -> str:
    links = "".join(cite_link(c, numbers[cite_key(c)][0]) for c in st.citations)
    flag = "" if st.verified is not False else ' <span class="unverified" title="not supported">⚠</span>'
    label = f'<strong class="label">{esc(st.label)}</strong> — ' if st.label else ""
    return f'{label}<span class="statement">{esc(st.text)}</span> {links}{flag}'


def streaming_html(statements: Sequence[Statement], stage: str | None, *, pieces: int = 0) -> str:
    """The answer while it is being written: the statements so far and a progress line
    (with the model's output so far, in pieces, while it writes)."""
    numbers = number_citations(statements)
    body = " ".join(statement_html(st, numbers) for st in statements)
    label = STAGES.get(stage, stage) if stage else ""
    if pieces:
        label += f" ({pieces} tokens)"
    progress = f'<div class="progress">{esc(label)}</div>' if stage else ""
    return f'<div class="answer">{body}{progress}</div>'


def sources_html(numbers: dict[str, tuple[int, Citation]], direct: DirectAnswer | None = None) -> str:
    """The numbered cited quotes; in the direct answer's quote, the words that carry it are marked."""
    items = []
    for n, c in numbers.values():
        meta = " · ".join(esc(x) for x in (c.title, show_date(c.date)))
        items.append(
            f'<li>{cite_link(c, n)} <span class="meta">{meta} — <code>{esc(c.source)}:{c.start}–{c.end}</code></span>'
            f'<blockquote class="quote">{quote_html(c, direct)}</blockquote></li>'
        )
    return f'<ol class="sources">{"".join(items)}</ol>' if items else ""


def quote_html(c: Citation, direct: DirectAnswer | None) -> str:
    """A cited quote, escaped, with the direct answer's words in `<mark class="answer-words">`."""
    if direct is None or cite_key(direct.citation) != cite_key(c):
        return esc(c.quote)
    s, e = direct.start - c.start, direct.end - c.start
    if not 0 <= s < e <= len(c.quote):
        return esc(c.quote)
    return f'{esc(c.quote[:s])}<mark class="answer-words">{esc(c.quote[s:e])}</mark>{esc(c.quote[e:])}'


def direct_html(direct: DirectAnswer | None, numbers: dict[str, tuple[int, Citation]]) -> str:
    """The short answer line, in bold above the evidence, with its citation's number."""
    if direct is None or cite_key(direct.citation) not in numbers:
        return ""
    link = cite_link(direct.citation, numbers[cite_key(direct.citation)][0])
    return f'<p class="direct"><strong>{esc(direct.text)}</strong> {link}</p>'


def rejected_html(rejected: Sequence[Statement]) -> str:
    if not rejected:
        return ""
    n = len(rejected)
    items = "".join(
        f'<li><s>{esc(st.text)}</s> <span class="reason">— {esc(st.reason or "not supported")}</span></li>'
        for st in rejected
    )
    label = f"{n} statement{'s' if n != 1 else ''} hidden (each with the reason)"
    return f'<details class="rejected"><summary>{label}</summary><ul>{items}</ul></details>'


def related_html(related: Sequence[Statement]) -> str:
    """Beside an abstention: what the articles do say on the subject, quoted, marked as not an answer."""
    if not related:
        return ""
    numbers = number_citations(related)
    items = "".join(f"<li>{statement_html(st, numbers)}</li>" for st in related)
    return (
        f'<div class="related"><p>Related, not an answer — what the articles do say:</p><ul>{items}</ul>'
        f"{sources_html(numbers)}</div>"
    )


def passages_html(passages: Sequence[Passage], limit: int = 3) -> str:
    items = []
    for p in passages[:limit]:
        c = p.chunk
        text = c.text if len(c.text) <= 300 else c.text[:300].rsplit(" ", 1)[0] + "…"
        link = f'<a class="cite" href="{cite_href(c.source, c.start, c.end)}">{esc(c.title)}</a>'
        items.append(f"<li>{link} ({esc(show_date(c.date))}): {esc(text)}</li>")
    return f'<div class="closest">Closest passages found:<ul>{"".join(items)}</ul></div>' if items else ""


def comparison_html(statements: Sequence[Statement], numbers: dict[str, tuple[int, Citation]]) -> str:
    """A comparison grouped under each side's (or source's) name, in the answer's order: the name
    once as the group's heading, then its statements; unlabelled statements last, as "Other"."""
    groups: dict[str, list[Statement]] = {}
    for st in statements:
        groups.setdefault(st.label or "", []).append(st)
    parts = []
    for side, sts in sorted(groups.items(), key=lambda kv: kv[0] == ""):
        items = "".join(f"<li>{statement_html(replace(st, label=None), numbers)}</li>" for st in sts)
        parts.append(f'<div class="side"><p class="side-name">{esc(side or "Other")}</p><ul>{items}</ul></div>')
    return f'<div class="form-comparison">{"".join(parts)}</div>'


def answer_html(a: Answer) -> str:
    """The final answer: statements with citation links, the cited passages, hidden statements."""
    rewritten = ""
    if a.standalone_question and a.standalone_question != a.question:
        rewritten = f'<div class="rewritten">Answering: {esc(a.standalone_question)}</div>'
    if a.abstained:
        return (
            f'<div class="answer abstained">{rewritten}<p class="abstain">{esc(a.text)}</p>'
            f"{related_html(a.related) or passages_html(a.passages)}{rejected_html(a.rejected_statements)}</div>"
        )
    numbers = number_citations(a.statements)
    if a.form == "comparison":
        body = comparison_html(a.statements, numbers)
    elif a.form in ("summary", "timeline"):  # a list: one point or date a line
        items = "".join(f"<li>{statement_html(st, numbers)}</li>" for st in a.statements)
        body = f'<ul class="form-{a.form}">{items}</ul>'
    else:
        body = f"<p>{' '.join(statement_html(st, numbers) for st in a.statements)}</p>"
    if a.form == "yes_no" and a.direct is None:  # shown sentences, none of which says yes or no
        body = f'<p class="unsettled">{esc(YES_NO_UNSETTLED_TEXT)}</p>{body}'
    if a.as_of:
        body = f'<p class="as-of">As of {esc(show_date(a.as_of))}:</p>{body}'
    if a.capped is not None:
        body = f'{body}<p class="capped">({esc(capped_note(a.capped))})</p>'
    if a.date_filter is not None:  # what the date range left out (an abstention says it in its text)
        body = f'{body}<p class="date-filter">({esc(scope_sentence(a.date_filter))})</p>'
    return (
        f'<div class="answer">{rewritten}{direct_html(a.direct, numbers)}{body}'
        f"{sources_html(numbers, a.direct)}{rejected_html(a.rejected_statements)}</div>"
    )


def uploads_html(entries: Sequence[dict[str, str]], note: str = "") -> str:
    """The upload log in the "Articles" panel: when, who, file (sent → saved), SHA-256 (first 12
    hex digits, the full one on hover) and what happened, newest first; every field escaped."""
    rows = "".join(
        f"<tr><td>{esc(e.get('when', ''))}</td><td>{esc(e.get('who', ''))}</td>"
        f"<td>{esc(e.get('saved') or e.get('sent', ''))}</td>"
        f'<td><code title="{esc(e.get("sha256", ""))}">{esc(e.get("sha256", "")[:12])}</code></td>'
        f"<td>{esc(e.get('outcome', ''))}</td></tr>"
        for e in entries
    )
    head = f'<p class="upload-note">{esc(note)}</p>' if note else ""
    if not rows:
        return f'<div class="uploads">{head}<p>No articles added from the chat yet.</p></div>'
    table = "<tr><th>when (UTC)</th><th>who</th><th>file</th><th>SHA-256</th><th>what happened</th></tr>" + rows
    return f'<div class="uploads">{head}<table>{table}</table></div>'


def error_html(message: str) -> str:
    return f'<div class="error">⚠ {esc(message)}</div>'


def article_html(
    text: str,
    *,
    title: str,
    date: str | None,
    url: str | None,
    source: str,
    start: int,
    end: int,
    page: int | None = None,
) -> str:
    """The whole article with the cited passage highlighted (`<mark id="cite-mark">`): `text` is
    what the offsets index (`Pipeline.source_text`); a PDF's page and an export's record are named."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    before, passage, after = (html.escape(x) for x in (text[:start], text[start:end], text[end:]))
    link = (
        f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">{html.escape(url)}</a>'
        if url
        else "no URL"
    )
    file, record = split_key(source)
    where = f"<code>{html.escape(file)}</code>"
    if record is not None:
        where += f" · record {html.escape(record)}"
    if page is not None:
        where += f" · page {page}"
    return (
        f'<div class="article"><h3>{html.escape(title)}</h3>'
        f'<div class="meta">{html.escape(show_date(date))} · {link} · {where} '
        f"· characters {start}–{end}</div>"
        f'<div class="article-text">{before}<mark id="cite-mark">{passage}</mark>{after}</div></div>'
    )
