"""The DuckDB reference: all-time points per person and metric over the same CSV files.

Reads ``logs/*.csv`` with ``read_csv``, drops void rows and what they void, and joins
with the plan's metric points (passed as JSON: {metric: points}).
Usage: python bench/duckdb_points.py REPO '{"photo": 3, ...}'
"""

from __future__ import annotations

import json
import sys

import duckdb

root, points = sys.argv[1], json.loads(sys.argv[2])
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
    GROUP BY person, a.metric ORDER BY person, a.metric
    """
).fetchall()
print(len(rows), "rows;", "total points", sum(r[2] for r in rows))
