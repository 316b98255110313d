"""The need categories, read from a TOML file a municipality can copy and extend."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from needs_analysis.config.values import read_toml
from needs_analysis.errors import ConfigError
from needs_analysis.paths import package_file


@dataclass(frozen=True)
class Taxonomy:
    """Ordered need labels with descriptions, the catch-all label, and display roll-up."""

    labels: tuple[str, ...]
    descriptions: dict[str, str]
    other: str = "その他"
    rollup: dict[str, tuple[str, ...]] = field(default_factory=dict)


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read a taxonomy file; ``None`` reads the default shipped with the package."""
    path = Path(path) if path is not None else package_file("taxonomy.toml")
    raw = read_toml(path)
    categories = raw.get("categories")
    if not isinstance(categories, list) or not categories:
        raise ConfigError(path, "分類を [[categories]] で1つ以上書いてください。", key="categories")
    labels: list[str] = []
    descriptions: dict[str, str] = {}
    for index, entry in enumerate(categories, start=1):
        key = f"categories[{index}]"
        label = entry.get("label") if isinstance(entry, dict) else None
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(path, "label を文字列で書いてください。", key=f"{key}.label")
        if label in labels:
            raise ConfigError(path, f"分類「{label}」が2回あります。", key=f"{key}.label")
        labels.append(label.strip())
        descriptions[label.strip()] = str(entry.get("description", "")).strip()
    other = raw.get("other", "その他")
    if not isinstance(other, str) or other in labels:
        raise ConfigError(path, "分類と重ならない文字列で書いてください。", key="other")
    rollup_raw = raw.get("rollup", {})
    rollup: dict[str, tuple[str, ...]] = {}
    for heading, members in rollup_raw.items():
        unknown = [m for m in members if m not in labels]
        if unknown:
            raise ConfigError(
                path, f"分類にない名前があります: {'、'.join(unknown)}", key=f"rollup.{heading}"
            )
        rollup[heading] = tuple(members)
    return Taxonomy(tuple(labels), descriptions, other, rollup)
