"""The ``needs-analysis`` command: parses arguments, calls the package, reports in Japanese.

Problems the user can fix end in one sentence on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from needs_analysis import __version__
from needs_analysis.errors import NeedsAnalysisError

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors in the same one-line form as ours (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"エラー: {message}（{self.prog} --help で使い方を表示）\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="needs-analysis",
        description="住民ニーズ調査の自由記述から、圏域ごとの困りごとと不足しているサービスを整理します。",
    )
    parser.add_argument("--version", action="version", version=f"needs-analysis {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser(
        "check",
        help="調査ファイルを読み込んで検査し、件数を表示する",
        description="調査ファイルを読み込んで検査し、読み込んだ行・受け付けた行・除外した行（理由別）・"
        "自由記述のある回答・圏域ごとの回答者数を表示します。除外した行は CSV に書き出します。",
    )
    check.add_argument(
        "survey",
        nargs="?",
        type=Path,
        help="調査ファイル（CSV・TSV・.xlsx）。省略すると設定ファイルの年度の調査",
    )
    _add_config_options(check)
    check.add_argument(
        "--encoding", help="文字コード（utf-8, utf-8-sig, cp932 など）。通常は自動判別"
    )
    check.add_argument("--sheet", help="Excel のシート名（省略すると最初のシート）")
    check.add_argument(
        "--rejects",
        type=Path,
        help="除外した行の書き出し先（既定: reports/<年度>/rejects/<ファイル名>_rejects.csv）",
    )
    check.set_defaults(handler=_run_check)

    classify = commands.add_parser(
        "classify",
        help="回答を困りごとの分類に振り分け、CSV に書き出す",
        description="CSV・TSV・.xlsx の回答を分類し、元の列すべてに categories（| 区切り）・"
        "confidence（確からしさ）・evidence（根拠の語）を加えて UTF-8（BOM付き）の CSV に書き出します。",
    )
    classify.add_argument("input", type=Path, help="回答のファイル（CSV・TSV・.xlsx）")
    classify.add_argument("-o", "--output", type=Path, required=True, help="書き出す CSV")
    classify.add_argument("--text-column", help="回答の列（既定: 自由記述・自由記載・text など）")
    classify.add_argument(
        "--id-column", help="回答者IDの列（指定すると出力の先頭に置き、重複を数える）"
    )
    classify.add_argument("--encoding", help="文字コード（通常は自動判別）")
    classify.add_argument("--sheet", help="Excel のシート名")
    classify.add_argument(
        "--config", type=Path, help="設定ファイル（分類表・ルール・学習データの場所）"
    )
    classify.add_argument(
        "--fast",
        action="store_true",
        default=None,
        help="文の意味（埋め込み）を使わず、ルールと語だけで速く分類する（とても大きなファイル向け）",
    )
    classify.set_defaults(handler=_run_classify)

    evaluate = commands.add_parser(
        "evaluate",
        help="ラベル付きの回答で分類の精度を測る",
        description="ラベル付きの回答ファイルで、分類ごとの適合率・再現率・F1、マイクロ/マクロ平均F1、"
        "完全一致率を表示します。--cv K で学習データの K 分割交差検証をします。",
    )
    evaluate.add_argument(
        "labeled", nargs="?", type=Path, help="ラベル付きの回答（.tsv/.csv/.xlsx か、そのフォルダ）"
    )
    evaluate.add_argument("--text-column", default="text", help="回答の列（既定: text）")
    evaluate.add_argument(
        "--label-column", default="categories", help="正解の分類の列（既定: categories）"
    )
    evaluate.add_argument(
        "--cv", type=int, metavar="K", help="K 分割交差検証（ファイル省略時は学習データ）"
    )
    evaluate.add_argument("--config", type=Path, help="設定ファイル")
    evaluate.set_defaults(handler=_run_evaluate)

    train = commands.add_parser(
        "train",
        help="学習データから分類モデルを作り直す",
        description="ラベル付きの回答からモデルを作り直し、ルールの点検結果を表示します。",
    )
    train.add_argument(
        "--labeled", type=Path, help="ラベル付きの回答のフォルダ（既定: 同梱の学習データ）"
    )
    train.add_argument("--config", type=Path, help="設定ファイル")
    train.set_defaults(handler=_run_train)

    run = commands.add_parser(
        "run",
        help="分類・集計・ノートブックの実行をして、年度の資料を reports/ に書き出す",
        description="回答を分類し、圏域ごとの困りごとと資源を集計し、ノートブックを実行して "
        "reports/<年度>/ に全体資料（index.html）・圏域ごとの配布資料・計画の表・Excel を書き出します。"
        "引数なしでは同梱のサンプル町で実行します。",
    )
    _add_config_options(run)
    run.add_argument(
        "--out", type=Path, default=Path("reports"), help="書き出し先のフォルダ（既定: reports）"
    )
    run.add_argument(
        "--workers", type=int, default=2, help="同時に実行するノートブックの数（既定: 2）"
    )
    run.set_defaults(handler=_run_reports)
    return parser


def _optional_config(path: Path | None):
    from needs_analysis.config import load_config

    return load_config(path) if path is not None else None


def _run_classify(args: argparse.Namespace) -> int:
    from needs_analysis.classify import classify_responses, get_classifier
    from needs_analysis.config import DEFAULT_SURVEY_COLUMNS
    from needs_analysis.io import find_columns, read_table, write_csv

    config = _optional_config(args.config)
    table = read_table(args.input, encoding=args.encoding, sheet=args.sheet)
    mapping = {
        "text": (args.text_column,)
        if args.text_column
        else (*DEFAULT_SURVEY_COLUMNS["text"], "text")
    }
    required = ["text"]
    if args.id_column:
        mapping["respondent_id"] = (args.id_column,)
        required.append("respondent_id")
    columns = find_columns(table, mapping, tuple(required))
    width = len(table.header)
    names, renamed = _names_beside_results(_unique_columns(table.header))
    frame = pd.DataFrame(
        [list(row.cells[:width]) + [""] * (width - len(row.cells[:width])) for row in table.rows],
        columns=names,
    )
    for old, new in renamed:
        print(f"注意: 入力の「{old}」列は「{new}」として残しました。", file=sys.stderr)
    if args.id_column:
        id_name = frame.columns[columns["respondent_id"]]
        frame = frame[[id_name, *[c for c in frame.columns if c != id_name]]]
    text_name = names[columns["text"]]
    print(f"{len(frame):,}行を分類しています…", file=sys.stderr)
    model = get_classifier(config, fast=args.fast)
    # Every row of the output is read by people: name the words behind every label.
    result = classify_responses(frame, text_column=text_name, model=model, explain=True)
    output = result.drop(columns=["has_text"]).assign(
        categories=["|".join(c) for c in result["categories"]],
        confidence=[None if c != c else round(c, 3) for c in result["confidence"]],
    )
    write_csv(output, args.output)
    print(f"読み込んだ行: {len(frame):,}")
    print(
        f"回答あり: {int(result['has_text'].sum()):,}（空欄: {int((~result['has_text']).sum()):,}）"
    )
    counts = pd.Series(
        [label for labels in result["categories"] for label in labels]
    ).value_counts()
    for label in (*model.labels, model.other):
        print(f"  {label}: {int(counts.get(label, 0)):,}")
    if args.id_column:
        duplicated = int(frame.iloc[:, 0].duplicated().sum())
        if duplicated:
            print(f"注意: 回答者IDの重複が{duplicated:,}件あります（行はすべて出力しました）。")
    print(f"書き出し先: {args.output}（{len(output):,}行）")
    return 0


RESULT_COLUMNS = ("categories", "confidence", "evidence", "has_text")


def _names_beside_results(names: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Rename input columns that share a name with a result column, so that an input
    holding (say) hand-coded ``categories`` keeps them next to the classifier's."""
    taken = set(names) | set(RESULT_COLUMNS)
    result, renamed = [], []
    for name in names:
        if name in RESULT_COLUMNS:
            new = f"{name}（入力）"
            number = 2
            while new in taken:
                new = f"{name}（入力{number}）"
                number += 1
            taken.add(new)
            renamed.append((name, new))
            name = new
        result.append(name)
    return result, renamed


