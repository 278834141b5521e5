"""Small pieces of the exporter with injected clocks and no network."""

from __future__ import annotations

import pytest
import typer

from dcops_exporters.cli import parse_listen
from dcops_exporters.modules import IfNameCache
from dcops_exporters.probe import BadRequest, Prober
from dcops_exporters.server import Exporter
from dcops_exporters.snmp import SnmpAuth


def run(coro):
    """Run a coroutine on a private loop: run() would leave the main thread without
    a current loop, which breaks later tests that call asyncio.get_event_loop()."""
    import asyncio

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def test_listen_address_parsing():
    assert parse_listen("127.0.0.1:19116") == ("127.0.0.1", 19116)
    assert parse_listen(":19116") == ("0.0.0.0", 19116)
    with pytest.raises(typer.BadParameter, match="HOST:PORT"):
        parse_listen("localhost")


def test_probe_timeout_comes_from_the_prometheus_header(lab_inventory):
    ex = Exporter(Prober(lab_inventory), default_timeout=10, max_timeout=30, timeout_offset=0.5)
    assert ex.probe_timeout("4") == 3.5
    assert ex.probe_timeout(None) == 9.5
    assert ex.probe_timeout("garbage") == 9.5
    assert ex.probe_timeout("600") == 29.5
    assert ex.probe_timeout("0.2") == 0.1
    ex.loop.close()


def test_pdu_timeout_is_half_the_budget_in_steps(lab_inventory):
    prober = Prober(lab_inventory)
    assert [prober.request_timeout(t) for t in (0.5, 2.5, 3.5, 9.5, 60)] == [1.0, 1.0, 1.5, 4.5, 5.0]


def test_ifname_cache_expires_and_invalidates():
    now = [0.0]
    cache = IfNameCache(ttl=60, clock=lambda: now[0])
    cache.put("sw", {(1,): "Gi1/0/1"})
    assert cache.get("sw") == {(1,): "Gi1/0/1"}
    now[0] = 61
    assert cache.get("sw") is None
    cache.put("sw", {(1,): "Gi1/0/1"})
    cache.invalidate("sw")
    assert cache.get("sw") is None


def test_credentials_never_print():
    auth = SnmpAuth("v2c", community="s3cr3t-community")
    assert "s3cr3t" not in repr(auth) and "s3cr3t" not in str(auth)


@pytest.mark.parametrize("target,module,reason", [
    (None, "if_mib", "missing_target"), ("sc-core-01", None, "missing_module"),
    ("nope", "if_mib", "unknown_target"), ("sc-core-01", "bogus", "unknown_module"),
    ("sc-ups-01", "if_mib", "unsupported_target"), ("sc-core-01", "wan", "unsupported_target"),
])
def test_request_validation_names_the_reason(lab_inventory, target, module, reason):
    with pytest.raises(BadRequest) as err:
        Prober(lab_inventory).validate(target, module)
    assert err.value.reason == reason


