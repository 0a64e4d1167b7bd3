"""A deterministic synthetic news archive, for benchmarks at archive size.

`write_archive(folder, n)` writes `n` articles that look like the seeds: a title line, a URL
line, a dateline (`date YYYY-MM-DD CITY (Outlet) — ...`), paragraphs with figures and quotes by
named speakers, and about 10% near-duplicate wire copies of another article under another
outlet. Some articles carry a planted fact with a known answer ("Engineers said 417 homes in
Qaryat al-Nur lost power ..."), and `planted_questions` are the questions for them. The same
`n` and `seed` always give the same files, byte for byte.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

CITIES = (
    "Aleppo",
    "Homs",
    "Hama",
    "Idlib",
    "Raqqa",
    "Deir ez-Zor",
    "Latakia",
    "Tartus",
    "Daraa",
    "Qamishli",
    "Manbij",
    "Azaz",
    "Afrin",
    "Jarabulus",
    "Palmyra",
    "Douma",
    "Zabadani",
    "Madaya",
    "Kobani",
    "Hasakah",
    "Saraqeb",
    "Maarat al-Numan",
    "Khan Sheikhoun",
    "Jisr al-Shughour",
)
OUTLETS = ("AFP", "Reuters", "AP", "Al Jazeera", "The Guardian", "DNA India", "Daily Sabah", "Asharq Al-Awsat")
FIRST = ("Omar", "Layla", "Samir", "Huda", "Karim", "Rania", "Yusuf", "Maha", "Tariq", "Nour", "Fadi", "Dima")
LAST = ("Haddad", "Khalil", "Mansour", "Saleh", "Nasser", "Aziz", "Hamdan", "Qasim", "Darwish", "Rahal")
ORGS = (
    "the Syrian Civil Defence",
    "the World Food Programme",
    "the Red Crescent",
    "the UN refugee agency",
    "Doctors Without Borders",
    "the local council",
    "the water authority",
    "the health directorate",
)
TOPICS = (
    ("shelling", "shells hit", "homes were damaged"),
    ("aid", "aid trucks reached", "families received food parcels"),
    ("water", "pumping stations stopped", "residents lost running water"),
    ("power", "transformers failed", "homes lost power"),
    ("schools", "schools closed", "pupils stayed at home"),
    ("hospitals", "clinics were hit", "patients were moved"),
)
PLACES = ("Qaryat al-Nur", "Tal Saghir", "Ain Jadida", "Bab al-Hawa", "Khirbet Sultan", "Jabal Zawiya", "Wadi Barada")
START = date(2016, 1, 1)


@dataclass(frozen=True, slots=True)
class Planted:
    """A fact written into one article, and the question that asks for it."""

    question: str
    answer: str
    source: str  # the file name


def _person(r: random.Random) -> str:
    return f"{r.choice(FIRST)} {r.choice(LAST)}"


def _paragraph(r: random.Random, city: str, topic: tuple[str, str, str]) -> str:
    what, event, outcome = topic
    n, m = r.randint(2, 90), r.randint(10, 900)
    speaker, org = _person(r), r.choice(ORGS)
    day = r.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
    quote = r.choice(
        (
            f"“We have not seen {what} like this since the winter,” said {speaker} of {org}.",
            f"“The situation in {city} is getting worse every day,” {speaker}, a spokesman for {org}, told reporters.",
            f"{speaker} of {org} said teams were working “around the clock” in {city}.",
        )
    )
    return (
        f"On {day}, {n} {event} in {city}, and {m} {outcome}, according to {org}. {quote} "
        f"Residents said the {what} had grown worse over the past week, and officials warned that more help was "
        f"needed before the cold season. The figures could not be independently verified."
    )


def write_archive(folder: Path, n: int, *, seed: int = 7, planted_every: int = 200) -> list[Planted]:
    """Write `n` articles (about 5 chunks each) into `folder`; returns the planted questions.

    Args:
        folder: where the `.txt` files go (created).
        n: number of articles.
        seed: the random seed (same seed, same archive).
        planted_every: one article in this many carries a planted fact.
    """
    folder.mkdir(parents=True, exist_ok=True)
    r = random.Random(seed)
    planted: list[Planted] = []
    bodies: list[str] = []
    for i in range(n):
        name = f"archive_{i:06d}.txt"
        outlet = r.choice(OUTLETS)
        day = START + timedelta(days=r.randint(0, 365))
        if bodies and r.random() < 0.1:
            # A wire copy: another outlet runs an earlier story with a new first line.
            body = r.choice(bodies)
            url = f"https://example.org/{outlet.lower().replace(' ', '-')}/{i}"
            text = f"{body.splitlines()[0]} ({outlet} wire)\n\n{url}\n\n"
            text += f"date {day.isoformat()} " + "\n\n".join(body.split("\n\n")[2:])
        else:
            city, topic = r.choice(CITIES), r.choice(TOPICS)
            title = f"{topic[0].capitalize()} crisis deepens in {city}"
            paragraphs = [_paragraph(r, city, r.choice(TOPICS)) for _ in range(9)]
            if i % planted_every == planted_every // 2:
                place, count, who = r.choice(PLACES), r.randint(101, 999), _person(r)
                item = f"{place} {i}"
                paragraphs.insert(
                    3,
                    f"Engineers said {count} homes in {item} lost power after the strikes, and {who} of the "
                    f"water authority said repairs would take weeks.",
                )
                planted.append(Planted(f"How many homes in {item} lost power after the strikes?", str(count), name))
            body = f"{title}\n\nhttps://example.org/{outlet.lower().replace(' ', '-')}/{i}\n\n" + "\n\n".join(
                paragraphs
            )
            bodies.append(body)
            text = body.replace(
                "\n\n" + paragraphs[0], f"\n\ndate {day.isoformat()} {city} ({outlet}) — " + paragraphs[0], 1
            )
        (folder / name).write_text(text + "\n", encoding="utf-8")
    (folder / "planted.json").write_text(json.dumps([asdict(p) for p in planted], indent=1), encoding="utf-8")
    return planted
