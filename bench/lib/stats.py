"""Percentiles and the delivery figures (latency, losses, duplicates, order) of a fan-out."""

import math
from dataclasses import dataclass, field


def percentile(ordered: list[float], p: float) -> float:
    """Return the nearest-rank percentile of an already sorted list (nan when empty)."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fmt_ms(value: float) -> str:
    """Format seconds as whole milliseconds ('-' for nan)."""
    return "-" if math.isnan(value) else f"{value * 1000:.0f}"


def split(n: int, parts: int) -> list[int]:
    """Split n into at most parts near-equal positive shares."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts) if n // parts or i < n % parts]


@dataclass
class Deliveries:
    """What every client received of the changes posted at known times."""

    latencies: list[float] = field(default_factory=list)
    by_change: dict[int, list[float]] = field(default_factory=dict)
    received: int = 0
    duplicates: int = 0
    out_of_order: int = 0

    def add_client(self, seq_list: list, time_list: list[float], posts: dict[int, float]) -> None:
        """Count one client's received seqs and their latencies against the POST times posts."""
        seen: set = set()
        previous = -1
        for seq, at in zip(seq_list, time_list, strict=True):
            if seq in seen:
                self.duplicates += 1
                continue
            if isinstance(seq, int):
                if seq < previous:
                    self.out_of_order += 1
                previous = max(previous, seq)
            seen.add(seq)
            if seq in posts:
                self.latencies.append(at - posts[seq])
                self.by_change.setdefault(seq, []).append(at - posts[seq])
        self.received += len(seen & posts.keys())

    def summary(self) -> dict:
        """Return p50, p99 and max latency (seconds) and the per-change medians and maxima."""
        ordered = sorted(self.latencies)
        per_change = [sorted(self.by_change[seq]) for seq in sorted(self.by_change)]
        return {
            "p50": percentile(ordered, 50),
            "p99": percentile(ordered, 99),
            "max": ordered[-1] if ordered else math.nan,
            "per_change_p50": [percentile(values, 50) for values in per_change],
            "per_change_max": [values[-1] for values in per_change],
        }
