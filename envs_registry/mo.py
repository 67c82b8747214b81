"""Multi-objective ids in MO-Gymnasium's convention (``mo-<env>-v0``), made by ``mo_gymnasium.make``.

* ``mo-NB201-<dataset>-v0``: accuracy vs latency on HELP's measured NB201 latencies; the
  ``latency_device`` kwarg picks one of HELP's 27 device settings (default ``pixel3``);
* ``mo-OFA-MBv3-note10-v0``: accuracy vs Note10 latency, resolution searched (160..224) as in the
  scalar ``OFA-MBv3-note10-lat<L>-v0`` ids, the OFA family's budgets.

``objectives=[...]`` adds params (and MACs on OFA) as further objectives. They are kept out of
``nas_gym.ENV_IDS`` (the scalar ids every scalar agent and contract test runs on):
``nas_gym.MO_ENV_IDS`` lists them.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

ENTRY_POINT = "nas_gym.envs.mo:MOArchSearchEnv"

IDS: dict[str, dict] = {
    "mo-NB201-cifar10-v0": {"benchmark": "nb201", "dataset": "cifar10"},
    "mo-NB201-cifar100-v0": {"benchmark": "nb201", "dataset": "cifar100"},
    "mo-NB201-ImageNet16-120-v0": {"benchmark": "nb201", "dataset": "ImageNet16-120"},
    "mo-OFA-MBv3-note10-v0": {"benchmark": "ofa", "resolutions": (160, 176, 192, 208, 224)},
}


def register_mo() -> list[str]:
    """Register every MO id (idempotent) and return them."""
    for env_id, kwargs in IDS.items():
        if env_id not in registry:
            register(id=env_id, entry_point=ENTRY_POINT, kwargs=kwargs)
    return list(IDS)