def _unique_columns(header: tuple[str, ...]) -> list[str]:
    from needs_analysis.io import _unique_headers

    return _unique_headers(header)


def _run_evaluate(args: argparse.Namespace) -> int:
    from needs_analysis.classify import ModelSources, get_classifier, read_labeled
    from needs_analysis.evaluate import cross_validate, evaluate_model, format_report
    from needs_analysis.taxonomy import load_taxonomy

    config = _optional_config(args.config)
    sources = ModelSources.from_config(config)
    taxonomy = load_taxonomy(sources.taxonomy)
    if args.cv is not None:
        if args.cv < 2:
            raise NeedsAnalysisError("--cv には2以上の数を指定してください。")
        labeled = read_labeled(
            args.labeled or sources.labeled, taxonomy, args.text_column, args.label_column
        )
        print(f"{args.cv}分割交差検証（{len(labeled):,}件）", file=sys.stderr)
        report = cross_validate(labeled, taxonomy, sources.rules, args.cv)
    else:
        if args.labeled is None:
            raise NeedsAnalysisError(
                "評価するラベル付きの回答のファイルを指定してください（または --cv K）。"
            )
        labeled = read_labeled(args.labeled, taxonomy, args.text_column, args.label_column)
        report = evaluate_model(get_classifier(config), labeled)
    print(format_report(report))
    return 0


