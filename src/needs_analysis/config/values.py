"""Reading a TOML file and checking its values, each problem named by file and key.

Every check raises :class:`~needs_analysis.errors.ConfigError` with one Japanese sentence
and the dotted key (``surveys.2025.path``), so a coordinator can fix the file unaided.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from needs_analysis.errors import ConfigError, did_you_mean, sibling_names


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's contents; a missing, non-UTF-8 or malformed file is a ConfigError."""
    if not path.is_file():
        raise ConfigError(path, "ファイルが見つかりません。パスを確認してください。")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, "UTF-8 で保存してください。") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, f"TOML の書き方に誤りがあります（{error}）。") from None


def reject_unknown(path: Path, table: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            known = "、".join(sorted(allowed))
            raise ConfigError(
                path, f"知らないキーです（使えるキー: {known}）。", key=f"{prefix}{key}"
            )


def section(path: Path, raw: dict[str, Any], key: str, required: bool) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(path, "必須のキーがありません。", key=key)
        return {}
    if not isinstance(value, dict):
        raise ConfigError(path, f"表（[{key}]）で書いてください。", key=key)
    return value


def text_value(
    path: Path, table: dict[str, Any], name: str, key: str, required: bool = False
) -> str | None:
    value = table.get(name)
    if value is None:
        if required:
            raise ConfigError(path, "必須のキーがありません。", key=key)
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, "空でない文字列で書いてください。", key=key)
    return value.strip()


def year_value(path: Path, value: Any, key: str) -> int:
    if value is None:
        raise ConfigError(path, "必須のキーがありません。", key=key)
    try:
        year = int(str(value))
    except ValueError:
        year = 0
    if not 1990 <= year <= 2100:
        raise ConfigError(path, f"年度は西暦4桁で書いてください（値: {value!r}）。", key=key)
    return year


def path_value(
    path: Path, base: Path, table: dict[str, Any], name: str, key: str, is_dir: bool = False
) -> Path | None:
    value = text_value(path, table, name, key)
    if value is None:
        return None
    resolved = (base / value).resolve()
    exists = resolved.is_dir() if is_dir else resolved.is_file()
    if not exists:
        hint = did_you_mean(resolved.name, sibling_names(resolved))
        raise ConfigError(path, f"{resolved} が見つかりません。{hint}", key=key)
    return resolved


def text_list(path: Path, value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, (str, int)) for x in value):
        raise ConfigError(path, "文字列のリストで書いてください。", key=key)
    return tuple(str(x).strip() for x in value if str(x).strip())
