"""Once-for-All MobileNetV3 (w1.2) ids.

* ``OFA-MBv3-v0``: reward paper Eq. 3 (``100 ** acc``), resolution fixed at 224, 195-d alpha;
* ``OFA-MBv3-transfer-v0``: the paper's OFA_Large reward, Eq. 7 with ``acc_env = 0.79``;
* ``OFA-MBv3-discrete-v0``: op codes as a MultiDiscrete action;
* ``OFA-MBv3-note10-lat<L>-v0``: hard Note10 latency limit of L ms; resolution is searched
  too (160..224, 200-d alpha), because at 224 almost no subnet is faster than 30 ms.
"""

from __future__ import annotations

_NOTE10 = {"benchmark": "ofa", "resolutions": (160, 176, 192, 208, 224), "latency_device": "note10"}

IDS: dict[str, dict] = {
    "OFA-MBv3-v0": {"benchmark": "ofa"},
    "OFA-MBv3-transfer-v0": {"benchmark": "ofa", "reward": "transfer", "acc_env": 0.79},
    "OFA-MBv3-discrete-v0": {"benchmark": "ofa", "action_type": "discrete"},
    "OFA-MBv3-note10-lat15-v0": {**_NOTE10, "latency_limit_ms": 15.0},
    "OFA-MBv3-note10-lat20-v0": {**_NOTE10, "latency_limit_ms": 20.0},
    "OFA-MBv3-note10-lat25-v0": {**_NOTE10, "latency_limit_ms": 25.0},
    "OFA-MBv3-note10-lat30-v0": {**_NOTE10, "latency_limit_ms": 30.0},
    "OFA-MBv3-note10-lat40-v0": {**_NOTE10, "latency_limit_ms": 40.0},
}
