"""The ``needs-analysis`` command: parses arguments, calls the package, reports in Japanese.

Each command calls one function of the package and prints what it returns. Problems the
user can fix end in one sentence on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Sequence

from needs_analysis.cli.options import build_parser
from needs_analysis.cli.parser import EXIT_USER_ERROR
from needs_analysis.cli.review import run_review
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.progress import Progress, Stopwatch

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return _HANDLERS[args.command](args)
    except NeedsAnalysisError as error:
        print(f"エラー: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("中断しました。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output (``| head``) has gone; say nothing more.
        sys.stderr.close()
        return 0
    except OSError as error:
        # A file-system problem the checks before the work could not foresee (a disk that
        # filled up, a file another program holds open): one sentence, not a traceback.
        where = f"{error.filename}: " if error.filename else ""
        print(f"エラー: {where}ファイルを読み書きできません（{error.strerror}）。", file=sys.stderr)
        return EXIT_USER_ERROR


def _run_check(args: argparse.Namespace) -> int:
    from needs_analysis.ingest.check import check_inputs

    check_inputs(
        args.config,
        args.fiscal_year,
        survey=args.survey,
        encoding=args.encoding,
        sheet=args.sheet,
        rejects=args.rejects,
        on_file=_print_checked,
    )
    return 0


def _print_checked(checked) -> None:
    from needs_analysis.config.load import format_fiscal_year
    from needs_analysis.ingest.check import SURVEY

    survey = checked.kind == SURVEY
    summary = checked.summary
    if survey:
        print(f"年度: {format_fiscal_year(checked.fiscal_year)}")
    print(f"{checked.kind}: {summary.path}（{summary.encoding_label}）")
    if summary.physical_lines is not None:
        print(
            f"ファイルの行数: {summary.physical_lines:,}（見出し1行、データ{summary.rows_read:,}行、"
            f"複数行のセルの続き{summary.continuation_lines:,}行、末尾の空行"
            f"{summary.physical_lines - 1 - summary.rows_read - summary.continuation_lines:,}行）"
        )
    print(f"読み込んだ行: {summary.rows_read:,}")
    print(f"  受け付けた行: {summary.accepted:,}")
    print(f"  除外した行: {summary.rejected:,}")
    for reason, count in sorted(summary.rejected_by_reason.items(), key=lambda item: -item[1]):
        print(f"    {reason}: {count:,}")
    for note in summary.notes:
        print(f"注意: {note}")
    if summary.with_text or survey:
        print(f"自由記述に回答あり: {summary.with_text:,}")
    print("圏域ごとの件数" + ("（うち自由記述あり）:" if survey else ":"))
    for area, count in summary.respondents_by_area.items():
        extra = f"（{summary.with_text_by_area.get(area, 0):,}）" if survey else ""
        print(f"  {area}: {count:,}{extra}")
    if checked.rejects_path is not None:
        print(f"除外した行の一覧（回答者IDは残し、回答の個人情報は伏せ字）: {checked.rejects_path}")
    _print_supplies(checked.supplies)


def _print_supplies(supplies) -> None:
    """The inventory's resource types and the needs each is counted for."""
    if not supplies:
        return
    print("資源の種類と、数える困りごと（設定ファイルの [resource_categories]）:")
    for kind, rows, categories in supplies:
        where = f"{rows:,}件" if rows else "資源一覧になし"
        if categories:
            print(f"  {kind}（{where}）→ {'・'.join(categories)}")
        else:
            print(f"  {kind}（{where}）→ どの困りごとにも数えていません")


