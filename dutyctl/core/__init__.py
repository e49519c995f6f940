"""The pure core: frozen records in, frozen records out.

No files, no printing, no Rich, no Typer: plan model, syntax, schedule, rotation,
compliance, reports, the announcement. See CONTRIBUTING.md for the map.
"""
