"""A small town for the workbench's unit tests: answers whose words and groups are known."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.textstats import build_documents

# 北 (8 answers) talks about buses and the 配食サービス, 南 (7) about rubbish, 西 (3) about
# snow: 西 has fewer answers than the disclosure threshold of 5.
ANSWERS = [
    ("n1", "北", "一人暮らし", "バスが少なくて病院に行けない", ("移動支援",)),
    ("n2", "北", "夫婦のみ", "バスの本数を増やしてほしい", ("移動支援",)),
    ("n3", "北", "一人暮らし", "病院へ送ってくれる人がいない", ("移動支援",)),
    ("n4", "北", "夫婦のみ", "配食サービスを使いたい", ("配食",)),
    ("n5", "北", "一人暮らし", "配食サービスがあると助かる", ("配食",)),
    ("n6", "北", "夫婦のみ", "配食サービスの回数を増やして", ("配食",)),
    ("n7", "北", "一人暮らし", "バスがないので配食サービスを頼む", ("移動支援", "配食")),
    ("n8", "北", "夫婦のみ", "バス停が遠くて送迎がほしい", ("移動支援",)),
    ("s1", "南", "一人暮らし", "ゴミ出しが大変です", ("ゴミ出し",)),
    ("s2", "南", "夫婦のみ", "ゴミを運ぶのがつらい", ("ゴミ出し",)),
    ("s3", "南", "一人暮らし", "ゴミ出しを手伝ってほしい", ("ゴミ出し",)),
    ("s4", "南", "夫婦のみ", "ゴミの分別が難しい", ("ゴミ出し",)),
    ("s5", "南", "一人暮らし", "ゴミ出しと配食サービスをお願いしたい", ("ゴミ出し", "配食")),
    ("s6", "南", "夫婦のみ", "特に困っていることはない", ()),
    ("s7", "南", "一人暮らし", "ゴミ置き場が遠い", ("ゴミ出し",)),
    ("w1", "西", "一人暮らし", "雪かきができない", ("家事支援",)),
    ("w2", "西", "夫婦のみ", "雪で外に出られない", ("家事支援",)),
    ("w3", "西", "一人暮らし", "冬は雪が心配", ("見守り",)),
    ("x1", "北", "一人暮らし", "", ()),
]


def lab_documents() -> pd.DataFrame:
    frame = pd.DataFrame(
        ANSWERS, columns=["respondent_id", "area", "household", "text", "categories"]
    )
    frame["evidence"] = ""
    return build_documents(frame)


def lab_bench(config, documents: pd.DataFrame | None = None):
    """A Workbench on the small town (a stand-in for the saved run: only what it reads)."""
    from needs_analysis.lab.session import Workbench

    taxonomy = load_taxonomy()
    run = SimpleNamespace(
        documents=lab_documents() if documents is None else documents,
        min_count=5,
        taxonomy=taxonomy,
        areas=["北", "南", "西"],
        fiscal_year=2025,
        user_dictionary="",
        rules_path="",
        part_digests={},
    )
    return Workbench(config, run)
