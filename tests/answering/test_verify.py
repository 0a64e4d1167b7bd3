from __future__ import annotations

import pytest
from fakes import FakeEmbedder

from rag.answering.relations import quotes_of
from rag.answering.verify import Evidence, Thresholds, Verifier, exact_check, names_in, numbers_in
from rag.core.types import Citation, Statement

SAMS = "That bombardment badly damaged the two facilities and left only six fully-functional hospitals in east Aleppo, according to SAMS."
MSF = "The international aid organization says all eight remaining hospitals in eastern Aleppo have been damaged."
SIEGE = "The offensive, announced on September 22, has seen dozens of civilians killed and residential buildings flattened in the east, where an estimated 250,000 people live under government siege."


def ev(*quotes: str, articles: tuple[str, ...] | None = None, context: str = "") -> Evidence:
    return Evidence(quotes, articles or tuple(f"a{i}" for i in range(len(quotes))), (context,) * len(quotes))


@pytest.mark.parametrize(
    "text, values",
    [
        ("250,000 people", {250000}),
        ("250 000 people", {250000}),
        ("thirty doctors", {30}),
        ("thirty-one women", {31}),
        ("2 million", {2, 2_000_000}),
        ("six children and 12 other civilians", {6, 12}),
    ],
)
def test_numbers_in_allows_formatting_variants(text: str, values: set[float]) -> None:
    assert numbers_in(text) == {float(v) for v in values}


def test_numbers_must_appear_in_the_cited_text() -> None:
    assert exact_check("An estimated 250 000 people live under siege.", ev(SIEGE)) is None
    assert (
        exact_check("An estimated 350,000 people live under siege.", ev(SIEGE))
        == "number not in the cited text: 350000"
    )
    assert exact_check("Only 30 doctors remain.", ev("only thirty doctors remained inside")) is None


def test_quoted_phrases_must_be_verbatim() -> None:
    q = "European Parliament president Martin Schulz called the hospital bombing a “war crime”."
    assert exact_check("Martin Schulz called the bombing a “war crime”.", ev(q)) is None
    reason = exact_check("Martin Schulz called the bombing a “terrible war crime”.", ev(q))
    assert reason is not None and "quoted text" in reason
    assert quotes_of('He said "bombs are raining" today.') == ["bombs are raining"]


def test_names_must_be_in_the_cited_text_title_or_context() -> None:
    assert names_in("According to SAMS, the M10 hospital was hit on Saturday.") == ["SAMS", "M10", "Saturday"]
    assert (
        exact_check("According to MSF, only six hospitals work in east Aleppo.", ev(SAMS))
        == "name not in the cited text: MSF"
    )
    assert exact_check("According to SAMS, only six hospitals work in east Aleppo.", ev(SAMS)) is None
    # The actor may stand just before the quote.
    assert exact_check("MSF says all eight remaining hospitals have been damaged.", ev(MSF)) is not None
    assert (
        exact_check(
            "MSF says all eight remaining hospitals have been damaged.",
            ev(MSF, context="run by Doctors Without Borders (MSF)"),
        )
        is None
    )
    # "U.S." and "US" and "United States" are one name.
    assert exact_check("Zakharova warned the United States.", ev("Zakharova warned the U.S. against it.")) is None


def test_merged_figures_from_two_sources_are_rejected() -> None:
    merged = "Six hospitals are fully functional and all eight remaining hospitals have been damaged."
    reason = exact_check(merged, ev(SAMS, MSF, articles=("000.txt", "003.txt")))
    assert reason == "merges figures from different sources into one claim"
    # A figure from one article attributed to the source named in another is a merge too.
    reason = exact_check(
        "According to SAMS, all eight remaining hospitals have been damaged.",
        ev(MSF, SAMS, articles=("003.txt", "000.txt")),
    )
    assert reason == "merges figures from different sources into one claim"
    assert (
        exact_check(
            "According to SAMS, six hospitals are fully functional.", ev(MSF, SAMS, articles=("003.txt", "000.txt"))
        )
        is None
    )
    # Each figure with its own source passes.
    assert (
        exact_check("According to SAMS, only six fully-functional hospitals are left in east Aleppo.", ev(SAMS)) is None
    )


class FixedJudge:
    def __init__(self, p: float) -> None:
        self.p = p
        self.calls = 0

    def entailment(self, passage: str, statement: str) -> float:
        self.calls += 1
        return self.p


def _cite(quote: str, source: str = "a.txt") -> Citation:
    return Citation(source, 0, len(quote), quote, "Title", None, None)


def test_similarity_layer_and_judge_for_the_undecided_band() -> None:
    emb = FakeEmbedder()
    v = Verifier(emb, thresholds=Thresholds(low=0.3, high=0.9))
    same = v.check(SIEGE, ev(SIEGE))
    assert same.supported and same.layer == "similarity" and same.score == pytest.approx(1.0, abs=1e-6)
    unrelated = v.check("The talks were suspended yesterday.", ev(SIEGE))
    assert not unrelated.supported and unrelated.layer == "similarity"
    # Between low and high the judge decides.
    middle = "Civilians were killed in the east under government siege."
    yes, no = FixedJudge(0.9), FixedJudge(0.1)
    assert Verifier(emb, judge=yes, thresholds=Thresholds(low=0.1, high=0.99)).check(middle, ev(SIEGE)).layer == "judge"
    assert Verifier(emb, judge=yes, thresholds=Thresholds(low=0.1, high=0.99)).check(middle, ev(SIEGE)).supported
    assert not Verifier(emb, judge=no, thresholds=Thresholds(low=0.1, high=0.99)).check(middle, ev(SIEGE)).supported
    assert yes.calls == 2 and no.calls == 1


def test_verify_marks_statement_and_each_citation() -> None:
    v = Verifier(FakeEmbedder())
    st = Statement(
        "Only six fully-functional hospitals are left in east Aleppo, according to SAMS.",
        (_cite(SAMS), _cite(MSF, "b.txt")),
    )
    out = v.verify(st, Evidence.of(st.citations))
    assert out.verified is True and out.support is not None
    assert [c.verified for c in out.citations] == [True, False]
