"""The annual health check (健康体检) of managed residents."""
