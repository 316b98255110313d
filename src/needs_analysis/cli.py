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
from needs_analysis.cli_parser import EXIT_USER_ERROR, JapaneseParser
from needs_analysis.errors import NeedsAnalysisError


def build_parser() -> argparse.ArgumentParser:
    parser = JapaneseParser(
        prog="needs-analysis",
        description="住民ニーズ調査の自由記述から、圏域ごとの困りごとと不足しているサービスを整理します。",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"needs-analysis {__version__}",
        help="バージョンを表示して終わる",
    )
    commands = parser.add_subparsers(
        title="コマンド", dest="command", metavar="コマンド", parser_class=JapaneseParser
    )

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
        description="CSV・TSV・.xlsx の回答を分類し、元の列すべてに 分類（| 区切り）・"
        "確信度・根拠の語 を加えて UTF-8（BOM付き）の CSV に書き出します。",
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
    classify.add_argument(
        "--english-columns",
        action="store_true",
        help="加える列を英語の名前（categories, confidence, evidence）にする（スクリプト向け）",
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
        help="分類モデルを作り直す（町の学習データ・確認シートの修正を加えて）",
        description="同梱の学習データに、町のラベル付きの回答（--labeled）や確認シートの修正"
        "（--corrections）を加えてモデルを作り直します。加えた回答は設定ファイルの隣の labeled "
        "フォルダに保存され、以後その設定の classify・run・review が作り直したモデルを使います。"
        "今年度の回答で分類が変わった件数と、分類・圏域ごとの割合の前後を表示します。",
    )
    train.add_argument(
        "--labeled",
        type=Path,
        help="町のラベル付きの回答（.tsv/.csv/.xlsx か、そのフォルダ）。同梱の学習データに加えます",
    )
    train.add_argument(
        "--replace-bundled",
        action="store_true",
        help="--labeled の回答を同梱の学習データの代わりに使う（加えるのではなく置き換える）",
    )
    train.add_argument(
        "--corrections",
        type=Path,
        metavar="REVIEW_XLSX",
        help="記入した確認シート（needs-analysis review が書いた .xlsx）",
    )
    train.add_argument(
        "--check-rules",
        action="store_true",
        help="ルールの点検（何にも当たらないルール・辞書が出さない語）も表示する",
    )
    _add_config_options(train)
    train.set_defaults(handler=_run_train)

    review = commands.add_parser(
        "review",
        help="分類が迷った回答を確認シート（Excel）に書き出す",
        description="モデルが最も迷った回答（同じ文は1行、分類・圏域に偏らないよう選ぶ）を伏せ字で "
        "reports/<年度>/review_<年度>.xlsx に書き出します。正しい分類に ○ をつけて "
        "needs-analysis train --corrections で読み込ませると、町のモデルが学びます。",
    )
    _add_config_options(review)
    review.add_argument("-n", type=int, default=150, help="書き出す回答の数（既定: 150）")
    review.add_argument(
        "--out", type=Path, default=Path("reports"), help="書き出し先のフォルダ（既定: reports）"
    )
    review.set_defaults(handler=_run_review)

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
        "--workers",
        type=int,
        default=None,
        help="同時に実行するノートブック・PDF 化するページの数（既定: 使える CPU の数）",
    )
    run.add_argument(
        "--no-pdf",
        dest="pdf",
        action="store_false",
        default=None,
        help="PDF を作らない（HTML と Excel だけ。設定ファイルの report.pdf = false と同じ）",
    )
    run.add_argument(
        "--kwic",
        metavar="語,語",
        help="探索ページで文脈を見る語（カンマ区切り。既定: 設定ファイルの report.kwic、なければ町の特徴語）",
    )
    run.add_argument(
        "--category",
        help="探索ページの「この分類になった理由」で見る分類（既定: 設定ファイルの report.category）",
    )
    run.set_defaults(handler=_run_reports)
    _add_pool_command(commands)
    return parser


def _optional_config(path: Path | None):
    from needs_analysis.config import load_config

    return load_config(path) if path is not None else None


