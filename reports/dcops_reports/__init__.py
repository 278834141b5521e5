"""Queries, tables and reports for capacity planners, derived from the inventory.

    from dcops_inventory import load_inventory
    from dcops_reports.views import run_query
    from dcops_reports.reports import racks_report
    columns, rows = run_query(load_inventory(), "SELECT role, count(*) FROM devices GROUP BY role")
    racks_report(load_inventory()).rows

Every collection of the inventory becomes a DuckDB view (views.py, tables.py); the canned
reports are SQL over those views (reports.py); the headroom reports are Python over the
typed records, one module each (power.py, compute.py, addresses.py, space.py with
elevation_svg.py); output.py renders any result as a table, CSV or JSON; diff.py compares
the inventory of two git revisions. `dcops report` (cli.py) puts them on the command line.
The inventory imports nothing from here.
"""
