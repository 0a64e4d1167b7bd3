"""`rag` command line: index, ask, chat, models, bench."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.core.days import show_date
from rag.core.errors import RagError
from rag.core.settings import Settings

if TYPE_CHECKING:
    from rag.pipeline import Pipeline


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "model", None):
        overrides["llm_model"] = args.model
    if getattr(args, "index_dir", None):
        overrides["index_dir"] = Path(args.index_dir).resolve()
    if getattr(args, "chroma_url", None):
        overrides["chroma_url"] = args.chroma_url
    if getattr(args, "llm_url", None):
        overrides["llm_url"] = args.llm_url
    if getattr(args, "llm_serve", False):
        overrides["llm_serve"] = True
    if getattr(args, "users_file", None):
        overrides["users_file"] = Path(args.users_file).resolve()
    if getattr(args, "field", None):
        overrides["record_fields"] = parse_fields(args.field)
    return Settings(**overrides)


def parse_fields(pairs: list[str]) -> dict[str, str]:
    """`--field body=story_text` (repeatable) as {"body": "story_text"}.

    Raises:
        InvalidOptionError: a pair is not ROLE=NAME, or the role is unknown; the message names the roles.
    """
    from rag.core.errors import InvalidOptionError
    from rag.reading.formats import FIELDS, Fields

    out: dict[str, str] = {}
    for pair in pairs:
        role, eq, name = pair.partition("=")
        if not eq or not role.strip() or not name.strip():
            raise InvalidOptionError(f"--field {pair!r}: write ROLE=NAME, e.g. --field body=story_text")
        out[role.strip()] = name.strip()
    try:
        Fields.with_overrides(out)
    except ValueError as exc:
        raise InvalidOptionError(f"{exc} ({', '.join(FIELDS)})") from exc
    return out


def _progress_bar(desc: str, enabled: bool) -> Any:
    """A tqdm bar on stderr driven by the indexer's (done, total, name) callback."""
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int, name: str) -> None:
        if not enabled:
            return
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=desc, unit="file", file=sys.stderr, leave=False)
        b = bar["bar"]
        b.n = done
        b.set_postfix_str(Path(name).name if name else "", refresh=True)
        if done >= total:
            b.close()

    return update


def explain_files(paths: list[Path], *, max_bytes: int, as_json: bool = False) -> list[str]:
    """`rag index --explain`: for each article file (each record of an export), what reading keeps
    out of the index and why (`rag.reading.ingest.explain`), by offsets into the text as read (a
    plain file as decoded, any other the extracted text `rag text` prints); nothing is indexed.

    Raises:
        EmptyCorpusError: a path that does not exist, with the fix.
    """
    from rag.core.errors import EmptyCorpusError
    from rag.reading.formats import Fields, extract, is_plain
    from rag.reading.ingest import discover, read_text

    out = []
    for p in paths:
        if not p.exists():
            raise EmptyCorpusError(f"{p} does not exist: give a file or folder of articles to explain.")
    for path in discover(paths):
        if is_plain(str(path)):
            res = read_text(path, max_bytes=max_bytes)
            if res.text is None:
                out.append(json.dumps({"file": str(path), "skipped": res.warning}) if as_json else str(res.warning))
                continue
            out += _explain_one(str(path), res.text, res.encoding, as_json=as_json)
            continue
        got = extract(path, path.read_bytes(), Fields())
        out += [json.dumps({"file": str(path), "skipped": w}) if as_json else w for w in got.warnings]
        for art in got.articles:
            name = f"{path}#{art.record}" if art.record is not None else str(path)
            out += _explain_one(name, art.text, "extracted text", as_json=as_json)
    return out


