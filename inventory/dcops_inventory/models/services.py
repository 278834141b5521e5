"""What the data center exists for: services, their dependencies, goals and redundancy."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictFloat, StrictInt

from dcops_inventory.choices import Criticality, GoalScope, PartyKind, Redundancy
from dcops_inventory.models.base import Bool, Finite, Name, Part, PositiveInt, Provenance, Record, Text
from dcops_inventory.models.meta import ChannelName
from dcops_inventory.models.reliability import Reliability


class RunsOn(Part):
    vms: list[Name] = []
    devices: list[Name] = []
    circuits: list[Name] = []


class Service(Record):
    name: Name
    number: PositiveInt | None = None  # its number in the source that lists it (a row of a table)
    title: Text
    channels: list[ChannelName] = []  # each one of meta.channels
    criticality: Criticality
    runs_on: RunsOn = RunsOn()
    depends_on: list[Name] = []
    external: list[Name] = []
    availability_goal: Name | None = None
    owner: Name | None = None
    description: Text | None = None
    provenance: Provenance


class ExternalParty(Record):
    name: Name
    title: Text
    kind: PartyKind
    via: Name | None = None
    reliability: Reliability | None = None  # e.g. its published SLA
    provenance: Provenance


Percent = Annotated[StrictInt | StrictFloat, Field(gt=0, lt=100), Finite]


class AvailabilityGoal(Record):
    """An explicit target: the plan states none, so each goal names its source."""

    name: Name
    scope: GoalScope
    subjects: list[Name] = []  # sites or redundancy groups, by scope; services point at goals
    target_percent: Percent
    window_days: PositiveInt
    source: Text
    indicative: Bool
    description: Text | None = None
    provenance: Provenance

    @property
    def allowed_downtime_minutes(self) -> float:
        return self.window_days * 24 * 60 * (100 - self.target_percent) / 100


class RedundancyGroup(Record):
    """Members that back each other up; `needed` is N, the count that carries the load."""

    name: Name
    requirement: Redundancy
    needed: PositiveInt = 1
    members: list[Name]
    description: Text | None = None
    provenance: Provenance

    @property
    def minimum_members(self) -> int:
        return {"N": self.needed, "N+1": self.needed + 1, "2N": 2 * self.needed}[self.requirement]