def _run_classify(args: argparse.Namespace) -> int:
    from needs_analysis.classify import (
        RESULT_COLUMNS,
        classify_responses,
        get_classifier,
        names_beside_results,
    )
    from needs_analysis.config import DEFAULT_SURVEY_COLUMNS, load_config
    from needs_analysis.io import find_columns, read_table, write_csv
    from needs_analysis.outputs import output_file

    output_file(args.output, "-o", create_folder=True)
    # Like run: the sample municipality's config (and its own model) when none is named.
    config = load_config(args.config)
    table = read_table(args.input, encoding=args.encoding, sheet=args.sheet)
    for note in table.notes:
        print(f"注意: {note}", file=sys.stderr)
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
    added = RESULT_COLUMNS if args.english_columns else tuple(JAPANESE_RESULT_COLUMNS.values())
    names, renamed = names_beside_results(_unique_columns(table.header), added)
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
    if not args.english_columns:
        output = output.rename(columns=JAPANESE_RESULT_COLUMNS)
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


# The names the classify command gives its result columns unless --english-columns.
JAPANESE_RESULT_COLUMNS = {"categories": "分類", "confidence": "確信度", "evidence": "根拠の語"}


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

    from needs_analysis.classify import ModelSources
    from needs_analysis.config import load_config
    from needs_analysis.retrain import (
        add_labeled,
        apply_corrections,
        format_change,
        refit,
        training_counts,
    )
    from needs_analysis.taxonomy import load_taxonomy

    if args.replace_bundled and args.labeled is None:
        raise NeedsAnalysisError("--replace-bundled は --labeled と一緒に指定してください。")
    if args.labeled is not None and args.corrections is not None:
        raise NeedsAnalysisError("--labeled と --corrections は別々に実行してください。")
    config = load_config(args.config)
    started = time.perf_counter()
    change = None
    if args.corrections is not None:
        result = apply_corrections(config, args.corrections, args.fiscal_year)
        print(
            f"確認シートの修正を保存しました: {result.stored}（この年度の修正 {result.stored_rows:,}件）"
        )
        if result.skipped:
            print(f"  ○ のない行・要確認の行 {result.skipped:,}件は使っていません。")
        model, path, change = result.model, result.path, result.change
    elif args.labeled is not None:
        result = add_labeled(config, args.labeled, args.replace_bundled)
        how = (
            "同梱の学習データの代わりに使います"
            if args.replace_bundled
            else "同梱の学習データに加えます"
        )
        print(
            f"町のラベル付きの回答 {result.stored_rows:,}件を保存しました（{how}）: {result.stored}"
        )
        model, path, change = result.model, result.path, result.change
    else:
        model, path = refit(config)
    sources = ModelSources.from_config(config)
    taxonomy = load_taxonomy(sources.taxonomy)
    print(f"モデルを作りました（{time.perf_counter() - started:.1f}秒）: {path}")
    print(f"学習した回答: {model.metadata['examples']:,}件")
    print(f"辞書: {model.metadata['dictionary_version']}")
    encoder = "使わない（速い分類）" if model.fast else model.metadata["encoder_version"]
    print(f"文の埋め込み: {encoder}")
    counts = training_counts(sources, taxonomy)
    print("  " + "　".join(f"{label} {count:,}" for label, count in counts.items()))
    corrections = model.metadata.get("town_corrections", 0)
    if corrections:
        print(f"町の修正 {corrections:,}件を反映（重み {sources.corrections_weight:g}）")
    if change is not None:
        for line in format_change(change):
            print(line)
    if args.check_rules:
        _print_rule_notes(model, sources, taxonomy)
    print(f"以後、設定ファイル {config.path} の classify・run・review はこのモデルを使います。")
    return 0


def _print_rule_notes(model, sources, taxonomy) -> None:
    from needs_analysis.retrain import training_answers

    labeled = training_answers(sources, taxonomy)
    analyses = model.pipeline.named_steps["analyze"].transform(labeled["text"])
    notes = model.rules.diagnose([analysis.answer for analysis in analyses])
    print("ルールの点検:" if notes else "ルールの点検: 問題はありません。")
    for note in notes:
        print(f"  - {note}")