class _Clock:
    """A clock the test moves by hand, so admission decisions do not depend on machine load."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_admission_refuses_at_once_a_probe_that_would_wait_past_its_deadline():
    import asyncio

    from dcops_exporters.admission import Admission, Refused

    async def scenario():
        clock = _Clock()
        adm = Admission(initial_limit=2, min_limit=1, clock=clock)
        adm.times.overall = 1.0  # probes take about a second
        await adm.acquire(("a", "if_mib"), clock.now + 10)
        await adm.acquire(("b", "if_mib"), clock.now + 10)
        # Two slots busy: a third probe with 10 s left can wait its turn...
        waiting = asyncio.ensure_future(adm.acquire(("c", "if_mib"), clock.now + 10))
        await asyncio.sleep(0)
        assert adm.queued == 1
        # ...one with 1.2 s left cannot (wait ~1 s + probe ~1 s): refused without waiting.
        with pytest.raises(Refused) as err:
            await adm.acquire(("d", "if_mib"), clock.now + 1.2)
        assert err.value.reason == "queue" and "exceeds" in str(err.value)
        adm.release(("a", "if_mib"), 0.9, 10, completed=True)
        await asyncio.wait_for(waiting, 1)
        assert adm.in_flight == 2 and adm.queued == 0

    run(scenario())


def test_admission_drops_a_waiter_whose_time_ran_out_and_serves_the_next():
    import asyncio

    from dcops_exporters.admission import Admission, Refused

    async def scenario():
        clock = _Clock()
        adm = Admission(initial_limit=1, min_limit=1, clock=clock)
        adm.times.overall = 0.5
        await adm.acquire(("a", "if_mib"), clock.now + 10)
        late = asyncio.ensure_future(adm.acquire(("late", "if_mib"), clock.now + 2))
        fresh = asyncio.ensure_future(adm.acquire(("fresh", "if_mib"), clock.now + 20))
        await asyncio.sleep(0)
        clock.now += 1.8  # "late" has 0.2 s left when the slot frees: not enough for a 0.5 s probe
        adm.release(("a", "if_mib"), 1.8, 10, completed=True)
        with pytest.raises(Refused) as err:
            await late
        assert err.value.reason == "deadline"
        await asyncio.wait_for(fresh, 1)
        assert adm.in_flight == 1

    run(scenario())


def test_admission_bound_shrinks_when_live_devices_slow_down_not_for_a_dead_one():

    from dcops_exporters.admission import Admission

    async def scenario():
        clock = _Clock()
        adm = Admission(initial_limit=8, clock=clock)
        # A device that never replies: no sign of load, and its next probe holds no slot.
        assert await adm.acquire(("dead", "if_mib"), clock.now + 10) is True
        clock.now += 10
        adm.release(("dead", "if_mib"), 9.9, 10, completed=False, answered=False, slot=True)
        assert adm.limit == 8
        assert await adm.acquire(("dead", "if_mib"), clock.now + 10) is False
        assert adm.in_flight == 0 and adm.bypassing == 1
        adm.release(("dead", "if_mib"), 9.9, 10, completed=False, answered=False, slot=False)
        # A live device that replied but ran out of time: congestion.
        await adm.acquire(("busy", "if_mib"), clock.now + 10)
        clock.now += 10
        adm.release(("busy", "if_mib"), 9.9, 10, completed=False, answered=True)
        assert adm.limit == pytest.approx(8 * 0.8)
        # A live device using more than half its budget: congestion too.
        await adm.acquire(("slow", "if_mib"), clock.now + 10)
        clock.now += 6
        adm.release(("slow", "if_mib"), 6.0, 10, completed=True)
        shrunk = adm.limit
        assert shrunk == pytest.approx(8 * 0.8 * 0.8)
        # Fast probes, one at a time: the bound holds nobody back, so it does not grow.
        for _ in range(20):
            await adm.acquire(("fast", "if_mib"), clock.now + 10)
            clock.now += 0.1
            adm.release(("fast", "if_mib"), 0.1, 10, completed=True)
        assert adm.limit == shrunk
        # Fast probes filling every slot: now it grows.
        for _ in range(10):
            keys = [(f"sw{i}", "if_mib") for i in range(int(adm.limit))]
            for k in keys:
                await adm.acquire(k, clock.now + 10)
            clock.now += 0.1
            for k in keys:
                adm.release(k, 0.1, 10, completed=True)
        assert adm.limit > shrunk + 1
        assert adm.in_flight == 0 and adm.bypassing == 0

    run(scenario())


def _probe_in_process(prober, target="sc-edge-01", module="if_mib"):
    return run(prober.probe(target, module, 2.0))


def test_without_a_lab_map_the_inventory_address_is_refused_not_contacted(lab_inventory, monkeypatch):
    monkeypatch.setenv("DCOPS_TEST_SNMP_COMMUNITY", "lab-value")
    result = _probe_in_process(Prober(lab_inventory, address_map=None))
    assert not result.success
    assert b"dcops_probe_success 0.0" in result.body
    assert any("refusing to contact 10.99.0.21" in line for line in result.log)


def test_missing_credential_is_a_failed_probe_naming_the_variable_not_a_value(lab_inventory, monkeypatch):
    from dcops_inventory import AddressMap, Endpoint

    monkeypatch.delenv("DCOPS_TEST_SNMP_COMMUNITY", raising=False)
    amap = AddressMap(devices={"sc-edge-01": {"snmp": Endpoint("127.0.0.1", 9)}})
    result = _probe_in_process(Prober(lab_inventory, address_map=amap))
    assert not result.success
    assert any("DCOPS_TEST_SNMP_COMMUNITY is not set" in line for line in result.log)


class _FakeSnmp:
    """A recorded device: column -> {index: value}; counts walks like the real client."""

    def __init__(self, table):
        self.table, self.walks, self.requests = table, [], 0

    async def walk(self, columns, rows=None):
        self.walks.append(list(columns))
        self.requests += 1
        return {c: dict(self.table.get(c, {})) for c in columns}


def test_if_mib_learns_ifnames_once_and_relearns_when_an_index_appears(lab_inventory):
    from dcops_exporters.modules import IF_NAME, ProbeContext, ProbeLog
    from dcops_exporters.modules.if_mib import COLUMNS, IfMib
    from dcops_exporters.targets import InventoryIndex

    names = {(1,): b"TenGigabitEthernet1/1/1"}  # the client hands back bytes and ints
    table = {IF_NAME: names}
    for col in COLUMNS:
        table[col] = {(1,): 1, (7,): 1}
    fake = _FakeSnmp(table)
    cache = IfNameCache()
    dev = lab_inventory.device("sc-edge-01")
    ctx = ProbeContext(InventoryIndex.build(lab_inventory), dev, fake, ProbeLog(), cache)
    families = {f.name: f for f in run(IfMib().collect(ctx))}
    info = {s.labels["interface"]: s.labels for s in families["dcops_interface"].samples}
    assert info["TenGigabitEthernet1/1/1"]["peer"] == "sc-core-01:Ethernet1"
    assert "ifIndex7" in info, "an index the device added since the name walk"
    assert cache.get("sc-edge-01") is None, "unknown index invalidates the cache"
    table[IF_NAME] = {**names, (7,): b"GigabitEthernet1/0/7"}
    run(IfMib().collect(ctx))
    run(IfMib().collect(ctx))
    name_walks = [w for w in fake.walks if w == [IF_NAME]]
    assert len(name_walks) == 2, "ifName walked once per learning, not on every scrape"
