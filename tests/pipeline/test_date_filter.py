"""`--since`/`--until` say what they leave out (issue 29): counted in the answer's `date_filter`
and `notes`, and an answer the filter emptied says so instead of "do not answer".

The corpus is the seeds plus two dated articles; by hand: the seeds have one full date
(000: 2016-10-02), one month and day without a year (001: --10-01, no full date) and three
undated files; w1 is dated 2016-09-20 and w2 2016-10-10. From 2016-10-05: w2 is searched, the
four seeds without a full date are left out as undated, 000 and w1 as dated outside the range.
"""

from __future__ import annotations

import json

QUESTION = "What did engineers say about water pumping in Aleppo?"


def _corpus(corpus) -> None:
    for name, date, text in (
        ("w1.txt", "2016-09-20", "Engineers said water pumping in Aleppo stopped after the strikes."),
        ("w2.txt", "2016-10-10", "Engineers said water pumping in Aleppo resumed after repairs."),
    ):
        (corpus / name).write_text(f"date {date} Water in Aleppo\n\n{text}\n", encoding="utf-8")


def _pumping(messages) -> str:
    from fakes import source_ids

    ids = source_ids(messages, "water pumping in Aleppo resumed")
    return json.dumps({"statements": [{"sources": ids, "text": "Engineers said water pumping in Aleppo resumed."}]})


def test_a_range_counts_the_undated_and_outside_articles_it_left_out(make_pipeline, corpus, robustness) -> None:
    _corpus(corpus)
    pipe, _ = make_pipeline(_pumping)
    pipe.index()
    a = pipe.ask(QUESTION, since="2016-10-05")
    assert not a.abstained
    assert a.date_filter is not None
    assert (a.date_filter.searched, a.date_filter.undated_left_out, a.date_filter.outside_left_out) == (1, 4, 2)
    assert a.notes[-1] == (
        "Searched 1 article dated from 2016-10-05; left out 4 undated articles (include them with "
        "--include-undated (`include_undated` in Python and `rag serve`, “Include undated” in the chat)) "
        "and 2 dated outside that range."
    )
    assert a.to_dict()["date_filter"] == {
        "since": "2016-10-05",
        "until": None,
        "include_undated": False,
        "searched": 1,
        "undated_left_out": 4,
        "outside_left_out": 2,
    }
    wider = pipe.ask(QUESTION, since="2016-10-05", include_undated=True)
    assert wider.date_filter is not None
    assert (wider.date_filter.searched, wider.date_filter.undated_left_out) == (5, 0)
    assert "Searched 5 articles dated from 2016-10-05 or undated; left out 2 dated outside" in wider.notes[-1]
    assert pipe.ask(QUESTION).date_filter is None, "no range, nothing counted"
    robustness.add("Filters", "--since 2016-10-05 over 4 undated articles", a.notes[-1])


def test_an_answer_the_filter_emptied_says_so(make_pipeline, corpus, robustness) -> None:
    _corpus(corpus)
    pipe, _ = make_pipeline(_pumping)
    pipe.index()
    a = pipe.ask(QUESTION, since="2030-01-01")
    assert a.abstained and a.statements == ()
    assert a.text.startswith("No indexed article is dated from 2030-01-01, so nothing was searched. Searched 0")
    assert "left out 4 undated articles" in a.text and "7 dated outside" not in a.text
    assert "3 dated outside that range" in a.text  # 000, w1, w2
    assert "do not answer" not in a.text
    robustness.add("Filters", "--since 2030-01-01: no article in range", a.text)


def test_an_abstention_under_a_filter_names_what_was_left_out(make_pipeline, corpus) -> None:
    _corpus(corpus)
    pipe, _ = make_pipeline('{"statements": []}')
    pipe.index()
    a = pipe.ask(QUESTION, until="2016-09-30")
    assert a.abstained
    assert a.date_filter is not None and a.date_filter.searched == 1  # w1
    assert a.text.endswith("left out 4 undated articles (include them with --include-undated "
                           "(`include_undated` in Python and `rag serve`, “Include undated” in the chat)) "
                           "and 2 dated outside that range.")  # fmt: skip
