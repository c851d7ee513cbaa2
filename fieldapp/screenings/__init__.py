"""Hypertension and diabetes screening of residents aged 35 or over, and its confirmation."""
