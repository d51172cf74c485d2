"""Run-folder outputs: one JSON line of metrics per iteration, and the learning-curve plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class MetricsLog:
    """Appends one JSON object per line to `metrics.jsonl`; reads them back for plots and resumes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def write(self, row: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
            f.flush()

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        rows = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line cut by a crash: everything before it is intact
        return rows

    def truncate_after(self, iteration: int) -> None:
        """Keep rows up to `iteration` (a resume continues from the checkpoint, not from later rows)."""
        rows = [r for r in self.read() if r.get("iteration", 0) <= iteration]
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        tmp.replace(self.path)


def plot_learning_curve(rows: list[dict[str, Any]], path: str | Path, title: str) -> None:
    """Eval return (± standard error) against env samples (utterances played), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = [r for r in rows if "eval/return_mean" in r]
    if not pts:
        return
    x = [r["perf/env_samples"] for r in pts]
    y = [r["eval/return_mean"] for r in pts]
    e = [r.get("eval/return_stderr", 0.0) for r in pts]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(x, y, marker="o", label="greedy eval return")
    ax.fill_between(x, [a - b for a, b in zip(y, e)], [a + b for a, b in zip(y, e)], alpha=0.25, label="± std. error")
    ax.axhline(y[0], color="grey", linestyle="--", linewidth=1, label="BC start")
    ax.set_xlabel("env samples (utterances played)")
    ax.set_ylabel("eval return")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
