"""Cross-record checks of what an inventory declares about itself, registered with CHECKS.

An inventory names the documents its facts come from (meta.sources) and the channels its
services use (meta.channels); records cite and use them. A citation of a source nobody
declared, a table its source does not have, a row nobody transcribed, or a channel outside
the declared ones is an error at the record. When meta itself did not load or validate,
the references to it are counted as unchecked (one line at that cause), not reported.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from dcops_inventory.checks import Context, check
from dcops_inventory.errors import Problem
from dcops_inventory.models import COLLECTIONS
from dcops_inventory.models.base import parse_citation

# Collections whose records carry `provenance`.
_CITING = tuple(name for name, model in COLLECTIONS.items() if "provenance" in model.model_fields)


def _declared(names: list[str], where: str) -> str:
    return f"{where} declares: {', '.join(names)}" if names else f"{where} declares none"


def citation_problem(ctx: Context, text: str) -> str | None:
    """What is wrong with the citation `text`, or None (also for an assumption)."""
    cited = parse_citation(text)
    if cited is None:
        return None
    meta = ctx.inv.meta
    source = meta.source(cited.source)
    if source is None:
        if ctx.unverifiable("meta"):
            return None
        return f"unknown source {cited.source!r} ({_declared([s.name for s in meta.sources], 'meta.sources')})"
    if cited.table is None:
        return None
    if not any(t.name == cited.table for t in source.tables):
        return (f"source {source.name!r} has no table {cited.table!r} "
                f"({_declared([t.name for t in source.tables], 'it')})")
    if not ctx.exists("seed_rows", cited.row_ref or ""):
        return f"unknown row {cited.row_ref!r} of source {source.name!r} (no seed_rows record transcribes it)"
    return None


@check
def citations(ctx: Context) -> Iterator[Problem]:
    """Every provenance and discrepancy figure cites a declared source, table and row."""
    for collection in _CITING:
        for rec in getattr(ctx.inv, collection):
            reason = citation_problem(ctx, rec.provenance)
            if reason:
                yield ctx.problem(collection, rec.key, "provenance", reason)
    for i, channel in enumerate(ctx.inv.meta.channels):
        reason = citation_problem(ctx, channel.provenance)
        if reason:
            # located at `channels:` (meta's nested lines are not kept), named down to the item
            yield dataclasses.replace(ctx.meta_problem("channels", reason), field=f"meta.channels[{i}].provenance")
    for disc in ctx.inv.discrepancies:
        for i, figure in enumerate(disc.figures):
            reason = citation_problem(ctx, figure.cite)
            if reason:
                yield ctx.problem("discrepancies", disc.key, f"figures[{i}].cite", reason)
        if not ctx.exists("seed_rows", disc.records_follow):
            yield ctx.problem("discrepancies", disc.key, "records_follow",
                              f"unknown row {disc.records_follow!r} (no seed_rows record transcribes it)")


@check
def seed_row_tables(ctx: Context) -> Iterator[Problem]:
    """A transcribed row belongs to a table a declared source has."""
    meta = ctx.inv.meta
    for row in ctx.inv.seed_rows:
        if meta.table_source(row.table) is None and not ctx.unverifiable("meta"):
            tables = [t.name for s in meta.sources for t in s.tables]
            listing = f"the tables of meta.sources: {', '.join(tables)}" if tables else "no source in meta.sources has tables"
            yield ctx.problem("seed_rows", row.key, "table", f"unknown table {row.table!r} ({listing})")


@check
def service_channels(ctx: Context) -> Iterator[Problem]:
    declared = [c.name for c in ctx.inv.meta.channels]
    for svc in ctx.inv.services:
        for channel in svc.channels:
            if channel not in declared and not ctx.unverifiable("meta"):
                yield ctx.problem("services", svc.key, "channels",
                                  f"unknown channel {channel!r} ({_declared(declared, 'meta.channels')})")


@check
def vcenter_logins(ctx: Context) -> Iterator[Problem]:
    """A site's vCenter logins name `credentials` records."""
    for site in ctx.inv.sites:
        if site.vcenter is None:
            continue
        for field in ("credentials", "host_credentials"):
            name = getattr(site.vcenter, field)
            if not ctx.exists("credentials", name):
                yield ctx.problem("sites", site.key, f"vcenter.{field}", f"unknown credentials {name!r}")
