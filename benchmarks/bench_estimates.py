"""Corrected need rates on labelled answers: do the intervals cover, and how wide are they?

    python benchmarks/bench_estimates.py [--reps 1000] [--sizes 50 100 200] [--seed 20251207]

Two towns whose true rates are known: ``pool``, the bundled labelled answers of the files
named by ``--pool`` (held out whole: the classifier is fitted once on the other bundled
files), and ``dev``, ``/work/shared/eval/dev_voices.tsv`` (evaluation only, never trained
on). The classifier's predictions are saved to a scratch file (``--predictions``) and
reused. Each town is split into synthetic areas: ``random`` (unequal sizes, answers
assigned at random: the borrowing assumption holds) or ``files`` (one area per source
file: areas that differ in their needs and in how they are written, which breaks it).
A coordinator's check of N answers is simulated with the gold labels, drawn by
``draw_checks`` (``uniform``) or by the active sampling that was tried and left out
(``active``, see :func:`active_draw`); N at or above a town's size is skipped.

Every interval is scored against the town's own gold rates (``target="answers"``): the
corrected (PPI) rate, the classical interval from the checked answers alone (λ = 0), and
the naive Wilson interval of the model's labels (what the report shows today).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_POOL = ("voices_", "lead_indirect", "more_mixed")
DEV_VOICES = Path("/work/shared/eval/dev_voices.tsv")


def default_predictions_path() -> Path:
    from needs_analysis.paths import cache_dir

    return cache_dir() / "bench_estimates_predictions.tsv"


def fit_and_predict(pool_prefixes: tuple[str, ...], path: Path) -> pd.DataFrame:
    """Fit on the bundled files outside the pool; predict the pool and dev_voices; save."""
    from needs_analysis.classify import NeedClassifier, predict_answers
    from needs_analysis.classify.labeled import read_labeled
    from needs_analysis.config.taxonomy import load_taxonomy
    from needs_analysis.paths import labeled_data_dir, package_file
    from needs_analysis.text.normalize import normalize_text

    taxonomy = load_taxonomy()
    files = sorted(labeled_data_dir().glob("*.tsv"))
    held = [f for f in files if f.name.startswith(pool_prefixes)]
    base = pd.concat([read_labeled(f, taxonomy) for f in files if f not in held])
    pool = pd.concat([read_labeled(f, taxonomy) for f in held], ignore_index=True)
    dev = read_labeled(DEV_VOICES, taxonomy)
    seen = set(base["text"].map(normalize_text))
    pool = pool[~pool["text"].map(normalize_text).isin(seen)].assign(town="pool")
    dev = dev.assign(town="dev", in_training=dev["text"].map(normalize_text).isin(seen))
    started = time.perf_counter()
    model = NeedClassifier.for_taxonomy(taxonomy, rules_path=package_file("rules.txt"))
    model.fit(base["text"], base["labels"])
    print(f"fitted on {len(base):,} answers in {time.perf_counter() - started:.0f} s", flush=True)
    town = pd.concat([pool, dev], ignore_index=True)
    predictions = predict_answers(model, town["text"].tolist())
    frame = pd.DataFrame(
        {
            "town": town["town"],
            "source": town["source"],
            "text": town["text"],
            "gold": town["labels"].map("|".join),
            "predicted": ["|".join(p.labels) for p in predictions],
        }
    )
    for label in taxonomy.labels:
        frame[f"p_{label}"] = [p.probabilities.get(label, np.nan) for p in predictions]
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep="\t", index=False)
    print(f"predictions saved to {path}", flush=True)
    return frame


CATEGORIES = ("移動支援", "居場所", "ゴミ出し", "見守り", "買い物支援", "家事支援", "配食")
RANDOM_SHARES = {"pool": (0.35, 0.3, 0.2, 0.15), "dev": (0.45, 0.35, 0.2)}


def load_towns(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """Per town: gold and model 0/1 labels, model probabilities, source files."""
    frame = pd.read_csv(path, sep="\t", keep_default_na=False)
    towns = {}
    for name, part in frame.groupby("town", sort=False):

        def labels(column: str, part: pd.DataFrame = part) -> np.ndarray:
            sets = part[column].str.split("|")
            return np.array([[c in s for c in CATEGORIES] for s in sets], dtype=float)

        towns[name] = {
            "gold": labels("gold"),
            "model": labels("predicted"),
            "probs": part[[f"p_{c}" for c in CATEGORIES]].to_numpy(dtype=float),
            "files": part["source"].str.split(":").str[0].str.removesuffix(".tsv").to_numpy(),
        }
    return towns


def area_split(town: dict, town_name: str, scenario: str, seed: int) -> np.ndarray:
    """Synthetic areas: random with unequal sizes, or one area per source file."""
    if scenario == "files":
        return town["files"].astype(str)
    shares = np.array(RANDOM_SHARES[town_name])
    size = town["gold"].shape[0]
    counts = np.floor(shares * size).astype(int)
    counts[0] += size - counts.sum()
    labels = np.repeat([f"圏域{i + 1}" for i in range(len(shares))], counts)
    return np.random.default_rng(seed).permutation(labels)


def wilson(count: np.ndarray, n: np.ndarray, z: float = 1.959963984540054):
    """Wilson 95% interval, vectorised (the package's published interval)."""
    p = count / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0)


