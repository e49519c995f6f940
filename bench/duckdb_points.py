"""The DuckDB reference: points per person and metric over the same CSV files.

Reads ``logs/*.csv`` with ``read_csv``, drops void rows and what they void (whatever
their date), keeps the entries dated FROM..TO (and of one person with ``--person``),
and joins with the plan's metric points (passed as JSON: {metric: points}): the GROUP
BY behind the leaderboard (the plan's start to today), the month report (one month)
and the person report (one person, the plan's start to today).

Usage: python bench/duckdb_points.py REPO '{"photo": 3, ...}' FROM TO [--person ID]
"""

from __future__ import annotations

import json
import sys

import duckdb

root, points, first, last = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
person = sys.argv[sys.argv.index("--person") + 1] if "--person" in sys.argv else None
con = duckdb.connect()
con.execute("CREATE TABLE points (metric VARCHAR, points DOUBLE)")
con.executemany("INSERT INTO points VALUES (?, ?)", list(points.items()))
rows = con.execute(
    f"""
    WITH log AS (
        SELECT * FROM read_csv('{root}/logs/*.csv', header = true, all_varchar = true)
    ),
    voided AS (SELECT DISTINCT voids AS id FROM log WHERE voids IS NOT NULL),
    active AS (
        SELECT DISTINCT ON (id) * FROM log
        WHERE voids IS NULL AND id NOT IN (SELECT id FROM voided)
    )
    SELECT person, a.metric, sum(CAST(value AS DOUBLE) * p.points) AS points, count(*) AS n
    FROM active a JOIN points p ON a.metric = p.metric
    WHERE a.date BETWEEN ? AND ? AND (? IS NULL OR a.person = ?)
    GROUP BY person, a.metric ORDER BY person, a.metric
    """,
    [first, last, person, person],
).fetchall()
print(len(rows), "rows;", "total points", sum(r[2] for r in rows))
