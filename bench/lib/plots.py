"""Draw the benchmarks' pictures with matplotlib (PNG files under bench/results/, linked from the README)."""

from pathlib import Path

from bench.lib.report import RESULTS


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def latency_cdf(series: dict[str, list[float]], title: str, name: str) -> Path:
    """Plot the latency distribution (CDF, ms) of each labelled series of seconds; return the PNG path."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for label, values in series.items():
        if values:
            ordered = sorted(v * 1000 for v in values)
            ax.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], label=label)
    ax.axhline(0.99, color="grey", linewidth=0.6, linestyle=":")
    ax.set(xlabel="delivery latency (ms)", ylabel="share of deliveries", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, plt, name)


def catch_up(series: dict[str, list[float]], total: dict[str, int], title: str, name: str) -> Path:
    """Plot the share of clients current against seconds since the reconnect began; return the PNG path."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for label, times in series.items():
        ordered = sorted(times)
        ax.step(ordered, [(i + 1) / total[label] for i in range(len(ordered))], where="post", label=label)
    ax.set(
        xlabel="seconds since the clients began to reconnect", ylabel="share of clients current", title=title
    )
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, plt, name)


def bars(labels: list[str], series: dict[str, list[float]], ylabel: str, title: str, name: str) -> Path:
    """Plot grouped bars, one group per label and one bar per series; return the PNG path."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    width = 0.8 / max(1, len(series))
    for k, (label, values) in enumerate(series.items()):
        ax.bar([i + k * width for i in range(len(labels))], values, width, label=label)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))], labels, fontsize=8)
    ax.set(ylabel=ylabel, title=title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return _save(fig, plt, name)


def _save(fig, plt, name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
