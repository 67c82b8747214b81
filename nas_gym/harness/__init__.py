"""The benchmark harness: studies (agents x envs x protocols x seeds), resumable runs, backends.

``nas-gym bench STUDY --out DIR`` runs a study; ``nas-gym report DIR`` turns it into tables and
plots (:mod:`nas_gym.report`). :func:`~nas_gym.harness.cell.run_cell` is the one search run
behind both ``nas-gym search`` and every cell of a study.
"""

from nas_gym.harness.cell import run_cell
from nas_gym.harness.preflight import check_envs
from nas_gym.harness.runner import StudyRun, run_study
from nas_gym.harness.spec import Cell, Study, StudyError
from nas_gym.harness.store import ResultStore
from nas_gym.harness.study import load_study, parse_study

__all__ = [
    "Cell",
    "ResultStore",
    "Study",
    "StudyError",
    "StudyRun",
    "check_envs",
    "load_study",
    "parse_study",
    "run_cell",
    "run_study",
]