def _run_classify(args: argparse.Namespace) -> int:
    from needs_analysis.classify.file import classify_file

    result = classify_file(
        args.input,
        args.output,
        config_path=args.config,
        text_column=args.text_column,
        id_column=args.id_column,
        encoding=args.encoding,
        sheet=args.sheet,
        fast=args.fast,
        english_columns=args.english_columns,
        progress=_to_stderr,
    )
    print(f"読み込んだ行: {result.rows:,}")
    print(f"回答あり: {result.with_text:,}（空欄: {result.rows - result.with_text:,}）")
    for label, count in result.label_counts.items():
        print(f"  {label}: {count:,}")
    if result.duplicated_ids:
        print(
            f"注意: 回答者IDの重複が{result.duplicated_ids:,}件あります（行はすべて出力しました）。"
        )
    print(f"書き出し先: {result.output}（{result.rows:,}行）")
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from needs_analysis.classify.evaluate import evaluate_labeled, format_report

    report = evaluate_labeled(
        args.config,
        args.labeled,
        text_column=args.text_column,
        label_column=args.label_column,
        folds=args.cv,
        progress=_to_stderr,
    )
    print(format_report(report))
    return 0


def _run_train(args: argparse.Namespace) -> int:
    from needs_analysis.review.retrain import retrain

    report = retrain(
        args.config,
        labeled=args.labeled,
        replace_bundled=args.replace_bundled,
        corrections=args.corrections,
        fiscal_year=args.fiscal_year,
        check_rules=args.check_rules,
    )
    _print_stored(args, report.retrained)
    model = report.model
    print(f"モデルを作りました（{report.seconds:.1f}秒）: {report.path}")
    print(f"学習した回答: {model.metadata['examples']:,}件")
    print(f"辞書: {model.metadata['dictionary_version']}")
    encoder = "使わない（速い分類）" if model.fast else model.metadata["encoder_version"]
    print(f"文の埋め込み: {encoder}")
    counts = report.training_counts
    print("  " + "　".join(f"{label} {count:,}" for label, count in counts.items()))
    corrections = model.metadata.get("town_corrections", 0)
    if corrections:
        print(f"町の修正 {corrections:,}件を反映（重み {report.corrections_weight:g}）")
    for line in report.change_lines:
        print(line)
    if report.rule_notes is not None:
        print("ルールの点検:" if report.rule_notes else "ルールの点検: 問題はありません。")
        for note in report.rule_notes:
            print(f"  - {note}")
    print(
        f"以後、設定ファイル {report.config_path} の classify・run・review はこのモデルを使います。"
    )
    return 0


def _print_stored(args: argparse.Namespace, result) -> None:
    """What train kept of the town's corrections or labelled answers."""
    if args.corrections is not None:
        print(
            f"確認シートの修正を保存しました: {result.stored}（この年度の修正 {result.stored_rows:,}件）"
        )
        if result.skipped:
            print(f"  ○ のない行・要確認の行 {result.skipped:,}件は使っていません。")
        if result.learned_check:
            print(
                "  この点検シートはモデルが学んだため、以後の run では割合の補正に使えません。"
                "補正には review --sample で新しく回答を選んで確認してください。"
            )
    elif args.labeled is not None:
        how = (
            "同梱の学習データの代わりに使います"
            if args.replace_bundled
            else "同梱の学習データに加えます"
        )
        print(
            f"町のラベル付きの回答 {result.stored_rows:,}件を保存しました（{how}）: {result.stored}"
        )


