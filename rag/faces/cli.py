"""`rag` command line: index, ask, chat, serve, users, models, doctor, bench, eval, calibrate (options in
`rag.faces.options`)."""

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
    if getattr(args, "corpus", None) and getattr(args, "command", "") != "eval":
        overrides["corpus_dir"] = Path(args.corpus).expanduser().resolve()
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
    if getattr(args, "log_questions", False):
        overrides["log_questions"] = True
    if getattr(args, "field", None):
        overrides["record_fields"] = parse_fields(args.field)
    return Settings(**overrides)


def bars_wanted(args: argparse.Namespace) -> bool:
    """Progress bars only for a person watching: stderr a terminal. With `--json` too (the JSON
    goes to stdout alone): `rag index --json` of an archive had printed nothing for ten minutes."""
    return sys.stderr.isatty()


def _quiet_libraries() -> None:
    """No library draws a progress bar (transformers' "Loading weights", huggingface_hub's): both
    read these variables when first imported, which the commands do lazily, after this."""
    import os

    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    os.environ["TQDM_DISABLE"] = "1"


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


def _progress_bar(desc: str, enabled: bool, every_s: float = 30.0) -> Any:
    """The indexer's (done, total, name) callback: a tqdm bar on stderr for a person watching
    (`enabled`), else a plain line on stderr at most every `every_s` seconds and at the end
    ("indexing: 300 of 1,230 files (24%), 61 s"), so a log or a pipe shows that a long run moves
    (the eleventh newcomer's `rag index … > log` printed nothing for minutes)."""
    import time

    from tqdm import tqdm

    bar: dict[str, Any] = {}
    started = time.monotonic()
    last = [started]

    def update(done: int, total: int, name: str) -> None:
        if not enabled:
            now = time.monotonic()
            if (now - last[0] >= every_s or done >= total) and total:
                last[0] = now
                print(
                    f"{desc}: {done:,} of {total:,} files ({done / total:.0%}), {now - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
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
    report = pipe.index(paths, rebuild=args.rebuild, progress=_progress_bar("indexing", bars_wanted(args)))
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
    """Plain-text rendering of the same answer `--json` prints: the answer with [n] markers and
    each numbered quote; for an abstention, the related sentences it quotes ("Related, not an
    answer"), as under `related`; then what a date filter left out."""
    from rag.answering.assemble import scope_sentence

    lines = [a.text]
    if a.abstained and a.related:
        lines += ["", "Related, not an answer:", *_quoted(a.related)]
    elif not a.abstained:
        lines += ["", *_quoted(a.statements)]
    if a.date_filter is not None and not a.abstained:  # an abstention says it in its text
        lines += ["", scope_sentence(a.date_filter)]
    return "\n".join(lines)


def _quoted(statements: Any) -> list[str]:
    """Each citation of these statements, numbered as the [n] markers of their text."""
    from rag.answering.citations import answer_text

    _, numbers = answer_text(statements)
    quotes = {(c.source, c.start, c.end): c for st in statements for c in st.citations}
    lines = []
    for key, n in numbers.items():
        c = quotes[key]
        meta = ", ".join(x for x in (c.title, show_date(c.date) if c.date else None) if x)
        lines.append(f"[{n}] {c.source}:{c.start}-{c.end} ({meta})")
        lines.append(f"    “{c.quote}”")
    return lines


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.pipeline import Pipeline

    settings = _settings(args)
    pipe = Pipeline(settings)
    if args.corpus:  # a corpus named beside an index of other articles: say so, never answer from them
        from rag.pipeline.pipeline import check_corpus

        check_corpus(pipe)
    # `ensure_index` says "No index yet: indexing …" (a warning, printed once).
    pipe.ensure_index(progress=_progress_bar("indexing", bars_wanted(args)))
    answer = pipe.ask(
        args.question,
        sources=args.source or None,
        top=args.top,
        since=args.since,
        until=args.until,
        include_undated=args.include_undated,
    )
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from ui.app import launch

    launch(_settings(args), host=args.host, port=args.port, share=False, no_auth=args.no_auth)  # prints when ready
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
    names = list(BUNDLED) if args.prepare == "all" else [] if args.prepare == "embedder" else [args.prepare]
    for name in names:
        path = prepare(name, settings.model_cache_dir)
        print(f"{name}: {path} (sha256 verified)")
    if args.prepare in ("embedder", "all"):
        from rag.core.errors import ModelError
        from rag.index.embeddings import bundled_model_path, mean_pooled_bert
        from rag.index.int8 import ensure_int8

        model = settings.embed_model or bundled_model_path()
        try:
            mean_pooled_bert(model)
        except ModelError as exc:  # a model of another architecture: nothing to export
            print(f"embedder: not exported to int8: {exc}")
        else:
            onnx_file = ensure_int8(Path(model), settings.model_cache_dir)
            print(f"embedder: {onnx_file} (int8: RAG_EMBED_PRECISION=auto on a CPU without native bfloat16, or =int8)")
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

    if args.index:
        from rag.faces.indexbench import run_index_bench

        cases = Path(args.cases) if args.cases else None
        out = Path(args.out) if args.out else None
        run_index_bench(Path(args.index), cases=cases, rounds=args.repeat, out=out)
        return 0
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
    return run_bench(
        _settings(args), questions_file=args.questions, naive=not args.no_naive, repeat=args.repeat, out=out
    )


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
        pipe.index(progress=_progress_bar("index", bars_wanted(args)) if not args.quiet else None)
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
        from rag.eval.labels import LABELS_FILE, load_labels, load_relevance, load_voices, score

        saved = Report.from_dict(json.loads(Path(args.hand_labels).read_text(encoding="utf-8")))
        path = Path(args.labels) if args.labels else LABELS_FILE
        scored = score([r.answer for r in saved.rows], load_labels(path), load_relevance(path), load_voices(path))
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
        progress=_progress_bar("eval", bars_wanted(args)) if not args.quiet else None,
    )
    if not args.no_labels:
        from rag.answering.calibrate import held_out_accuracy

        report = replace(report, verifier_on_labels=held_out_accuracy(pipe.embedder, judge, root=settings.root))
    from rag.eval.labels import LABELS_FILE, load_labels, load_relevance, load_voices, score

    labels = Path(args.labels) if args.labels else LABELS_FILE
    hand = score([r.answer for r in report.rows], load_labels(labels), load_relevance(labels), load_voices(labels))
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


def build_parser() -> argparse.ArgumentParser:
    """The `rag` parser (`rag.faces.options`), each command bound to its function here."""
    from rag.faces.options import build_parser as build

    commands = {
        "index": cmd_index,
        "text": cmd_text,
        "ask": cmd_ask,
        "chat": cmd_chat,
        "serve": cmd_serve,
        "users": cmd_users,
        "models": cmd_models,
        "doctor": cmd_doctor,
        "bench": cmd_bench,
        "eval": cmd_eval,
        "calibrate": cmd_calibrate,
    }
    return build(commands)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not bars_wanted(args) or getattr(args, "json", False):
        _quiet_libraries()  # (a library's own bars, "Loading weights", are no one's progress)
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
