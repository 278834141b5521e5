"""One probe: validate the request, run one module against one device, render the result.

Each probe gets a fresh registry, so nothing of one device leaks into another's answer.
A device problem (timeout, refusal, garbage, missing credential) is `dcops_probe_success 0`
plus the duration, never an exception; only a request naming an unknown target or module
is refused (`BadRequest`, HTTP 400).

A failed probe also says why in `dcops_probe_failure_reason{reason}`, an enum (one series
per reason in FAILURE_REASONS, 1 for the reason that applies, 0 for the others): a dead
device and a missing credential both read `success 0`, but one calls for the network
team and the other for whoever deployed the exporter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric

from dcops_exporters.admission import Admission, Refused
from dcops_exporters.modules import MODULES, IfNameCache, ProbeContext, ProbeLog, load_builtin_modules
from dcops_exporters.snmp import SNMP_FAILURE_REASONS, SnmpClient, SnmpError
from dcops_exporters.targets import InventoryIndex, snmp_auth, snmp_endpoint
from dcops_inventory import AddressMap, Inventory, UnsafeTargetError
from dcops_inventory.secrets import SecretUnavailable

load_builtin_modules()

# Why a probe failed: the device (SNMP_FAILURE_REASONS: timeout, unreachable, auth,
# protocol), the exporter's configuration (missing_credential: a secret's environment or
# vault variable is not set; lab_guard: the lab address guard refused the address;
# configuration: the inventory lacks what the probe needs), or the exporter itself
# (overload: refused by admission control or answered late; internal: a bug).
FAILURE_REASONS = (*SNMP_FAILURE_REASONS, "missing_credential", "lab_guard", "configuration", "overload", "internal")


class BadRequest(ValueError):
    """The request itself is wrong; `reason` is the counter label."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class ProbeResult:
    success: bool
    body: bytes
    log: list[str]
    duration: float
    refused: str | None = None  # the admission reason when the probe was never started
    reason: str | None = None  # one of FAILURE_REASONS when the probe failed


class _Families:
    def __init__(self, families: list[Metric]):
        self._families = families

    def collect(self):
        return iter(self._families)


