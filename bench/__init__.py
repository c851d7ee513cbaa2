"""``make bench``: fieldapp's performance on a synthetic county, on SQLite and PostgreSQL.

What it does
------------
``python -m bench.run`` builds (or reuses, keyed by size) a synthetic county made by
``flask demo-data --residents N`` (default 300,000 residents, about 60,000 enrollments
and a year of their follow-ups): on SQLite in ``bench/county-<N>.sqlite`` and, when
``BENCH_DATABASE_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1/bench``,
made with ``createdb bench``), on PostgreSQL too. Then it times, over repeated runs:

* one queue page (50 rows, a township, overdue, with its total), the same page of the
  ``screening`` and ``health_check`` queues, and the indicators (v2: with screenings and
  health checks) of one township-year and of the whole county, each through the whole
  Flask stack in-process (test client: authentication, view, SQL, JSON), no sockets;
* a sync push of 1,000 mixed records (250 each of residents, enrollments, full-form
  follow-ups, visits) through the same in-process stack, next to a bare SQLAlchemy Core bulk
  insert of the same rows in the same run (both from ``bench.batches.PhoneBatch``, the one
  builder of pushed batches: sync records and the equivalent table rows);
* requests per second of ``POST /api/v1/followups`` beside ``GET /api/v1/me`` (a trivial
  authenticated JSON endpoint) on one gunicorn server (2 sync workers) on loopback, driven
  by a bounded loop of ``http.client`` requests from 4 threads;
* the messaging engineer's ``bench.bench_messaging.run(database_url)`` when it exists;
* on PostgreSQL, ``bench.bench_imports``: ``flask import records`` of a 100,000-row XLSX
  register into the county's villages, the same file again, and a 20,000-row file beside
  it for memory (each a child process: wall time and peak resident set), removing what it
  imported afterwards;
* a realistic offline day (``bench.bench_offline_day``): 250 new residents, each enrolled,
  each with two follow-ups (1,000 records) in one sync push from an up-to-date phone, with
  gzip as a phone asks for it, beside a bare Core bulk insert of the same rows in the same
  run; the same push replayed from the same cursor (every record ``unchanged``); and a
  backlog of 1,000 follow-ups of 100 residents, each older than its enrollment's newest
  (``python -m bench.bench_offline_day`` runs them alone on ``BENCH_DATABASE_URL``);
* the field app over emulated 2G in Chromium (``bench.bench_field_2g``, when
  /usr/bin/chromium exists): the first sync of a doctor whose village holds 1,000 residents
  (600 enrolled, a year of follow-ups) and a daily sync of 20 records typed offline, with
  CDP ``Network.emulateNetworkConditions`` at 250 kbit/s down, 50 kbit/s up, 300 ms.

Rows go to ``bench/results.json`` (operation, database, median_ms, p95_ms, records_per_s,
peak_mem_mb) and a table is printed. ``peak_mem_mb`` is the peak Python heap of one
extra, untimed run under ``tracemalloc`` (for the county build: the builder process's peak
resident set). Timed writes add a few thousand rows to the county each run; rebuild with
``--rebuild`` when that matters.
"""
