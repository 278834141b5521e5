"""How rules are rendered: the rule profile, where runbooks live, where notifications go.

Two profiles. `production` keeps every alert's `for:` as designed and evaluates rules at
Prometheus' global evaluation_interval (the budget over a goal's whole window every 5m,
since it moves slowly and reads weeks of samples). `lab` shortens every `for:` to 10s and
evaluates every 5s, so an alert shows within seconds on the simulated data center; rule
files rendered with it say so in their first line and must never be loaded in production.
The thresholds, windows and burn-rate factors are the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_RUNBOOK_BASE_URL = "https://github.com/dcops/dcops/blob/main/runbooks"
DEFAULT_ALERTMANAGER = "localhost:9093"


@dataclass(frozen=True)
class RuleProfile:
    name: str
    group_interval: str | None  # None: Prometheus' global evaluation_interval
    budget_interval: str  # the group that reads a goal's whole window
    hold: str | None  # replaces every non-zero `for:`; None keeps the designed ones
    banner: str | None = None  # first line of every rule file

    def hold_for(self, designed: str) -> str:
        return self.hold if self.hold and designed != "0s" else designed


PROFILES = {
    "production": RuleProfile("production", group_interval=None, budget_interval="5m", hold=None),
    "lab": RuleProfile("lab", group_interval="5s", budget_interval="30s", hold="10s",
                       banner="# LAB RULE PROFILE: every for: is 10s and groups run every 5s. Never load in production."),
}


def _check_url(option: str, url: str | None) -> None:
    if url is not None and not url.startswith(("http://", "https://")):
        raise ValueError(f"{option} must be an http(s) URL, got {url!r}")


@dataclass(frozen=True)
class RuleOptions:
    """Render options; ValueError naming the command-line option on a bad value."""

    profile: str = "production"
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL
    alert_webhook: str | None = None  # every page and ticket receiver posts here
    watchdog_webhook: str | None = None  # the dead man's switch that expects the watchdog alert

    def __post_init__(self):
        if self.profile not in PROFILES:
            raise ValueError(f"--rule-profile must be one of {', '.join(sorted(PROFILES))}, got {self.profile!r}")
        _check_url("--runbook-base-url", self.runbook_base_url)
        _check_url("--alert-webhook", self.alert_webhook)
        _check_url("--watchdog-webhook", self.watchdog_webhook)

    @property
    def rule_profile(self) -> RuleProfile:
        return PROFILES[self.profile]

    def runbook_url(self, component: str, alert: str) -> str:
        return f"{self.runbook_base_url.rstrip('/')}/{component}/{alert}.md"
