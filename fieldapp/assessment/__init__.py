"""The assessment of village doctors: quantity, timeliness, completeness, authenticity, outcomes, training."""
