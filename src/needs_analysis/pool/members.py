"""The pool file: which towns' configs a pool runs together, and for which fiscal year.

A minimal pool file::

    [pool]
    name = "〇〇県 生活支援ニーズ"
    fiscal_year = 2025          # optional: otherwise each town's own default year

    [[towns]]
    config = "towns/a/config.toml"

    [[towns]]
    config = "towns/b/config.toml"
    fiscal_year = 2022          # optional, per town
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from needs_analysis.config.values import read_toml
from needs_analysis.errors import ConfigError


@dataclass(frozen=True)
class Member:
    """One town of the pool: its config file and the fiscal year to analyse."""

    config_path: Path
    fiscal_year: int | None = None


@dataclass(frozen=True)
class Pool:
    """A validated pool file. Build it with :func:`load_pool`."""

    path: Path
    name: str
    members: tuple[Member, ...]


def load_pool(path: Path | str) -> Pool:
    """Read and check a pool file; town configs are read later, one by one."""
    path = Path(path).resolve()
    raw = read_toml(path)
    unknown = sorted(set(raw) - {"pool", "towns"})
    if unknown:
        raise ConfigError(path, "知らないキーです（使えるのは pool・towns）。", key=unknown[0])
    header = raw.get("pool", {})
    if not isinstance(header, dict):
        raise ConfigError(path, "表（[pool]）で書いてください。", key="pool")
    name = header.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(path, "名前を文字列で書いてください。", key="pool.name")
    default_year = _year(path, header.get("fiscal_year"), "pool.fiscal_year")
    towns = raw.get("towns")
    if not isinstance(towns, list) or not towns:
        raise ConfigError(path, "[[towns]] に町の設定ファイルを1つ以上書いてください。", "towns")
    members = []
    for number, town in enumerate(towns, start=1):
        key = f"towns[{number}]"
        if not isinstance(town, dict) or not isinstance(town.get("config"), str):
            raise ConfigError(path, "config に町の設定ファイルのパスを書いてください。", key)
        year = _year(path, town.get("fiscal_year"), f"{key}.fiscal_year") or default_year
        members.append(Member((path.parent / town["config"]).resolve(), year))
    if len({member.config_path for member in members}) != len(members):
        raise ConfigError(path, "同じ設定ファイルが2回書かれています。", "towns")
    return Pool(path, name.strip(), tuple(members))


def _year(path: Path, value: object, key: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1900 < value < 2200:
        raise ConfigError(path, "年度は西暦の整数で書いてください（例: 2025）。", key)
    return value
