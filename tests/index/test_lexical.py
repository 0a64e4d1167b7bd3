"""BM25 tokenisation and search: numbers normalised, words stemmed, stopwords dropped."""

from __future__ import annotations

from rag.index.lexical import BM25Index, tokenize


def test_tokenize_by_hand() -> None:
    # "The" and "of" are stopwords; "doctors" -> "doctor"; "250,000" -> "250000"; "U.S." keeps "us"?
    assert tokenize("The doctors of Aleppo: 250,000 people remained.") == [
        "doctor",
        "aleppo",
        "250000",
        "peopl",
        "remain",
    ]
    assert tokenize("Hospitals’ fuel") == tokenize("hospitals' fuel") == ["hospit", "fuel"]
    assert tokenize("a I of the") == []


def test_bm25_finds_the_document_with_the_rare_number() -> None:
    idx = BM25Index(
        ["a", "b", "c"],
        ["Only 30 doctors remained in the east.", "250,000 people live under siege.", "The convoy was hit."],
    )
    hits = idx.search("how many people, 250000?", k=3)
    assert hits[0][0] == "b" and all(score > 0 for _, score in hits)
    assert [i for i, _ in idx.search("doctor", k=3)] == ["a"]  # stemmed match; zero scores dropped
    assert idx.search("the of", k=3) == []  # nothing but stopwords
    assert BM25Index([], []).search("doctors", k=3) == []


def test_bm25s_does_not_print_debug_lines_to_users() -> None:
    import logging

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root = logging.getLogger()
    handler, level = Keep(), root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        BM25Index(["a"], ["Only 30 doctors remained."]).search("doctors", k=1)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert [r.getMessage() for r in records if r.name.startswith("bm25s")] == []


def test_unspaced_scripts_are_character_bigrams() -> None:
    # 图书馆每天上午八点开门 -> 图书 书馆 馆每 每天 天上 上午 午八 八点 点开 开门; a lone 月 stays one token;
    # a Latin word inside the run is a word of its own, and numbers stay numbers.
    assert tokenize("图书馆每天上午八点开门") == [
        "图书",
        "书馆",
        "馆每",
        "每天",
        "天上",
        "上午",
        "午八",
        "八点",
        "点开",
        "开门",
    ]
    assert tokenize("3月3日") == ["3", "月", "3", "日"]
    assert tokenize("abc東京doctors") == ["abc", "東京", "doctor"]


def test_bm25_finds_a_chinese_and_a_japanese_sentence_by_a_literal_question() -> None:
    idx = BM25Index(
        ["zh", "ja", "en"],
        [
            "馆长李华表示，图书馆每天上午八点开门，晚上九点闭馆。",
            "会場は港公園で、午後七時半に始まります。",
            "The library opens at 8am.",
        ],
    )
    assert idx.search("图书馆每天几点开门？", k=3)[0][0] == "zh"
    assert idx.search("花火大会の会場はどこですか？", k=3)[0][0] == "ja"