def _run_train(args: argparse.Namespace) -> int:
    import time

    from needs_analysis.classify import ModelSources, model_cache_path, train

    config = _optional_config(args.config)
    sources = ModelSources.from_config(config)
    if args.labeled is not None:
        sources = ModelSources(args.labeled, sources.rules, sources.taxonomy)
    started = time.perf_counter()
    model = train(sources)
    path = model.save(model_cache_path(sources.fingerprint()))
    print(f"学習データ: {sources.labeled}（{model.metadata['examples']:,}件）")
    print(f"モデルを作りました（{time.perf_counter() - started:.1f}秒）: {path}")
    print(f"辞書: {model.metadata['dictionary_version']}")
    print(f"文の埋め込み: {model.metadata['encoder_version']}")
    from needs_analysis.classify import read_labeled
    from needs_analysis.taxonomy import load_taxonomy

    labeled = read_labeled(sources.labeled, load_taxonomy(sources.taxonomy))
    analyses = model.pipeline.named_steps["analyze"].transform(labeled["text"])
    notes = model.rules.diagnose([analysis.answer for analysis in analyses])
    if notes:
        print("ルールの点検:")
        for note in notes:
            print(f"  - {note}")
    else:
        print("ルールの点検: 問題はありません。")
    return 0


def _run_reports(args: argparse.Namespace) -> int:
    import time

    from needs_analysis.config import format_fiscal_year, load_config
    from needs_analysis.notebooks import NotebookError
    from needs_analysis.report import run_reports

    config = load_config(args.config)
    year = args.fiscal_year or config.fiscal_year
    started = time.perf_counter()
    print(f"{config.municipality} {format_fiscal_year(year)} の資料を作ります。", flush=True)

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}秒] {message}", flush=True)

    try:
        result = run_reports(config, year, args.out, progress=progress, workers=args.workers)
    except NotebookError as error:
        print(f"エラー: {error}", file=sys.stderr)
        return 1
    print(f"できあがり（{time.perf_counter() - started:.1f}秒）: {result.out_dir}")
    print(f"  全体資料: {result.out_dir / 'index.html'}")
    for stage, seconds in result.timings.items():
        print(f"  {stage}: {seconds:.1f}秒")
    return 0


def _add_config_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config", type=Path, help="設定ファイル（TOML）。省略すると同梱のサンプル町の設定"
    )
    command.add_argument(
        "--fiscal-year", type=int, metavar="YYYY", help="年度（西暦）。省略すると設定ファイルの年度"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.handler(args)
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


def _run_check(args: argparse.Namespace) -> int:
    from needs_analysis.config import format_fiscal_year, load_config
    from needs_analysis.io import load_survey, write_csv
    from needs_analysis.privacy import mask_table

    config = load_config(args.config)
    data = load_survey(
        config,
        args.fiscal_year,
        path=args.survey,
        encoding=args.encoding,
        sheet=args.sheet,
    )
    summary = data.summary
    print(f"調査ファイル: {summary.path}（{summary.encoding_label}）")
    print(f"年度: {format_fiscal_year(data.fiscal_year)}")
    print(f"読み込んだ行: {summary.rows_read:,}")
    print(f"  受け付けた行: {summary.accepted:,}")
    print(f"  除外した行: {summary.rejected:,}")
    for reason, count in sorted(summary.rejected_by_reason.items(), key=lambda item: -item[1]):
        print(f"    {reason}: {count:,}")
    print(f"自由記述に回答あり: {summary.with_text:,}")
    print("圏域ごとの回答者数（うち自由記述あり）:")
    for area, count in summary.respondents_by_area.items():
        print(f"  {area}: {count:,}（{summary.with_text_by_area.get(area, 0):,}）")
    if summary.rejected:
        target = args.rejects or (
            Path("reports") / str(data.fiscal_year) / "rejects" / f"{summary.path.stem}_rejects.csv"
        )
        write_csv(mask_table(data.rejects), target)
        print(f"除外した行の一覧（個人情報は伏せ字）: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