class Prober:
    """Everything a probe needs, injected: inventory, lab address map, clock, admission."""

    def __init__(self, inv: Inventory, address_map: AddressMap | None = None,
                 vault_vars: Mapping[str, str] | None = None, clock: Callable[[], float] = time.monotonic,
                 snmp_retries: int = 1, max_concurrent_probes: int = 512):
        self.inv = inv
        self.index = InventoryIndex.build(inv)
        self.address_map = address_map
        self.vault_vars = vault_vars
        self.clock = clock
        self.ifnames = IfNameCache(clock=clock)
        self.snmp_retries = snmp_retries
        self.admission = Admission(initial_limit=min(8, max_concurrent_probes), max_limit=max_concurrent_probes,
                                   clock=clock)
        self.engine_ids: dict[tuple[str, int], bytes] = {}
        self.module_state: dict = {}  # what modules keep between probes (REST session keys)

    def request_timeout(self, probe_timeout: float) -> float:
        """Per-PDU timeout: half the probe's budget (1-5 s), in 0.5 s steps.

        A busy agent answering in 2 s must not be re-asked after 1 s: retransmissions
        double its load and a fleet scrape collapses.
        """
        share = probe_timeout / 2
        return min(5.0, max(1.0, int(share * 2) / 2))

    def validate(self, target: str | None, module: str | None):
        if not target:
            raise BadRequest("missing_target", "'target' parameter must be specified (an inventory device name)")
        if not module:
            raise BadRequest("missing_module", "'module' parameter must be specified; valid: " + ", ".join(sorted(MODULES)))
        if module not in MODULES:
            raise BadRequest("unknown_module", f"unknown module {module!r}; valid: {', '.join(sorted(MODULES))}")
        device = self.inv.index("devices").get(target)
        if device is None:
            raise BadRequest("unknown_target", f"unknown target {target!r}: not a device of inventory {self.inv.meta.name}")
        reason = MODULES[module].unsupported(self.index, device)
        if reason:
            raise BadRequest("unsupported_target", f"module {module} cannot probe {target}: {reason}")
        return device, MODULES[module]

    async def probe(self, target: str, module: str, timeout: float, started: float | None = None) -> ProbeResult:
        """Run one probe; `started` is when the request arrived (clock time), so time spent
        waiting for a busy event loop counts against the deadline."""
        device, mod = self.validate(target, module)
        start = self.clock() if started is None else started
        timeout = max(0.0, timeout - (self.clock() - start))
        log = ProbeLog(self.clock)
        families: list[Metric] = []
        success = False
        refused: str | None = None
        reason: str | None = None
        key = (target, module)
        try:
            endpoint = snmp_endpoint(self.inv, device, self.address_map)
            auth = snmp_auth(self.inv, device, self.vault_vars)
            profile = self.inv.get("snmp_profiles", device.snmp_profile)
            log(f"probing {target} with module {module} at {endpoint} (SNMP {profile.version}, "
                f"profile {profile.name}), timeout {timeout:.2f}s")
            slot = await self.admission.acquire(key, start + timeout)
        except Refused as exc:
            refused, reason = exc.reason, "overload"
            log(f"{exc} (reason: overload)")
        except (SecretUnavailable, UnsafeTargetError, KeyError) as exc:
            reason = self._configuration_reason(device, exc)
            log(f"configuration problem: {exc} (reason: {reason})")
        else:
            began = self.clock()
            client = None
            try:
                remaining = max(0.0, start + timeout - began)
                client = SnmpClient(endpoint.host, endpoint.port, auth, timeout=self.request_timeout(remaining),
                                    retries=self.snmp_retries, engine_ids=self.engine_ids)
                ctx = ProbeContext(self.index, device, client, log, self.ifnames, address_map=self.address_map,
                                   vault_vars=self.vault_vars, timeout=remaining, state=self.module_state)
                families = await asyncio.wait_for(mod.collect(ctx), remaining)
                success = True
                log(f"done: {client.requests} PDUs")
            except (TimeoutError, asyncio.TimeoutError):
                reason = "timeout"
                log(f"timed out after {self.clock() - start:.2f}s (reason: timeout)")
            except SnmpError as exc:
                reason = exc.reason
                log(f"SNMP failure: {exc} (reason: {reason})")
            except Exception as exc:  # a malformed reply must not become a 5xx
                reason = "internal"
                log(f"unexpected error: {type(exc).__name__}: {exc} (reason: internal)")
            finally:
                self.admission.release(key, self.clock() - began, timeout, success,
                                       answered=bool(client and client.answers), slot=slot)
        duration = self.clock() - start
        reason = None if success else reason or "internal"
        return ProbeResult(success, self.render(device, families if success else [], reason, duration),
                           log.lines, duration, refused, reason)

    def _configuration_reason(self, device, exc: Exception) -> str:
        """missing_credential, lab_guard or configuration, for an error before any packet left."""
        if isinstance(exc, SecretUnavailable):
            return "missing_credential"
        if isinstance(exc, UnsafeTargetError) and (self.address_map is not None
                                                   or self.inv.mgmt_address(device, "primary")):
            return "lab_guard"  # an address exists, and the guard refused it (or the map lacks the device)
        return "configuration"  # no management address, or a profile the inventory does not have

    def render(self, device, families: list[Metric], reason: str | None, duration: float) -> bytes:
        """The probe's answer, from a registry made for this probe alone; `reason` is None
        for a successful probe, else one of FAILURE_REASONS."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Families(families + self._probe_families(device, reason, duration)))
        return generate_latest(registry)

    def _probe_families(self, device, reason: str | None, duration: float) -> list[Metric]:
        if reason is not None and reason not in FAILURE_REASONS:
            raise ValueError(f"unknown failure reason {reason!r}; valid: {', '.join(FAILURE_REASONS)}")
        ok = GaugeMetricFamily("dcops_probe_success", "1 when the device answered the module completely.")
        ok.add_metric([], 0.0 if reason else 1.0)
        why = GaugeMetricFamily("dcops_probe_failure_reason", "Why the probe failed: 1 for the reason that "
                                "applies, 0 for the others; all 0 when it succeeded.", labels=["reason"])
        for name in FAILURE_REASONS:
            why.add_metric([name], 1.0 if name == reason else 0.0)
        took = GaugeMetricFamily("dcops_probe_duration_seconds", "Time the probe took.")
        took.add_metric([], duration)
        dtype = self.inv.device_type_of(device)
        info = InfoMetricFamily("dcops_device", "Device facts from the inventory.",
                                labels=["manufacturer", "model", "platform", "serial", "status"])
        info.add_metric([dtype.manufacturer, dtype.model, device.platform or "", device.serial or "", device.status], {})
        return [ok, why, took, info]
