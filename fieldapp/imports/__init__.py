"""Imports: bringing a county's existing register (residents, enrollments, last follow-ups) in."""