def _run_reports(args: argparse.Namespace) -> int:
    from needs_analysis.config.load import format_fiscal_year, load_config
    from needs_analysis.outputs import output_folder, report_root
    from needs_analysis.publish.notebooks import NotebookError
    from needs_analysis.run.jobs import run_reports

    config = load_config(args.config)
    year = args.fiscal_year or config.fiscal_year
    root = output_folder(report_root(config, args.out), "--out")
    # A termination request ends the run at once: its staging folder is removed and the
    # report folder keeps the previous run.
    signal.signal(signal.SIGTERM, _terminated)
    watch = Stopwatch()
    print(f"{config.municipality} {format_fiscal_year(year)} の資料を作ります。", flush=True)
    progress = _printer(watch)
    try:
        result = run_reports(
            config,
            year,
            root,
            progress=progress,
            workers=args.workers,
            pdf=args.pdf,
            kwic=_comma_list(args.kwic),
            category=args.category,
            check=args.check,
        )
    except NotebookError as error:
        print(f"エラー: {error}", file=sys.stderr)
        return 1
    print(f"できあがり（{watch.elapsed():.1f}秒）: {result.out_dir}")
    print(f"  全体資料: {result.out_dir / 'index.html'}")
    if result.removed:
        print(
            f"  前回の実行のファイルで今回は作らなかったもの {len(result.removed)}件を消しました。"
        )
    pdfs = [path for path in result.files if path.suffix == ".pdf"]
    if pdfs:
        print(f"  PDF: {len(pdfs)}件（HTML と同じ名前で同じフォルダ）")
    if result.note:
        print(f"注意: {result.note}")
    for stage, seconds in result.timings.items():
        print(f"  {stage}: {seconds:.1f}秒")
    return 0


def _terminated(signum, frame) -> None:
    """SIGTERM during a run: remove its staging folder, end the processes it started
    (notebook kernels, workers, the browser) and end with status 130."""
    import psutil

    from needs_analysis.run.staging import abandon

    abandon()
    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    print("中断しました（資料のフォルダは前回の実行のままです）。", file=sys.stderr, flush=True)
    os._exit(130)


def _printer(watch: Stopwatch) -> Progress:
    """A progress callback that prints each message after the seconds elapsed."""

    def progress(message: str) -> None:
        print(f"[{watch.elapsed():6.1f}秒] {message}", flush=True)

    return progress


def _comma_list(value: str | None) -> list[str] | None:
    """「送迎,ゴミ」 or 「送迎、ゴミ」 → ["送迎", "ゴミ"]; None when the option was not given."""
    if value is None:
        return None
    return [word.strip() for word in value.replace("、", ",").split(",") if word.strip()]


def _run_pool(args: argparse.Namespace) -> int:
    from needs_analysis.pool.overview import run_pool_overview

    watch = Stopwatch()
    if args.scheduler and args.workers:
        print("注意: --scheduler を指定したので --workers は使いません。", file=sys.stderr)
    run = run_pool_overview(
        args.pool,
        args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        fast=args.fast,
        progress=_printer(watch),
    )
    print()
    for town in run.result.towns:
        if town.processed:
            summary = town.summary
            print(
                f"  {town.town}: 読み込んだ行 {summary.rows_read:,} = 受け付けた行 "
                f"{summary.accepted:,} + 除外した行 {summary.rejected:,}"
            )
        else:
            print(f"  {town.town}: 処理できませんでした（{town.error}）", file=sys.stderr)
    print(f"できあがり（{watch.elapsed():.1f}秒）: {run.out_dir}")
    for path in run.files[:2]:
        print(f"  {path}")
    return 0 if all(town.processed for town in run.result.towns) else 1


def _run_lab(args: argparse.Namespace) -> int:
    from needs_analysis.config.load import load_config
    from needs_analysis.lab.workspace import lab_server, prepare_workspace, serve
    from needs_analysis.outputs import report_root

    config = load_config(args.config)
    root = report_root(config, args.out)
    workspace = prepare_workspace(config, root, args.fiscal_year, args.area, args.category)
    server = lab_server(workspace, args.port, browser=args.browser)
    print(f"作業台を用意しました: {workspace.folder}")
    print(f"JupyterLab を起動します。ブラウザで開く URL: {server.url}", flush=True)
    print("止めるときは Ctrl+C を押してください。", flush=True)
    return serve(server)


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


_HANDLERS = {
    "check": _run_check,
    "classify": _run_classify,
    "evaluate": _run_evaluate,
    "train": _run_train,
    "review": run_review,
    "run": _run_reports,
    "pool": _run_pool,
    "lab": _run_lab,
}


if __name__ == "__main__":
    raise SystemExit(main())
