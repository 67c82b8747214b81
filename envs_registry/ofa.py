"""Once-for-All MobileNetV3 (w1.2) ids.

* ``OFA-MBv3-v0``: reward paper Eq. 3 (``100 ** acc``), resolution fixed at 224, 195-d alpha;
* ``OFA-MBv3-transfer-v0``: the paper's OFA_Large reward, Eq. 7 with ``acc_env = 0.79``;
* ``OFA-MBv3-discrete-v0``: op codes as a MultiDiscrete action;
* ``OFA-MBv3-note10-lat<L>-v0``: hard Note10 latency limit of L ms; resolution is searched
  too (160..224, 200-d alpha), because at 224 almost no subnet is faster than 30 ms.
"""

from __future__ import annotations

from nas_gym.spaces.ofa import RESOLUTIONS

NOTE10_LIMITS_MS: tuple[int, ...] = (15, 20, 25, 30, 40)

IDS: dict[str, dict] = {
    "OFA-MBv3-v0": {},
    "OFA-MBv3-transfer-v0": {"reward": "transfer", "acc_env": 0.79},
    "OFA-MBv3-discrete-v0": {"action_type": "discrete"},
}
for _limit in NOTE10_LIMITS_MS:
    IDS[f"OFA-MBv3-note10-lat{_limit}-v0"] = {
        "resolutions": RESOLUTIONS,
        "latency_device": "note10",
        "latency_limit_ms": float(_limit),
    }

ENTRY_POINT = "nas_gym.envs.ofa:OFAEnv"
VECTOR_ENTRY_POINT = "nas_gym.envs.ofa:OFAVectorEnv"
