"""A lab you can keep running and break: `dcops lab up | status | fail | heal | alerts | down`.

`dcops lab run` starts the simulated data center, runs the toolchain once and stops it all.
This package keeps the same simulated data center running between commands, with the
whole alerting path behind it: the switch fleet over SSH, the SNMP agents, the dcops
exporter, Prometheus with the rendered rules (lab rule profile), Alertmanager and a
webhook receiver that records every notification. Faults are injected into the running
lab and healed again; `down` stops every process `up` started, by the PIDs it recorded.

    state.py      the state directory and its file (what runs, on which port, which faults)
    processes.py  process identity, stopping a process group, who holds a port
    up.py         the start-up stages and `down`
    alerting.py   Alertmanager and the webhook receiver as lab services
    webhook.py    the receiver itself (`python -m dcops_lab.env.webhook`)
    wsapi_host.py the simulated storage arrays in a process of their own
    counters.py   interface counters rewritten in a running agent (a saturated link)
    faults.py     `fail` and `heal`
    status.py     what Prometheus, Alertmanager and the receiver say about the lab
"""
