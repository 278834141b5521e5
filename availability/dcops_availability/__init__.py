"""dcops_availability: each service's expected availability from the inventory's dependency graph.

blocks.py holds the reliability-block math, figures.py the component figures and their
sources, scenario.py where services run today and in the planned pair, graph.py the
diagrams, spof.py the single points of failure, report.py and cli.py the report.
"""
