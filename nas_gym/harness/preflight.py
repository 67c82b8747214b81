"""Check a parsed study against the machine before any cell runs: every agent fits every env, and
every (env, protocol) pair can be made (kwarg values, data present). Errors name the study's line."""

from __future__ import annotations

from nas_gym.data.store import DataError
from nas_gym.harness.spec import Study, StudyError
from nas_gym.harness.yaml_source import LocatedYAML


def check_envs(study: Study, cache: str | None = None) -> None:
    """Make every (env, protocol) pair once, so bad kwarg *values* (``signal=foo``) and missing data
    stop the study before any cell runs. Errors name the offending line of the study file."""

    from nas_gym.agents.registry import check_fits
    from nas_gym.envs.api import make_env

    doc = LocatedYAML(study.source, study.filename) if study.source else None
    for p_index, protocol in enumerate(study.protocols):
        for e_index, env in enumerate(study.envs):
            kwargs = {**env.kwargs, **protocol.env_kwargs, "max_queries": study.max_budget}
            try:
                for agent in study.agents:
                    check_fits(agent.agent, env.id, kwargs)
                make_env(env.id, kwargs, cache).close()
            except (ValueError, TypeError, OSError, DataError) as err:
                message = f"cannot make {env.id} with {kwargs} (protocol {protocol.name!r}): {err}"
                if doc is None:
                    raise StudyError(message) from None
                where = ("protocols", p_index, "env_kwargs") if protocol.env_kwargs else ("envs", e_index)
                raise doc.error(where, message) from None
