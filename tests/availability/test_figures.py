"""Component figures: declared ones win, every vocabulary value has a sourced default."""

from __future__ import annotations

import pytest

from dcops_availability.figures import (
    CIRCUIT_TYPE,
    DEFAULTS,
    PARTY_TYPE,
    ROLE_TYPE,
    Figure,
    device_figure,
    site_goal_figure,
)
from dcops_inventory.choices import CircuitKind, DeviceRole, PartyKind, values
from dcops_inventory.models import AvailabilityGoal, Device, DeviceType


def test_every_role_circuit_kind_and_party_kind_has_a_default_with_a_source():
    assert set(ROLE_TYPE) == set(values(DeviceRole))
    assert set(CIRCUIT_TYPE) == set(values(CircuitKind))
    assert set(PARTY_TYPE) == set(values(PartyKind))
    for name in {*ROLE_TYPE.values(), *CIRCUIT_TYPE.values(), *PARTY_TYPE.values(), "hypervisor", "vm",
                 "operating_system", "utility_power"}:
        figure = DEFAULTS[name]
        assert figure.source and 0.9 < figure.availability < 1, name


def test_availability_from_mtbf_and_mttr_and_back():
    assert Figure(9999, 1, "x").availability == pytest.approx(0.9999)
    sla = Figure.from_availability(0.999, 4, "x")
    assert sla.mtbf_hours == pytest.approx(3996) and sla.availability == pytest.approx(0.999)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        Figure.from_availability(1, 4, "x")


def test_layers_in_series_add_their_failure_rates():
    # 1/1000 + 1/250 = 1/200 per hour; repair weighted by rate: (2/1000 + 1/250) / (1/200) = 1.2 h
    both = Figure(1000, 2, "hardware").then(Figure(250, 1, "software"))
    assert both.mtbf_hours == pytest.approx(200)
    assert both.mttr_hours == pytest.approx(1.2)
    assert both.source == "hardware; plus software"


def _device(**kw) -> Device:
    return Device(name="d1", role=kw.pop("role", "firewall"), device_type="t1", site="s", provenance="assumption", **kw)


def test_declared_figures_come_before_the_defaults():
    declared = {"mtbf_hours": 5000, "mttr_hours": 2, "source": "field data"}
    plain_type = DeviceType(name="t1", manufacturer="A", model="M", provenance="assumption")
    rated_type = DeviceType(name="t1", manufacturer="A", model="M", provenance="assumption",
                            reliability={"mtbf_hours": 80000, "mttr_hours": 6, "source": "datasheet"})
    assert device_figure(_device(), plain_type) == DEFAULTS["firewall"]
    assert device_figure(_device(), rated_type).mtbf_hours == 80000
    on_device = device_figure(_device(reliability=declared), rated_type)
    assert (on_device.mtbf_hours, on_device.mttr_hours) == (5000, 2)
    assert on_device.source == "declared on device d1: field data"


def test_a_server_is_its_hardware_plus_its_software_layer():
    rated = DeviceType(name="t1", manufacturer="A", model="M", provenance="assumption",
                       reliability={"mtbf_hours": 80000, "mttr_hours": 6, "source": "datasheet"})
    host = device_figure(_device(role="server", cluster="c1"), rated)
    bare = device_figure(_device(role="server", platform="linux"), rated)
    assert host == Figure(80000, 6, "declared on device type t1: datasheet").then(DEFAULTS["hypervisor"])
    assert bare == Figure(80000, 6, "declared on device type t1: datasheet").then(DEFAULTS["operating_system"])
    # a figure declared on the device is the server as it serves: no layer is added
    declared = device_figure(_device(role="server", cluster="c1",
                                     reliability={"mtbf_hours": 5000, "mttr_hours": 2, "source": "x"}), rated)
    assert declared.mtbf_hours == 5000


def test_a_site_without_modelled_power_counts_at_its_goal():
    goal = AvailabilityGoal(name="g", scope="site", subjects=["np"], target_percent=99.982, window_days=365,
                            source="Uptime Tier III", indicative=True, provenance="assumption")
    figure = site_goal_figure(goal)
    assert figure.availability == pytest.approx(0.99982)
    assert figure.mttr_hours == pytest.approx(0.00018 * 8760)  # one outage a year: 1.58 h
    assert "Uptime Tier III" in figure.source
