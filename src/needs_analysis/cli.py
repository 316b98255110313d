"""The ``needs-analysis`` command: parses arguments, calls the package, reports in Japanese.

Problems the user can fix end in one sentence on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

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
    check.add_argument("--encoding", help="文字コード（utf-8, utf-8-sig, cp932 など）。通常は自動判別")
    check.add_argument("--sheet", help="Excel のシート名（省略すると最初のシート）")
    check.add_argument(
        "--rejects",
        type=Path,
        help="除外した行の書き出し先（既定: reports/<年度>/rejects/<ファイル名>_rejects.csv）",
    )
    check.set_defaults(handler=_run_check)
    return parser


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


def _run_check(args: argparse.Namespace) -> int:
    from needs_analysis.config import format_fiscal_year, load_config
    from needs_analysis.io import load_survey, write_csv

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
        write_csv(data.rejects, target)
        print(f"除外した行の一覧: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
