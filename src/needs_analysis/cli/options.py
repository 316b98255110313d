"""The commands of ``needs-analysis`` and their options, with help in Japanese."""

from __future__ import annotations

import argparse
from pathlib import Path

from needs_analysis import __version__
from needs_analysis.cli.parser import JapaneseParser


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
    _add_check(commands)
    _add_classify(commands)
    _add_evaluate(commands)
    _add_train(commands)
    _add_review(commands)
    _add_run(commands)
    _add_pool(commands)
    _add_lab(commands)
    return parser


def _add_check(commands) -> None:
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
        help="除外した行の書き出し先（既定: 町の資料のフォルダの <年度>/rejects/<ファイル名>_rejects.csv）",
    )


def _add_classify(commands) -> None:
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


def _add_evaluate(commands) -> None:
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


def _add_train(commands) -> None:
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
        help="記入した確認シートか点検シート（needs-analysis review が書いた .xlsx）",
    )
    train.add_argument(
        "--check-rules",
        action="store_true",
        help="ルールの点検（何にも当たらないルール・辞書が出さない語）も表示する",
    )
    _add_config_options(train)


_OUT_HELP = (
    "書き出し先のフォルダ。この下に <年度> のフォルダを作ります（既定: 設定ファイルの "
    "[report] out、なければ設定ファイルの隣の reports。同梱のサンプル町は今いるフォルダの reports）"
)


def _add_review(commands) -> None:
    review = commands.add_parser(
        "review",
        help="分類が迷った回答を確認シート（Excel）に書き出す",
        description="モデルが最も迷った回答（同じ文は1行、分類・圏域に偏らないよう選ぶ）を伏せ字で "
        "町の資料のフォルダの <年度>/review_<年度>.xlsx に書き出します。正しい分類に ○ をつけて "
        "needs-analysis train --corrections で読み込ませると、町のモデルが学びます。"
        "--sample N では、割合を補正するために無作為に選んだ N 件を点検シート "
        "<年度>/check_<年度>.xlsx に書き出します（記入して run --check で使います）。",
    )
    _add_config_options(review)
    review.add_argument("-n", type=int, default=150, help="書き出す回答の数（既定: 150）")
    review.add_argument("--out", type=Path, default=None, help=_OUT_HELP)
    review.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="迷った回答の代わりに、割合を補正するための点検シート（check_<年度>.xlsx）に"
        "無作為に選んだ N 件を書き出す（先に、必要な件数の見込みを表示します）",
    )
    review.add_argument(
        "--half-width",
        type=float,
        default=3.0,
        metavar="ポイント",
        help="--sample の見込みで目標にする、町全体の割合の95%%区間の半分の幅（既定: 3 = ±3ポイント）",
    )
    review.add_argument(
        "--seed", type=int, help="--sample の乱数の種（同じ種なら同じ回答を選ぶ。既定: 毎回新しく）"
    )


def _add_run(commands) -> None:
    run = commands.add_parser(
        "run",
        help="分類・集計・ノートブックの実行をして、年度の資料を町の資料のフォルダに書き出す",
        description="回答を分類し、圏域ごとの困りごとと資源を集計し、ノートブックを実行して "
        "町の資料のフォルダ（既定: 設定ファイルの隣の reports）の <年度>/ に全体資料（index.html）・圏域ごとの配布資料・計画の表・Excel を書き出します。"
        "引数なしでは同梱のサンプル町で実行します。",
    )
    _add_config_options(run)
    run.add_argument("--out", type=Path, default=None, help=_OUT_HELP)
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
    run.add_argument(
        "--check",
        type=Path,
        help="記入した点検シート（review --sample が書いた .xlsx）。職員の確認で割合を補正する"
        "（既定: 設定ファイルの [check] の file）",
    )


def _add_config_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config", type=Path, help="設定ファイル（TOML）。省略すると同梱のサンプル町の設定"
    )
    command.add_argument(
        "--fiscal-year", type=int, metavar="YYYY", help="年度（西暦）。省略すると設定ファイルの年度"
    )


def _add_pool(commands) -> None:
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


def _add_lab(commands) -> None:
    lab = commands.add_parser(
        "lab",
        help="町の最新の集計を JupyterLab の作業台で開く（検索・意見マップ・対応分析・ルールの試し・分類の修正）",
        description="needs-analysis run が保存した集計（reports/<年度>/data）から作業用のフォルダ "
        "reports/<年度>/lab/ に、町の設定を書き込んだノートブックを用意し、JupyterLab を起動して "
        "その URL を表示します。図はインターネットなしで描けます。止めるときは Ctrl+C を押します。",
    )
    _add_config_options(lab)
    lab.add_argument("--out", type=Path, default=None, help=_OUT_HELP)
    lab.add_argument(
        "--area", default="", help="作業台で最初に絞る圏域（設定ファイルの別の書き方でもよい）"
    )
    lab.add_argument("--category", default="", help="作業台で最初に絞る分類")
    lab.add_argument(
        "--port", type=int, help="JupyterLab のポート（既定: 8888、使用中なら空いているもの）"
    )
    lab.add_argument(
        "--no-browser",
        dest="browser",
        action="store_false",
        help="ブラウザを開かない（サーバーで使うとき。表示された URL を開いてください）",
    )
