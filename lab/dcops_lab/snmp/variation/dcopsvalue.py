"""snmpsim variation module `dcopsvalue`: a reading that drifts plausibly, or ramps after a fault.

snmpsim executes this file (it is found in $HOME/.snmpsim/variation, HOME being the lab's
data directory) and calls `variate` for each record tagged `<type>:dcopsvalue`. The
record's value is `base=..,amp=..,period=..[,rate=..,t0=..][,min=..,max=..]`:

    value = base + amp * sin(2 pi t / period + phase) + rate * (t - t0), clamped to [min, max]

with t the wall clock: temperatures and loads wave around their base, and a fault (UPS on
battery, a pool filling) is a ramp from its injection time t0. Unlike snmpsim's `numeric`,
which caches a record's settings by OID for the life of the agent, this parses by the
value text, so a rewritten data file (an injected fault) takes effect on the next request.
"""

import math
import time

_parsed = {}


def _settings(text):
    found = _parsed.get(text)
    if found is None:
        found = {k: float(v) for k, v in (item.split("=", 1) for item in text.split(","))}
        _parsed[text] = found
    return found


def init(**context):
    pass


def variate(oid, tag, value, **context):
    if not context["nextFlag"] and not context["exactMatch"]:
        return context["origOid"], tag, context["errorStatus"]
    if context["setFlag"]:
        return context["origOid"], tag, context["errorStatus"]
    s = _settings(value if isinstance(value, str) else value.decode())
    now = time.time()
    v = s.get("base", 0.0)
    if s.get("amp"):
        v += s["amp"] * math.sin(2 * math.pi * now / s.get("period", 600.0) + s.get("phase", 0.0))
    if s.get("rate"):
        v += s["rate"] * (now - s.get("t0", now))
    v = min(max(v, s.get("min", 0.0)), s.get("max", 4294967295.0))
    return oid, tag, int(round(v))


def shutdown(**context):
    pass
