"""Record authenticity: a monthly sample of follow-ups checked with residents by SMS."""