def _explain_one(name: str, text: str, encoding: str, *, as_json: bool) -> list[str]:
    from rag.reading.ingest import explain, make_document

    doc, items = make_document(name, text, encoding=encoding), explain(text)
    if as_json:
        rows = [{"start": x.start, "end": x.end, "reason": x.reason, "text": text[x.start : x.end]} for x in items]
        row = {"file": name, "encoding": encoding, "sentences": len(doc.sentences), "kept_out": rows}
        return [json.dumps(row, ensure_ascii=False)]
    head = f"{name} ({encoding}): {len(doc.sentences)} sentences indexed"
    out = [f"{head}; {len(items)} kept out:" if items else f"{head}; nothing kept out"]
    out.extend(f"  {x.start}-{x.end}  {x.reason}: “{_clip(text[x.start : x.end])}”" for x in items)
    if not doc.sentences:
        out.append("  (no sentence left: `rag index` skips this file)")
    return out


def _clip(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cmd_index(args: argparse.Namespace) -> int:
    from rag.pipeline import Pipeline

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or [settings.corpus_path]
    if args.explain:
        print("\n".join(explain_files(paths, max_bytes=settings.max_file_bytes, as_json=args.json)))
        return 0
    pipe = Pipeline(settings)
    report = pipe.index(paths, rebuild=args.rebuild, progress=_progress_bar("indexing", sys.stderr.isatty()))
    if args.json:
        d = report.to_dict()
        d.pop("warnings")
        print(json.dumps(d))
    else:
        print(
            f"{report.documents} documents: {report.chunks_added} chunks added, "
            f"{report.chunks_unchanged} unchanged, {report.chunks_removed} removed in {report.seconds:.1f} s"
        )
        for note in report.notes:
            print(f"note: {note}")
    return 0


def cmd_text(args: argparse.Namespace) -> int:
    """`rag text SOURCE [--record ID]`: exactly the text a citation's offsets index."""
    from rag.pipeline import Pipeline
    from rag.reading.formats import record_key

    pipe = Pipeline(_settings(args))
    source = record_key(args.source, args.record) if args.record else args.source
    sys.stdout.write(pipe.source_text(source))
    sys.stdout.flush()
    return 0


def format_answer(a: Any) -> str:
    """Plain-text rendering: the answer with [n] markers, then each numbered passage."""
    from rag.answering.citations import answer_text

    if a.abstained:
        lines = [a.text]
        if a.passages:
            lines.append("\nClosest passages found:")
            for p in a.passages[:3]:
                lines.append(f"  - {p.chunk.source} [{p.chunk.start}:{p.chunk.end}] {p.chunk.text[:160]}…")
        return "\n".join(lines)
    _, numbers = answer_text(a.statements)  # the same numbering as the [n] markers in a.text
    lines = [a.text, ""]
    quotes = {(c.source, c.start, c.end): c for st in a.statements for c in st.citations}
    for key, n in numbers.items():
        c = quotes[key]
        meta = ", ".join(x for x in (c.title, show_date(c.date) if c.date else None) if x)
        lines.append(f"[{n}] {c.source}:{c.start}-{c.end} ({meta})")
        lines.append(f"    “{c.quote}”")
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.pipeline import Pipeline

    settings = _settings(args)
    pipe = Pipeline(settings)
    # `ensure_index` says "No index yet: indexing …" (a warning, printed once).
    pipe.ensure_index(progress=_progress_bar("indexing", sys.stderr.isatty()))
    answer = pipe.ask(args.question, sources=args.source or None, top=args.top, since=args.since, until=args.until)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from ui.app import launch

    launch(_settings(args), host=args.host, port=args.port, share=False, no_auth=args.no_auth)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from rag.faces.serve import serve
    from rag.pipeline import Pipeline

    serve(
        Pipeline(_settings(args)),
        host=args.host,
        port=args.port,
        keys=args.api_key or (),
        origins=args.cors_origin or (),
        no_auth=args.no_auth,
    )
    return 0


def read_password(prompt_for: str) -> str:
    """A new password: typed twice at a terminal (not shown), else the first line of stdin."""
    import getpass

    from rag.core.errors import AccessError

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {prompt_for}: ")
    if getpass.getpass("Again: ") != first:
        raise AccessError("The two passwords differ: run the command again.")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from rag.core import access

    path = _settings(args).resolve(_settings(args).users_file)
    if args.action == "add":
        access.check_name(args.name)
        access.check_role(args.role)
        user, new = access.add_user(path, args.name, read_password(args.name), args.role)
        print(f"{'added' if new else 'updated (new password and role)'}: {user.name} ({user.role}) in {path}")
    elif args.action == "remove":
        access.remove_user(path, args.name)
        print(f"removed: {args.name} from {path}")
    else:
        users = access.list_users(path)
        for u in users:
            print(f"{u.name}\t{u.role}\tadded {u.added}")
        if not users:
            print(f"no users in {path}: add one with `rag users add NAME --role reader|editor`", file=sys.stderr)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from rag.model.files import BUNDLED, prepare

    settings = _settings(args)
    names = list(BUNDLED) if args.prepare == "all" else [args.prepare]
    for name in names:
        path = prepare(name, settings.model_cache_dir)
        print(f"{name}: {path} (sha256 verified)")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from rag.model import doctor
    from rag.model.files import resolve_model

    settings = _settings(args)
    model = resolve_model(settings.llm_model, settings.model_cache_dir)
    if args.compare_site or args.rounds:
        result = doctor.compare(
            model, other_sites=args.compare_site or (), rounds=args.rounds or 3, n_threads=settings.n_threads
        )
        result["installed_build"] = doctor.build_record(settings.root)
        text = json.dumps(result, indent=1)
        if args.out:
            Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(text)
        return 0
    setting = settings.llama_extra_buffers
    probe, cpu = doctor.check(
        model, setting=setting, n_threads=settings.n_threads, quick=args.quick, flash_attn=settings.llama_flash_attn
    )
    if args.json:
        print(json.dumps({"cpu": asdict(cpu), "probe": asdict(probe)}))
    else:
        for line in doctor.report_lines(probe, cpu, setting, doctor.build_record(settings.root), model):
            print(line)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from rag.faces.bench import run_bench

    if args.scale:
        from rag.faces.bench import run_scale

        sizes = [int(x) for x in args.scale.split(",")]
        resume = Path(args.resume) if args.resume else None
        run_scale(sizes, out=Path(args.out) if args.out else None, answers=args.answers, resume=resume)
        return 0
    out = Path(args.out) if args.out else None
    if args.variant:
        from rag.faces.bench import compare_settings, load_questions, parse_variant

        try:
            variants = dict([("current", {}), *(parse_variant(v) for v in args.variant)])
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        compare_settings(
            _settings(args),
            variants,
            questions=load_questions(args.questions),
            rounds=args.repeat,
            out=out,
            naive=not args.no_naive,
        )
        return 0
    if args.compare_tree:
        from rag.faces.bench import compare_trees, load_questions

        root = Path(__file__).resolve().parents[2]
        questions = load_questions(args.questions)
        compare_trees(Path(args.compare_tree), root, questions=questions, rounds=args.repeat, out=out)
        return 0
    return run_bench(_settings(args), questions_file=args.questions, naive=not args.no_naive, repeat=args.repeat)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from rag.answering.calibrate import markdown, run, write
    from rag.answering.verify import CALIBRATION_FILE
    from rag.pipeline import Pipeline

    settings = _settings(args)
    pipe = Pipeline(settings)
    judge = None if args.no_judge else pipe.judge()
    if args.write and judge is None:
        print("error: --write fits the thresholds with and without the judge: drop --no-judge", file=sys.stderr)
        return 2
    report = run(pipe.embedder, judge, root=settings.root)
    print(json.dumps({k: v for k, v in report.items() if k != "scores"}, indent=1))
    print(markdown(report))
    if args.write:
        write(report)
        print(f"thresholds written to {CALIBRATION_FILE}")
    return 0


def _eval_pipeline(args: argparse.Namespace) -> Pipeline:
    """The pipeline an eval asks: over the project's index, or over a copy of `--corpus` indexed
    in its own work folder (brought up to date first)."""
    from rag.pipeline import Pipeline

    settings = _settings(args)
    if args.corpus:
        from rag.eval.corpus import corpus_settings

        settings = corpus_settings(Path(args.corpus), settings, work=Path(args.work) if args.work else None)
        print(f"indexing a copy of {args.corpus} in {settings.root}", file=sys.stderr)
    pipe = Pipeline(settings)
    if args.corpus:
        pipe.index(progress=_progress_bar("index", sys.stderr.isatty()) if not args.quiet else None)
    else:
        pipe.ensure_index()
    return pipe


def cmd_eval(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from rag.eval import judges, metrics
    from rag.eval.cases import load_cases
    from rag.eval.report import compare, markdown, write_report
    from rag.eval.run import Report, run_cases

    if args.compare:
        old, new = (Report.from_dict(json.loads(Path(p).read_text(encoding="utf-8"))) for p in args.compare)
        print(compare(old, new))
        return 0
    if args.hand_labels:
        from rag.eval.labels import LABELS_FILE, load_labels, load_relevance, score

        saved = Report.from_dict(json.loads(Path(args.hand_labels).read_text(encoding="utf-8")))
        path = Path(args.labels) if args.labels else LABELS_FILE
        scored = score([r.answer for r in saved.rows], load_labels(path), load_relevance(path))
        print(json.dumps(scored.to_dict() | {"judge": f"hand labels ({path})"}, indent=1))
        return 0
    pipe = _eval_pipeline(args)
    settings = pipe.settings
    if args.verify_labels:
        result = judges.verifier_on_hand_labels(pipe)
        print(json.dumps(result, indent=1))
        return 0
    cases = load_cases(Path(args.cases))
    if args.ci:
        cases = [c for c in cases if c.ci]
    if args.kinds:
        cases = [c for c in cases if c.kind in args.kinds]
    if args.limit:
        cases = cases[: args.limit]
    if not cases:
        print("error: no case selected", file=sys.stderr)
        return 2
    judge = pipe.judge()
    second = None
    if args.judge2 == "llm":
        if judge is None:
            print("error: --judge2 llm needs the model judge: unset RAG_USE_JUDGE=false", file=sys.stderr)
            return 2
        second = judges.llm_support(judge)
    elif args.judge2:
        second = judges.endpoint_support(args.judge2)
    report = run_cases(
        pipe,
        cases,
        judges.verifier_support(pipe),
        second=second,
        progress=_progress_bar("eval", sys.stderr.isatty()) if not args.quiet else None,
    )
    if not args.no_labels:
        from rag.answering.calibrate import held_out_accuracy

        report = replace(report, verifier_on_labels=held_out_accuracy(pipe.embedder, judge, root=settings.root))
    from rag.eval.labels import load_labels, score

    hand = score([r.answer for r in report.rows], load_labels(Path(args.labels)) if args.labels else load_labels())
    report = replace(report, hand_labels=hand.to_dict())
    out = Path(args.out)
    write_report(report, out)
    print(markdown(report).split("## Worst")[0])
    print(f"report: {out / 'report.json'}, {out / 'report.md'}, {out / 'metrics.png'}")
    minimums = dict(metrics.DEFAULT_MINIMUMS) if args.ci else {}
    if not any(c.should_abstain for c in cases):  # nothing to judge, not a failure
        minimums.pop("abstention_recall", None)
    for item in args.min or []:
        name, _, value = item.partition("=")
        minimums[name] = float(value)
    failed = metrics.failed_thresholds(report.overall, minimums)
    for f in failed:
        print(f"below threshold: {f}", file=sys.stderr)
    return 1 if failed else 0


def _common(sp: argparse.ArgumentParser) -> None:
    """The options every command takes: where the index and the models are."""
    sp.add_argument("--index-dir", help="index folder (default: index/ in the project)")
    sp.add_argument("--model", help="'default' (1.5B), 'fast' (0.5B) or a path to a GGUF file")
    sp.add_argument("--chroma-url", help="a Chroma server, http://HOST:PORT (default: the embedded index)")
    sp.add_argument("--llm-url", help="an OpenAI-compatible model server, http://HOST:PORT/v1")
    sp.add_argument(
        "--llm-serve",
        action="store_true",
        help="run the model in a process of its own, started again if it dies (RAG_LLM_SERVE=1)",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Cited answers from your news articles, offline.")
    p.add_argument("-v", "--verbose", action="store_true", help="show debug logs")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("index", help="index article files (default: seeds/)")
    sp.add_argument(
        "paths", nargs="*", help="files or folders of articles: .txt .md .html .pdf .docx, .json/.jsonl/.csv exports"
    )
    sp.add_argument("--rebuild", action="store_true", help="throw the index away and build it again")
    sp.add_argument(
        "--field",
        action="append",
        metavar="ROLE=NAME",
        help="an export's field for a role (id, title, body, date, url, author), e.g. body=story_text (repeatable)",
    )
    sp.add_argument("--json", action="store_true", help="print a JSON summary")
    sp.add_argument(
        "--explain", action="store_true", help="index nothing: list what reading keeps out of each file, and why"
    )
    _common(sp)
    sp.set_defaults(func=cmd_index)

    sp = sub.add_parser("text", help="print exactly the text an indexed article's citation offsets index")
    sp.add_argument("source", help="the article as indexed (a file, or FILE#ID for an export's record)")
    sp.add_argument("--record", help="the record's id, for a JSON/JSONL/CSV export")
    _common(sp)
    sp.set_defaults(func=cmd_text)

    sp = sub.add_parser("ask", help="answer a question with citations")
    sp.add_argument("question")
    sp.add_argument("--json", action="store_true", help="print the Answer as JSON")
    sp.add_argument("--source", action="append", help="only use this indexed file (repeatable)")
    sp.add_argument("--top", type=int, help="number of passages to use")
    sp.add_argument("--since", help="only articles dated on or after YYYY-MM-DD")
    sp.add_argument("--until", help="only articles dated on or before YYYY-MM-DD")
    _common(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("chat", help="start the Gradio chat")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=7860)
    sp.add_argument("--users-file", help="the logins (default: users.json in the project; RAG_USERS_FILE)")
    sp.add_argument("--no-auth", action="store_true", help="off loopback: serve without logins (and without uploads)")
    _common(sp)
    sp.set_defaults(func=cmd_chat)

    sp = sub.add_parser("serve", help="serve cited answers as an OpenAI-compatible /v1/chat/completions")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8000)
    sp.add_argument("--api-key", action="append", metavar="KEY", help="a key clients must send (repeatable)")
    sp.add_argument("--cors-origin", action="append", metavar="ORIGIN", help="a web origin allowed (repeatable)")
    sp.add_argument("--no-auth", action="store_true", help="off loopback: serve without keys")
    _common(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("users", help="the chat's logins: add NAME --role reader|editor, list, remove NAME")
    sp.add_argument("action", choices=["add", "list", "remove"])
    sp.add_argument("name", nargs="?", default="")
    sp.add_argument("--role", choices=["reader", "editor"], default="reader")
    sp.add_argument("--users-file", help="default: users.json in the project (RAG_USERS_FILE)")
    sp.set_defaults(func=cmd_users)

    sp = sub.add_parser("models", help="assemble and verify the bundled models")
    sp.add_argument("--prepare", choices=["default", "fast", "all"], default="default")
    _common(sp)
    sp.set_defaults(func=cmd_models)

    _add_tools(sub)
    _add_eval(sub)
    return p


def _add_tools(sub: Any) -> None:
    """`rag doctor` and `rag bench`."""
    sp = sub.add_parser("doctor", help="check that llama.cpp runs here; CPU features, buffers, speed")
    sp.add_argument("--quick", action="store_true", help="a shorter generation (used by scripts/setup.sh)")
    sp.add_argument("--json", action="store_true", help="print the facts as JSON")
    sp.add_argument(
        "--compare-site",
        action="append",
        metavar="DIR",
        help="also time the build in DIR (repeatable)",
    )
    sp.add_argument("--rounds", type=int, help="speed comparison: rounds of every variant (default 3)")
    sp.add_argument("--out", help="write the comparison JSON here")
    _common(sp)
    sp.set_defaults(func=cmd_doctor)

    sp = sub.add_parser("bench", help="print latency figures on the bundled corpus")
    sp.add_argument("--questions", help="file with one question per line")
    sp.add_argument("--repeat", type=int, default=1)
    sp.add_argument("--no-naive", action="store_true", help="skip the naive top-5-chunks baseline")
    sp.add_argument(
        "--compare-tree",
        metavar="DIR",
        help="time an older checkout (git worktree) against this one, alternating, --repeat rounds",
    )
    sp.add_argument(
        "--scale",
        metavar="N,N,...",
        help="the synthetic archive at these sizes in articles (about 5 chunks each), e.g. 200,2000,20000",
    )
    sp.add_argument("--answers", type=int, default=5, help="with --scale: planted questions answered by the model")
    sp.add_argument("--resume", metavar="DIR", help="with --scale N: finish the run of size N left in DIR")
    sp.add_argument(
        "--variant",
        action="append",
        metavar="NAME:SETTING=VALUE,...",
        help="time these settings against the current ones in one run, alternating (repeatable), "
        "e.g. off:llama_extra_buffers=off",
    )
    sp.add_argument("--out", help="with --variant, --compare-tree or --scale: write the JSON here")
    _common(sp)
    sp.set_defaults(func=cmd_bench)


def _add_eval(sub: Any) -> None:
    """`rag eval` and `rag calibrate`."""
    sp = sub.add_parser("eval", help="run the citation-faithfulness suite")
    sp.add_argument("--cases", default=str(Path(__file__).resolve().parents[2] / "tests" / "eval" / "cases.jsonl"))
    sp.add_argument(
        "--corpus",
        metavar="DIR",
        help="index a copy of this folder of articles (in its own work folder) and ask the cases over it",
    )
    sp.add_argument("--work", metavar="DIR", help="with --corpus: the folder of its copy and index (default: cache)")
    sp.add_argument("--labels", metavar="FILE", help="hand labels (default: tests/eval/answer_labels.jsonl)")
    sp.add_argument("--kinds", nargs="*", help="only these kinds")
    sp.add_argument("--limit", type=int)
    sp.add_argument("--ci", action="store_true", help="the fixed CI subset, with the default thresholds")
    sp.add_argument("--out", default="eval-out", help="folder for report.json, report.md, metrics.png")
    sp.add_argument("--min", action="append", metavar="METRIC=VALUE", help="fail (exit 1) under this value")
    sp.add_argument("--judge2", help="second judge: 'llm' (the local model alone) or an OpenAI-compatible URL")
    sp.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="compare two report.json files")
    sp.add_argument("--hand-labels", metavar="REPORT", help="score a report.json's statements by the hand labels")
    sp.add_argument(
        "--verify-labels", action="store_true", help="the verifier's verdicts on the hand-labelled statements"
    )
    sp.add_argument("--no-labels", action="store_true", help="skip the verifier's accuracy on the labelled set")
    sp.add_argument("--quiet", action="store_true")
    _common(sp)
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("calibrate", help="fit and report the verifier on tests/eval/support_labels.jsonl")
    sp.add_argument("--no-judge", action="store_true", help="leave the model judge out")
    sp.add_argument("--write", action="store_true", help="store the fitted thresholds for the verifier")
    _common(sp)
    sp.set_defaults(func=cmd_calibrate)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.func(args))
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
