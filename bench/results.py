"""One row of bench/results.json, shared by every benchmark."""

from __future__ import annotations

import statistics
from typing import Any


def result_row(
    operation: str, database: str, times: list[float], records: int | None, peak_mb: float | None
) -> dict[str, Any]:
    """Median and p95 (ms) of ``times`` (seconds), with records per second at the median."""
    median = statistics.median(times)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    return {
        "operation": operation,
        "database": database,
        "median_ms": round(median * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "records_per_s": round(records / median, 1) if records else None,
        "peak_mem_mb": peak_mb,
        "runs": len(times),
    }