def _run_review(args: argparse.Namespace) -> int:
    import time

    from needs_analysis.config import load_config
    from needs_analysis.review import write_review

    if args.n < 1:
        raise NeedsAnalysisError("-n には1以上の数を指定してください。")
    config = load_config(args.config)
    started = time.perf_counter()
    result = write_review(config, args.fiscal_year, args.out, args.n)
    print(f"確認シートを書き出しました（{time.perf_counter() - started:.1f}秒）: {result.path}")
    print(f"  迷った回答 {result.rows:,}件（異なる回答 {result.candidates:,}件から）")
    print(
        "  正しい分類に ○ をつけて保存し、needs-analysis train --config 設定ファイル "
        f"--corrections {result.path.name} で読み込ませてください。"
    )
    return 0


def _run_reports(args: argparse.Namespace) -> int:
    import time

    from needs_analysis.config import format_fiscal_year, load_config
    from needs_analysis.notebooks import NotebookError
    from needs_analysis.outputs import output_folder
    from needs_analysis.report import run_reports

    config = load_config(args.config)
    year = args.fiscal_year or config.fiscal_year
    output_folder(args.out, "--out")
    output_folder(args.out / str(year), "--out")
    started = time.perf_counter()
    print(f"{config.municipality} {format_fiscal_year(year)} の資料を作ります。", flush=True)

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}秒] {message}", flush=True)

    try:
        result = run_reports(
            config,
            year,
            args.out,
            progress=progress,
            workers=args.workers,
            pdf=args.pdf,
            kwic=_comma_list(args.kwic),
            category=args.category,
        )
    except NotebookError as error:
        print(f"エラー: {error}", file=sys.stderr)
        return 1
    print(f"できあがり（{time.perf_counter() - started:.1f}秒）: {result.out_dir}")
    print(f"  全体資料: {result.out_dir / 'index.html'}")
    pdfs = [path for path in result.files if path.suffix == ".pdf"]
    if pdfs:
        print(f"  PDF: {len(pdfs)}件（HTML と同じ名前で同じフォルダ）")
    if result.note:
        print(f"注意: {result.note}")
    for stage, seconds in result.timings.items():
        print(f"  {stage}: {seconds:.1f}秒")
    return 0


def _comma_list(value: str | None) -> list[str] | None:
    """「送迎,ゴミ」 or 「送迎、ゴミ」 → ["送迎", "ゴミ"]; None when the option was not given."""
    if value is None:
        return None
    return [word.strip() for word in value.replace("、", ",").split(",") if word.strip()]


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
    except OSError as error:
        # A file-system problem the checks before the work could not foresee (a disk that
        # filled up, a file another program holds open): one sentence, not a traceback.
        where = f"{error.filename}: " if error.filename else ""
        print(f"エラー: {where}ファイルを読み書きできません（{error.strerror}）。", file=sys.stderr)
        return EXIT_USER_ERROR


def _run_check(args: argparse.Namespace) -> int:
    from needs_analysis.config import format_fiscal_year, load_config
    from needs_analysis.io import load_resources, load_survey
    from needs_analysis.tokenize import Tokenizer

    if args.survey is not None and args.config is None:
        raise NeedsAnalysisError(
            f"{args.survey} を検査するには、その町の圏域表がある設定ファイルを --config で"
            "指定してください（省略すると同梱のサンプル町の圏域で検査してしまいます）。"
        )
    config = load_config(args.config)
    year = args.fiscal_year or config.fiscal_year
    survey_path = args.survey or config.survey(year).path
    rejects_target = _rejects_target(args.rejects, year, Path(survey_path))
    data = load_survey(
        config, args.fiscal_year, path=args.survey, encoding=args.encoding, sheet=args.sheet
    )
    print(f"年度: {format_fiscal_year(data.fiscal_year)}")
    tokenizer = Tokenizer(config.user_dictionary)
    _print_summary("調査ファイル", data.summary, data.rejects, rejects_target, tokenizer)
    if args.survey is None and config.resources is not None:
        resources = load_resources(config)
        target = _rejects_target(None, year, resources.summary.path)
        _print_summary("資源一覧", resources.summary, resources.rejects, target, tokenizer)
    return 0


