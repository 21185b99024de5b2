"""Pairwise linkage quality against ground truth, by counting pairs within clusters (O(n))."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairwiseQuality:
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(sizes: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def pairwise(predicted: Mapping[str, str], truth: Mapping[str, str]) -> PairwiseQuality:
    """Both map record -> cluster; records missing from either side are ignored."""
    common = [r for r in predicted if r in truth]
    return PairwiseQuality(
        true_pairs=_pairs(Counter(truth[r] for r in common)),
        predicted_pairs=_pairs(Counter(predicted[r] for r in common)),
        correct_pairs=_pairs(Counter((predicted[r], truth[r]) for r in common)),
    )
