"""The national form's items as a doctor fills them: what the benchmark's follow-ups carry."""

from __future__ import annotations

from typing import Any


def full_form() -> dict[str, Any]:
    """Every item of a complete hypertension record beyond the first edition's fields."""
    return {
        "symptoms": ["none"],
        "weight_kg": 68.0,
        "height_cm": 165.0,
        "target_weight_kg": 64.0,
        "target_bmi": 23.5,
        "heart_rate": 72,
        "other_signs": "无",
        "psychological": "good",
        "compliance": "fair",
        "medication_adherence": "regular",
        "medications": [
            {"name": "氨氯地平", "times_per_day": 1, "dose": "5mg"},
            {"name": "氢氯噻嗪", "times_per_day": 1, "dose": "12.5mg"},
        ],
        "lifestyle": {
            "cigarettes_per_day": {"now": 5, "target": 0},
            "alcohol_liang_per_day": {"now": 1, "target": 0},
            "exercise_per_week": {"now": 3, "target": 5},
            "exercise_minutes": {"now": 20, "target": 30},
            "salt": {"now": "heavy", "target": "light"},
        },
        "auxiliary_exam": "心电图正常",
    }