def _rejects_target(option: Path | None, year: int, source: Path) -> Path:
    """Where a file's rejected rows go, checked before the file is read."""
    from needs_analysis.outputs import output_file

    name = f"{source.stem}_rejects.csv"
    if option is None:
        return output_file(
            Path("reports") / str(year) / "rejects" / name,
            "除外した行の書き出し先",
            create_folder=True,
        )
    if option.is_dir():
        option = option / name
    return output_file(option, "--rejects")


def _print_summary(kind: str, summary, rejects: pd.DataFrame, target: Path, tokenizer) -> None:
    from needs_analysis.io import write_csv
    from needs_analysis.privacy import mask_table

    print(f"{kind}: {summary.path}（{summary.encoding_label}）")
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
    if summary.with_text or kind == "調査ファイル":
        print(f"自由記述に回答あり: {summary.with_text:,}")
    print("圏域ごとの件数" + ("（うち自由記述あり）:" if kind == "調査ファイル" else ":"))
    for area, count in summary.respondents_by_area.items():
        extra = f"（{summary.with_text_by_area.get(area, 0):,}）" if kind == "調査ファイル" else ""
        print(f"  {area}: {count:,}{extra}")
    if summary.rejected:
        write_csv(mask_table(rejects, tokenizer), target)
        print(f"除外した行の一覧（回答者IDは残し、回答の個人情報は伏せ字）: {target}")


def _add_pool_command(commands) -> None:
    pool = commands.add_parser(
        "pool",
        help="複数の町の調査をまとめて分類・集計し、町ごとの比較を書き出す（Dask）",
        description="プールの設定ファイル（TOML）に並べた町の設定ごとに調査を読み込み、Dask で分類し、"
        "町ごとの困りごとの割合（95%区間つき）と不足の候補を並べた全体資料と Excel を "
        "<out>/pool/ に書き出します。--scheduler を省くとこの計算機の中に Dask のクラスタを作ります。",
    )
    pool.add_argument("pool", type=Path, metavar="POOL.toml", help="プールの設定ファイル（TOML）")
    pool.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="既存の Dask クラスタのスケジューラ（tcp://host:8786）",
    )
    pool.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="この計算機に作るワーカーの数（既定: CPU のコア数）",
    )
    pool.add_argument(
        "--fast",
        action="store_true",
        help="速い分類（ルールと語の特徴だけ。文の意味のモデルを使わない）",
    )
    pool.add_argument(
        "--out", type=Path, default=Path("reports"), help="書き出し先のフォルダ（既定: reports）"
    )
    pool.set_defaults(handler=_run_pool)


def _run_pool(args: argparse.Namespace) -> int:
    import time

    from needs_analysis.pool import connect, load_pool, run_pool
    from needs_analysis.pool_report import write_overview

    pool = load_pool(args.pool)
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}秒] {message}", flush=True)

    if args.scheduler and args.workers:
        print("注意: --scheduler を指定したので --workers は使いません。", file=sys.stderr)
    print(f"{pool.name}: {len(pool.members)}町をまとめて処理します。", flush=True)
    with connect(args.scheduler, args.workers) as client:
        workers = len(client.scheduler_info().get("workers", {}))
        print(f"Dask のワーカー: {workers}　ダッシュボード: {client.dashboard_link}", flush=True)
        result = run_pool(pool, client, fast=args.fast, show_progress=True, say=say)
    out_dir = args.out / "pool"
    files = write_overview(result, out_dir)
    print()
    for town in result.towns:
        if town.processed:
            summary = town.summary
            print(
                f"  {town.town}: 読み込んだ行 {summary.rows_read:,} = 受け付けた行 "
                f"{summary.accepted:,} + 除外した行 {summary.rejected:,}"
            )
        else:
            print(f"  {town.town}: 処理できませんでした（{town.error}）", file=sys.stderr)
    print(f"できあがり（{time.perf_counter() - started:.1f}秒）: {out_dir}")
    for path in files[:2]:
        print(f"  {path}")
    return 0 if all(town.processed for town in result.towns) else 1


if __name__ == "__main__":
    raise SystemExit(main())
