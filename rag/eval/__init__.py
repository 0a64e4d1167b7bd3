"""`rag eval`: the citation-faithfulness suite, in four parts.

- `cases`: the hand-written cases (`tests/eval/cases.jsonl`);
- `metrics`: pure metric functions (no model), unit-tested by hand;
- `judges`: who decides whether citations support a statement (the project's verifier, the
  local model alone, or any OpenAI-compatible endpoint);
- `run`: asks every case and scores it into a `Report`; `report`: markdown, chart, JSON, compare.

May import `rag.pipeline` and the wings below it; only `rag.faces` imports it.
"""