def uncertainty(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """sqrt(Σ_k P(label k wrong)): the expected squared errors of an answer's labels."""
    wrong = np.where(labels > 0, 1.0 - probabilities, probabilities)
    return np.sqrt(np.clip(wrong, 0.0, 1.0).sum(axis=1))


def active_draw(areas: np.ndarray, size: int, scores: np.ndarray, seed: int, mix: float = 0.5):
    """Active sampling (Zrnic & Candès 2024), tried and left out of the package: the areas
    get the same counts as ``draw_checks``; inside an area, probability ∝ (1 − mix) ·
    uniform + mix · score (capped at 1), drawn by systematic sampling on a random order,
    which gives every answer exactly its probability."""
    from needs_analysis.estimates.sample import MIN_PER_AREA, allocate

    names, codes = np.unique(areas, return_inverse=True)
    counts = allocate(np.bincount(codes), size, MIN_PER_AREA)
    rng = np.random.default_rng(seed)
    positions, probabilities = [], []
    for code, count in enumerate(counts):
        members = np.flatnonzero(codes == code)
        local = scores[members]
        share = (1 - mix) / members.size + mix * local / local.sum()
        pi, capped = count * share, np.zeros(members.size, dtype=bool)
        while (pi > 1 + 1e-12).any():
            capped |= pi >= 1
            pi = np.where(capped, 1.0, (count - capped.sum()) * share / share[~capped].sum())
        pi = np.minimum(pi, 1.0)
        order = rng.permutation(members.size)
        cumulative = np.concatenate([[0.0], np.cumsum(pi[order])])
        hits = np.searchsorted(cumulative, rng.random() + np.arange(count), side="right") - 1
        drawn = order[np.clip(hits, 0, members.size - 1)]
        positions.append(members[drawn])
        probabilities.append(pi[drawn])
    return np.concatenate(positions), np.concatenate(probabilities)


def one_check(town: dict, areas: np.ndarray, names: list[str], size: int, active: bool, seed: int):
    """One simulated check: town (K × [ppi, classical] × [rate, low, high]), areas, methods."""
    from needs_analysis.estimates import TOWN, area_rates, draw_checks, ppi_rate

    if active:
        scores = uncertainty(town["probs"], town["model"])
        checked, pi = active_draw(areas, size, scores, seed)
    else:
        draw = draw_checks(areas, size, seed=seed)
        checked = draw["position"].to_numpy()
        pi = draw["inclusion_prob"].to_numpy()
    gold, model = town["gold"], town["model"]
    table = area_rates(
        model, gold[checked], checked, areas, CATEGORIES, inclusion_prob=pi, target="answers"
    )
    values = table[["rate", "ci_low", "ci_high"]].to_numpy().reshape(len(CATEGORIES), -1, 3)
    methods = table["method"].to_numpy().reshape(len(CATEGORIES), -1)
    assert list(table["area"].iloc[: len(names) + 1]) == [*names, TOWN]
    classical = np.array(
        [
            astuple3(
                ppi_rate(
                    model[:, k],
                    gold[checked, k],
                    checked,
                    inclusion_prob=pi,
                    areas=areas,
                    lam=0.0,
                    target="answers",
                )
            )
            for k in range(len(CATEGORIES))
        ]
    )
    town_values = np.stack([values[:, -1, :], classical], axis=1)
    return town_values, values[:, :-1, :].transpose(1, 0, 2), methods[:, :-1].T


def astuple3(estimate) -> tuple[float, float, float]:
    return (estimate.rate, estimate.ci_low, estimate.ci_high)


def simulate(
    town: dict, town_name: str, scenario: str, size: int, active: bool, reps: int, seed: int
) -> dict[str, object]:
    """Repeat the check ``reps`` times; score against the town's gold rates."""
    areas = area_split(town, town_name, scenario, seed)
    names = sorted(set(areas))
    gold, model = town["gold"], town["model"]
    inside = np.array([areas == name for name in names])
    truth_town = gold.mean(axis=0)
    truth_area = np.array([gold[mask].mean(axis=0) for mask in inside])
    runs = [
        one_check(town, areas, names, size, active, seed * 100_003 + rep) for rep in range(reps)
    ]
    town_values = np.stack([run[0] for run in runs])  # reps × K × [ppi, classical] × 3
    area_values = np.stack([run[1] for run in runs])  # reps × A × K × 3
    methods = np.stack([run[2] for run in runs])  # reps × A × K

    def covered(values: np.ndarray, truth: np.ndarray) -> np.ndarray:
        return (values[..., 1] <= truth + 1e-12) & (truth - 1e-12 <= values[..., 2])

    n_answers = inside.sum(axis=1)[:, None]
    naive_town = wilson(model.sum(axis=0), np.full(len(CATEGORIES), float(len(model))))
    naive_area = wilson(np.array([model[mask].sum(axis=0) for mask in inside]), n_answers)
    own = methods == "own"
    area_hit = covered(area_values, truth_area[None])
    return {
        "town_cover": covered(town_values, truth_town[None, :, None]).mean(axis=0),  # K × 2
        "town_width": (town_values[..., 2] - town_values[..., 1]).mean(axis=0),
        "town_bias": town_values[..., 0].mean(axis=0) - truth_town[:, None],
        "naive_cover": (naive_town[0] <= truth_town) & (truth_town <= naive_town[1]),
        "naive_width": naive_town[1] - naive_town[0],
        "naive_bias": model.mean(axis=0) - truth_town,
        "own_share": own.mean(),
        "own_cells": int(own.sum()),
        "own_cover": area_hit[own].mean() if own.any() else np.nan,
        "borrowed_cover": area_hit[~own].mean() if (~own).any() else np.nan,
        "cell_cover": area_hit.mean(axis=0),  # A × K
        "area_width": (area_values[..., 2] - area_values[..., 1]).mean(),
        "area_bias": np.abs(area_values[..., 0].mean(axis=0) - truth_area).mean(),
        "naive_area_cover": ((naive_area[0] <= truth_area) & (truth_area <= naive_area[1])).mean(),
        "naive_area_width": (naive_area[1] - naive_area[0]).mean(),
        "naive_area_bias": np.abs(
            np.array([model[mask].mean(axis=0) for mask in inside]) - truth_area
        ).mean(),
        "names": names,
    }


def town_table(rows: list[tuple]) -> list[str]:
    lines = [
        "| town | areas | N | draw | PPI cover min / mean | classical cover min / mean |"
        " naive Wilson covers | PPI mean abs bias | naive mean abs bias | PPI width |"
        " classical width | naive width |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for town, scenario, size, draw, r in rows:
        cover = r["town_cover"]
        lines.append(
            f"| {town} | {scenario} | {size} | {draw} | {cover[:, 0].min():.3f} / "
            f"{cover[:, 0].mean():.3f} | {cover[:, 1].min():.3f} / {cover[:, 1].mean():.3f} | "
            f"{int(r['naive_cover'].sum())}/{len(CATEGORIES)} | "
            f"{np.abs(r['town_bias'][:, 0]).mean():.4f} | {np.abs(r['naive_bias']).mean():.4f} | "
            f"{r['town_width'][:, 0].mean():.3f} | {r['town_width'][:, 1].mean():.3f} | "
            f"{r['naive_width'].mean():.3f} |"
        )
    return lines


def category_table(rows: list[tuple]) -> list[str]:
    lines = [
        "| town | areas | N | draw | " + " | ".join(CATEGORIES) + " |",
        "| --- | --- | ---: | --- |" + " ---: |" * len(CATEGORIES),
    ]
    for town, scenario, size, draw, r in rows:
        cells = [
            f"{c:.3f} ({w:.3f})"
            for c, w in zip(r["town_cover"][:, 0], r["town_width"][:, 0], strict=True)
        ]
        lines.append(f"| {town} | {scenario} | {size} | {draw} | " + " | ".join(cells) + " |")
    return lines


def area_table(rows: list[tuple]) -> list[str]:
    lines = [
        "| town | areas | N | draw | own share (cells) | own cover | borrowed cover | worst cell |"
        " PPI width | PPI mean abs bias | naive cover | naive width | naive mean abs bias |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for town, scenario, size, draw, r in rows:
        lines.append(
            f"| {town} | {scenario} | {size} | {draw} | {r['own_share']:.3f} ({r['own_cells']}) | "
            f"{r['own_cover']:.3f} | {r['borrowed_cover']:.3f} | {r['cell_cover'].min():.3f} | "
            f"{r['area_width']:.3f} | {r['area_bias']:.4f} | {r['naive_area_cover']:.3f} | "
            f"{r['naive_area_width']:.3f} | {r['naive_area_bias']:.4f} |"
        )
    return lines


def worst_cells(rows: list[tuple], limit: int = 8) -> list[str]:
    """The area × category cells whose intervals covered least often."""
    cells = []
    for town, scenario, size, draw, r in rows:
        for a, name in enumerate(r["names"]):
            for k, category in enumerate(CATEGORIES):
                cells.append((r["cell_cover"][a, k], town, scenario, size, draw, name, category))
    cells.sort(key=lambda cell: cell[0])
    lines = ["| cover | town | areas | N | draw | area | category |", "| ---: |" + " --- |" * 6]
    for cover, *rest in cells[:limit]:
        lines.append(f"| {cover:.3f} | " + " | ".join(str(v) for v in rest) + " |")
    return lines


def planning_table(towns: dict, rows: list[tuple]) -> list[str]:
    """The plan before any check (``review --sample``) against what the checks gave: the
    town-level half-width expected with N checks from the model's probabilities and from
    the gold labels (the widest category, ``target="answers"``), and the measured mean
    half-width of the widest category; also the error variance σ² of the worst category."""
    from needs_analysis.estimates import checks_needed
    from needs_analysis.estimates.power import error_variance

    lines = [
        "| town | N | planned ± from probabilities | planned ± from gold | measured ± |"
        " max σ² probabilities / gold |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for town, scenario, size, draw, r in rows:
        if scenario != "random" or draw != "uniform":
            continue
        data = towns[town]
        probs = np.nan_to_num(data["probs"])
        answers = data["gold"].shape[0]
        planned = [
            checks_needed(
                truth, data["model"], answers, CATEGORIES, planned=size, target="answers"
            )["planned_half_width"].iloc[-1]
            for truth in (probs, data["gold"])
        ]
        sigma = [
            max(error_variance(t[:, k], data["model"][:, k])[1] for k in range(len(CATEGORIES)))
            for t in (probs, data["gold"])
        ]
        measured = r["town_width"][:, 0].max() / 2
        lines.append(
            f"| {town} | {size} | {planned[0]:.3f} | {planned[1]:.3f} | {measured:.3f} | "
            f"{sigma[0]:.4f} / {sigma[1]:.4f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", nargs="+", default=list(DEFAULT_POOL))
    parser.add_argument("--predictions", type=Path, default=default_predictions_path())
    parser.add_argument("--refit", action="store_true")
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seed", type=int, default=20251207)
    args = parser.parse_args()
    if args.refit or not args.predictions.is_file():
        fit_and_predict(tuple(args.pool), args.predictions)
    towns = load_towns(args.predictions)
    started = time.perf_counter()
    rows = []
    plans = [("pool", "random"), ("pool", "files"), ("dev", "random")]
    for town_name, scenario in plans:
        town = towns[town_name]
        for size in args.sizes:
            if size >= len(town["gold"]):
                continue  # checking every answer needs no estimate
            for draw in ("uniform", "active"):
                result = simulate(
                    town, town_name, scenario, size, draw == "active", args.reps, args.seed
                )
                rows.append((town_name, scenario, size, draw, result))
                print(
                    f"{town_name} {scenario} N={size} {draw}: "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    summary = {
        name: (len(t["gold"]), t["gold"].mean(0), t["model"].mean(0)) for name, t in towns.items()
    }
    print(f"\n{args.reps} repetitions per row, seed {args.seed}; target: the town's own answers")
    for name, (count, gold, model) in summary.items():
        rates = ", ".join(
            f"{c} {g:.3f}/{m:.3f}" for c, g, m in zip(CATEGORIES, gold, model, strict=True)
        )
        print(f"{name}: {count} answers; gold/model rate: {rates}")
    for title, table in (
        ("Town level (95% intervals; min and mean over the 7 categories)", town_table(rows)),
        ("Town level per category: PPI coverage (mean width)", category_table(rows)),
        ("Area level (all area × category cells)", area_table(rows)),
        ("Area cells covered least often", worst_cells(rows)),
        (
            "Planning the checks (review --sample) against the measured widths",
            planning_table(towns, rows),
        ),
    ):
        print(f"\n### {title}\n")
        print("\n".join(table))
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
