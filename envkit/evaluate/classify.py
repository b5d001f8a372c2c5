"""Classifier evaluation: confusion matrix, ROC and AUC, the high-confidence catalogue, top-k accuracy.

Hand-written in numpy rather than scikit-learn (a large dependency for four formulas): AUC is the
Mann-Whitney rank statistic (ties count one half), the ROC curve is the cumulative count of positives
and negatives over the scores sorted from high to low.

Example:
    >>> import numpy as np
    >>> auc(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 1, 0, 0]))
    1.0
    >>> confusion(np.array([0, 1, 1]), np.array([0, 1, 0]), 2).tolist()
    [[1, 0], [1, 1]]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from envkit.evaluate.plots import pyplot, save

CONFIDENT = 0.9999  # the AI-DES paper's threshold for its catalogue of DES galaxies


def confusion(true: np.ndarray, pred: np.ndarray, classes: int) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    return np.bincount(true * classes + pred, minlength=classes * classes).reshape(classes, classes)


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of `score` for the boolean `positive` (NaN when one class is absent)."""
    pos = positive.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    # average ranks of ties (1-based)
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for f, c in zip(first, counts, strict=True):
        ranks[order[f:f + c]] = f + (c + 1) / 2.0
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc(score: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate) over decreasing thresholds, from (0, 0) to (1, 1)."""
    pos = positive.astype(bool)
    order = np.argsort(-score, kind="mergesort")
    tp = np.concatenate([[0], np.cumsum(pos[order])])
    fp = np.concatenate([[0], np.cumsum(~pos[order])])
    return fp / max(fp[-1], 1), tp / max(tp[-1], 1)


def binary_report(prob: np.ndarray, true: np.ndarray, classes: tuple[str, ...],
                  out_dir: str | os.PathLike[str] | None = None, title: str = "",
                  positive: str | None = None) -> dict[str, Any]:
    """Confusion matrix, accuracy, per-class recall and precision, ROC AUC, and the catalogue of
    galaxies classified with probability >= 0.9999 (its size and purity per class); `roc.png` when
    `out_dir` is given. `prob` is (N, 2) class probabilities (column i: `classes[i]`), `true` the labels;
    the ROC's positive class is `positive` (default the first)."""
    pos = classes.index(positive) if positive is not None else 0
    pred = prob.argmax(axis=1)
    cm = confusion(true, pred, len(classes))
    n = len(true)
    out: dict[str, Any] = {"n": n, "accuracy": float((pred == true).mean()) if n else None,
                           "confusion": {"rows_true_cols_predicted": list(classes), "counts": cm.tolist()}}
    for c, name in enumerate(classes):
        out[f"recall_{name}"] = float(cm[c, c] / cm[c].sum()) if cm[c].sum() else None
        out[f"precision_{name}"] = float(cm[c, c] / cm[:, c].sum()) if cm[:, c].sum() else None
    out["auc"] = auc(prob[:, pos], true == pos)
    out["auc_positive_class"] = classes[pos]
    catalogue: dict[str, Any] = {"threshold": CONFIDENT}
    for c, name in enumerate(classes):
        chosen = prob[:, c] >= CONFIDENT
        k = int(chosen.sum())
        catalogue[name] = {"size": k, "purity": float((true[chosen] == c).mean()) if k else None}
    total = int(sum(catalogue[name]["size"] for name in classes))
    right = sum(int(((prob[:, c] >= CONFIDENT) & (true == c)).sum()) for c in range(len(classes)))
    catalogue["all"] = {"size": total, "fraction_of_test": total / n if n else None,
                        "purity": right / total if total else None}
    out["catalogue"] = catalogue
    if out_dir is not None:
        _plot_binary(prob, true, cm, classes, out, Path(out_dir) / "roc.png", title, pos)
        out["figure"] = "roc.png"
    return out


def _plot_binary(prob: np.ndarray, true: np.ndarray, cm: np.ndarray, classes: tuple[str, ...],
                 rep: dict[str, Any], path: Path, title: str, pos: int = 0) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 3.8))
    ax = axes[0]
    ax.imshow(cm, cmap="Blues")
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel="predicted", ylabel="true", title=f"confusion (accuracy {rep['accuracy']:.3f})")
    ax = axes[1]
    fpr, tpr = roc(prob[:, pos], true == pos)
    ax.plot(fpr, tpr, lw=2)
    ax.plot([0, 1], [0, 1], "k:", lw=1)
    ax.set(xlabel="false-positive rate", ylabel="true-positive rate",
           title=f"ROC, {classes[pos]} positive (AUC {rep['auc']:.4f})")
    ax = axes[2]
    edges = np.linspace(0, 1, 41)
    for c, name in enumerate(classes):
        ax.hist(prob[true == c, pos], bins=edges, alpha=0.6, label=f"true {name}")
    ax.axvline(CONFIDENT, color="k", ls=":", lw=1)
    ax.axvline(1 - CONFIDENT, color="k", ls=":", lw=1)
    ax.set_yscale("log")
    cat = rep["catalogue"]["all"]
    purity = f"{cat['purity']:.4f}" if cat["purity"] is not None else "n/a"
    ax.set(xlabel=f"P({classes[pos]})", ylabel="test images",
           title=f"p >= {CONFIDENT}: {cat['size']} images, purity {purity}")
    ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save(fig, path)


def topk_report(topk: np.ndarray, true: np.ndarray) -> dict[str, Any]:
    """Top-1 and top-5 accuracy from the (N, k) indices of the highest scores, best first."""
    hits = topk == true[:, None]
    n = len(true)
    return {"n": n, "top1": float(hits[:, 0].mean()) if n else None,
            "top5": float(hits[:, :5].any(axis=1).mean()) if n else None}
