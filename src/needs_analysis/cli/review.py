"""``needs-analysis review``: the review sheet of the answers the model is least sure
about, or (``--sample N``) the check sheet of a random sample that corrects the rates."""

from __future__ import annotations

import argparse

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.progress import Stopwatch


def run_review(args: argparse.Namespace) -> int:
    from needs_analysis.config.load import load_config
    from needs_analysis.outputs import report_root
    from needs_analysis.review.sheet import write_review

    if args.sample is not None:
        return _run_sample(args)
    if args.n < 1:
        raise NeedsAnalysisError("-n には1以上の数を指定してください。")
    config = load_config(args.config)
    watch = Stopwatch()
    result = write_review(config, args.fiscal_year, report_root(config, args.out), args.n)
    print(f"確認シートを書き出しました（{watch.elapsed():.1f}秒）: {result.path}")
    print(f"  迷った回答 {result.rows:,}件（異なる回答 {result.candidates:,}件から）")
    print(
        "  正しい分類に ○ をつけて保存し、needs-analysis train --config 設定ファイル "
        f"--corrections {result.path.name} で読み込ませてください。"
    )
    return 0


def _run_sample(args: argparse.Namespace) -> int:
    from needs_analysis.config.load import load_config
    from needs_analysis.outputs import report_root
    from needs_analysis.review.check_draw import write_check_sample

    config = load_config(args.config)
    watch = Stopwatch()
    result = write_check_sample(
        config,
        args.fiscal_year,
        report_root(config, args.out),
        args.sample,
        half_width=args.half_width / 100,
        seed=args.seed,
        on_plan=_print_plan,
    )
    print(f"点検シートを書き出しました（{watch.elapsed():.1f}秒）: {result.path}")
    areas = "、".join(f"{area} {count:,}件" for area, count in result.per_area.items())
    print(f"  無作為に選んだ回答 {result.rows:,}件（{areas}。乱数の種 {result.seed}）")
    print(
        "  すべての行で、当てはまる分類に ○ をつけて保存し、needs-analysis run --config 設定ファイル "
        f"--check {result.path.name} で資料を作ってください。"
    )
    return 0


def _print_plan(plan) -> None:
    """How many checks the chosen half-width needs, before the draw."""
    target = f"±{plan.half_width * 100:g}ポイント"
    print(
        f"自由記述のある回答 {plan.answers:,}件。町全体の割合の95%区間を{target}にするには、"
        + (
            f"約{plan.needed:,}件の確認が必要です（機械の確信度から見込んだ数）。"
            if plan.needed is not None
            else "すべて確認しても届きません。"
        )
    )
    print(
        f"  {plan.planned:,}件の確認では、区間はおよそ±{plan.expected * 100:.1f}ポイントの見込みです"
        "（分類の確信度が実際より高いと、これより広くなります）。"
    )
