"""How the cells of a transfer study run: one L2NAS search each, saving or loading the model.

The driver reads the pretrained model back from the store (:func:`read_model`, md5 checked
against the pretraining cell's manifest) and ships its bytes with each fine-tune cell, so the
local process pool and a Ray cluster without a shared file system behave the same; the worker
checks the md5 again before loading.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from nas_gym.harness.backends import init_worker
from nas_gym.harness.cell import RUN_FILES, run_cell
from nas_gym.harness.spec import Cell
from nas_gym.harness.store import MANIFEST, ResultStore, md5
from nas_gym.harness.transfer import PRETRAIN, TRANSFER, TransferCell, TransferStudy

MODEL_FILE = "model.zip"  # the pretraining cell's trained L2NAS (actor, critic, optimisers)

# key of a pretraining cell -> (model bytes, their md5), or why the model is unavailable
Models = dict[str, "tuple[bytes, str] | str"]


def read_model(store: ResultStore, cell: TransferCell) -> Models:
    """The model committed by the pretraining ``cell``, its md5 checked against the cell's manifest."""
    why = store.check(cell)
    if why is not None:
        return {cell.key: f"the pretraining cell {cell.relpath} is not finished ({why})"}
    folder = store.cell_dir(cell)
    digest = json.loads((folder / MANIFEST).read_text())["files"].get(MODEL_FILE)
    if digest is None:
        return {cell.key: f"the pretraining cell {cell.relpath} committed no {MODEL_FILE}"}
    data = (folder / MODEL_FILE).read_bytes()
    if md5(data) != digest:
        return {cell.key: f"{folder / MODEL_FILE} does not match the md5 of its manifest; rerun with --resume"}
    return {cell.key: (data, digest)}


def reference_accuracy(env_id: str, signal: str, cache: str | None) -> float:
    """``acc_env`` of Eq. 7 for ``env_id``: the optimum of ``signal`` on its dataset, as a fraction."""
    import gymnasium as gym

    import nas_gym  # noqa: F401
    from nas_gym.envs.api import search_env

    cache_kwarg: dict[str, Any] = {"cache": cache} if cache else {}
    env = gym.make(env_id, signal=signal, **cache_kwarg)
    optimum = search_env(env).benchmark.optimum(signal)
    env.close()
    if optimum is None:
        raise ValueError(f"{env_id} has no {signal} values to take the reference accuracy acc_env of Eq. 7 from")
    return optimum / 100.0


@contextmanager
def _transfer_env_expected():
    """Silence L2NAS's "preset expects top_k=64 / reward=exp100" warning: the transfer protocol
    deliberately uses K=100 and the Eq. 7 reward."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"L2NAS preset .* expects the env kwarg (top_k|reward|acc_env)=")
        yield


def _pretrained(cell: TransferCell, models: Models | None, folder: Path) -> tuple[Path, str]:
    """Write the model the fine-tune ``cell`` loads into ``folder``, after checking its md5."""
    if cell.pretrained is None:
        raise RuntimeError(f"cannot fine-tune {cell.relpath}: it names no pretraining cell")
    entry = (models or {}).get(cell.pretrained, f"no model of the pretraining cell {cell.pretrained} was handed over")
    if isinstance(entry, str):
        raise RuntimeError(f"cannot fine-tune {cell.relpath}: {entry}")
    data, digest = entry
    if md5(data) != digest:
        raise RuntimeError(f"cannot fine-tune {cell.relpath}: the pretrained model arrived corrupt (md5 mismatch)")
    path = folder / "pretrained.zip"
    path.write_bytes(data)
    return path, digest


def _search(env, seed: int, cell: TransferCell, load: tuple[Path, str] | None, save: Path | None) -> dict[str, Any]:
    from stable_baselines3.common.callbacks import StopTrainingOnMaxEpisodes

    from nas_gym.agents.l2nas import L2NAS

    settings = dict(cell.hyperparams)
    with _transfer_env_expected():
        if load is None:
            model = L2NAS("MlpPolicy", env, seed=seed, **settings)
        else:
            overrides = {k: v for k, v in settings.items() if k != "preset"}
            model = L2NAS.load(load[0], env=env, seed=seed, **overrides)
            model.set_random_seed(seed)
    model.learn(total_timesteps=cell.budget, callback=StopTrainingOnMaxEpisodes(max_episodes=1))
    if save is not None:
        model.save(save)
    pretrained = None if load is None else {"cell": cell.pretrained, "md5": load[1]}
    return {**model.hyperparameters(), **settings, "arm": cell.agent_label, "pretrained": pretrained}


def execute_transfer_cell(cell: TransferCell, cache: str | None, models: Models | None = None) -> dict[str, bytes]:
    """Run one arm's search in a private temporary folder; return its files (plus the model of a
    pretraining cell). ``models`` holds the pretrained models the fine-tune cells load."""
    init_worker()
    with tempfile.TemporaryDirectory(prefix="nas-gym-transfer-") as tmp_name:
        tmp = Path(tmp_name)
        load = _pretrained(cell, models, tmp) if cell.agent_label == TRANSFER else None
        save = tmp / MODEL_FILE if cell.agent_label == PRETRAIN else None
        kwargs = {**cell.env_kwargs, "acc_env": reference_accuracy(cell.env_id, cell.env_kwargs["signal"], cache)}

        def search(env, seed: int) -> dict[str, Any]:
            return _search(env, seed, cell, load, save)

        out = tmp / "run"
        summary = run_cell(cell.agent, cell.env_id, cell.budget, cell.seed, out, kwargs, cache=cache, search=search)
        if summary["interrupted"]:
            raise KeyboardInterrupt(f"cell {cell.relpath} was interrupted")
        files = {name: (out / name).read_bytes() for name in RUN_FILES}
        if save is not None:
            files[MODEL_FILE] = save.read_bytes()
        return files


def transfer_stages(study: TransferStudy, todo: list[Cell], store: ResultStore) -> Iterator[tuple[list[Cell], Any]]:
    """Pretraining first; then the target cells, handed the pretrained model read back from the
    store with its md5 checked against the pretraining cell's manifest."""
    yield [c for c in todo if c.agent_label == PRETRAIN], execute_transfer_cell
    rest = [c for c in todo if c.agent_label != PRETRAIN]
    if rest:
        yield rest, partial(execute_transfer_cell, models=read_model(store, study.pretrain_cell()))
