"""Adversarial probe of issue 12: fuzzed inputs and kill -9 runs, tallied as the issue asks.

Every probe ends in one of: ``clear`` (refused with a typed error / exit 2 and a one-line
message), ``ok`` (valid input, accepted), ``crash`` (any other exception or a traceback),
``silent`` (garbage accepted, or tampered data loaded) or ``lost`` (a kill lost a finished
result or the live dataset). A healthy tree has crash = silent = lost = 0.

    python scripts/reliability_probe.py --cache DIR [--seed 0] [--fuzz 300] [--kills 8]

``DIR`` must hold the imported nb201 dataset (``nas-gym data import``). Runs take a few
minutes on two cores; kill runs use a synthetic NB201 source folder of ``tests/``.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nas_gym.cli import app  # noqa: E402
from nas_gym.data import nb201 as nb201_data  # noqa: E402
from nas_gym.data.store import DataError, import_dataset, load_arrays  # noqa: E402
from nas_gym.harness import ResultStore, StudyError, parse_study  # noqa: E402
from nas_gym.harness.spec import MAX_SEED, NAME_RE  # noqa: E402
from tests.nb201_fixture import build_sources, spec_for  # noqa: E402

GOOD = """\
name: t
seeds: 2
budgets: [20]
agents:
  - agent: rea
    hyperparams: {population_size: 5}
envs:
  - id: NB201-cifar10-v0
protocols:
  - name: val12
    env_kwargs: {signal: val12}
"""
GARBAGE = ["..", "/", "a/b", ".x", "", "~", "-1", "2.5", "1e400", ".nan", ".inf", "null", "true", "[1, [2]]",
           "{a: 1}", "'\\x00'", f"{2**70}", "1000000000000", "&a x", "*a", "!!python/object:os.system ls",
           "\"caf\xe9\"", "[]", "{}", "fast", "0", "x" * 300]  # fmt: skip
FIELDS = [("name: t", "name: {}"), ("seeds: 2", "seeds: {}"), ("budgets: [20]", "budgets: {}"),
          ("population_size: 5", "population_size: {}"), ("  - name: val12", "  - name: {}"),
          ("{signal: val12}", "{{signal: {}}}"), ("  - agent: rea\n", "  - agent: rea\n    label: {}\n"),
          ("  - id: NB201-cifar10-v0", "  - id: {}")]  # fmt: skip


def _study_invariants(study) -> bool:
    """What an accepted study must satisfy (else the garbage was accepted silently)."""
    names = [study.name, *(a.label for a in study.agents), *(p.name for p in study.protocols)]
    seeds_ok = all(isinstance(s, int) and 0 <= s <= MAX_SEED for s in study.seeds)
    return all(NAME_RE.fullmatch(n) for n in names) and seeds_ok and all(b >= 1 for b in study.budgets)


def fuzz_studies(rng: random.Random, n: int, tally: collections.Counter) -> None:
    for _ in range(n):
        text = GOOD
        for old, fmt in rng.sample(FIELDS, rng.randint(1, 3)):
            text = text.replace(old, fmt.format(rng.choice(GARBAGE)))
        if rng.random() < 0.2:
            text += rng.choice(["seeds: 3\n", "\xff\xfe\n", "a: &x [*x]\n"])
        try:
            study = parse_study(text, "fuzz.yaml")
        except StudyError:
            tally["study clear"] += 1
        except Exception as err:  # a probe counts every unexpected exception
            tally["study crash"] += 1
            print(f"CRASH study {type(err).__name__}: {err}\n{text}")
        else:
            tally["study ok" if _study_invariants(study) else "study silent"] += 1


SEARCH_ARGS = [["--env-kwargs", "top_k=abc"], ["--env-kwargs", "top_k=2.5"], ["--env-kwargs", "max_queries=.nan"],
               ["--env-kwargs", "signal=nope"], ["--env-kwargs", "report_test=no"], ["--env-kwargs", "delta_step=.inf"],
               ["--env-kwargs", "top_k=1000000000"], ["--hyperparams", "foo=1"], ["--hyperparams", "population_size=x"],
               ["--hyperparams", "population_size=-3"], ["--env", "CartPole-v1"], ["--budget", "0"],
               ["--agent", "nope"], ["--env-kwargs", "noequals"], ["--env-kwargs", "signal=[x"]]  # fmt: skip


def fuzz_search_cli(rng: random.Random, n: int, cache: str, tally: collections.Counter) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            extra = rng.choice(SEARCH_ARGS)
            out = Path(tmp) / f"r{i}"
            if rng.random() < 0.3:  # a folder of someone's files, or a file
                out.mkdir()
                (out / "notes.txt").write_text("mine")
            args = ["search", "--agent", "rea", "--budget", "5", "--out", str(out), "--cache", cache, *extra]
            result = runner.invoke(app, args)
            foreign_intact = not (out / "notes.txt").exists() or (out / "notes.txt").read_text() == "mine"
            if not foreign_intact:
                tally["search lost"] += 1
            elif result.exit_code == 2 and isinstance(result.exception, SystemExit):
                tally["search clear"] += 1
            elif result.exit_code == 0:
                tally["search silent"] += 1
                print(f"SILENT search {extra}")
            else:
                tally["search crash"] += 1
                print(f"CRASH search {extra}: {result.exception!r}")


def fuzz_cache(rng: random.Random, n: int, sources: Path, tally: collections.Counter) -> None:
    """Tamper with an imported table at random; loading must refuse it (or load the intact data)."""
    from nas_gym.data import store

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        import_dataset(spec_for(sources), sources, cache)
        table = (cache / "nb201").resolve() / nb201_data.TABLE
        intact = table.read_bytes()
        for _ in range(n):
            if table.is_dir():
                shutil.rmtree(table)
            table.unlink(missing_ok=True)
            data, how = bytearray(intact), rng.choice(["flip", "truncate", "delete", "dir", "empty", "append"])
            if how == "flip":
                for _ in range(rng.randint(1, 8)):
                    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            if how == "dir":
                table.mkdir()
            elif how != "delete":
                table.write_bytes({"truncate": data[: rng.randrange(len(data))], "empty": b"",
                                   "append": data + b"x"}.get(how, bytes(data)))  # fmt: skip
            store._load_npz.cache_clear()
            try:
                arrays = load_arrays("nb201", nb201_data.TABLE, cache)
            except DataError:
                tally["cache clear"] += 1
            except Exception as err:
                tally["cache crash"] += 1
                print(f"CRASH cache {how}: {type(err).__name__}: {err}")
            else:
                unchanged = how == "flip" and bytes(data) == intact
                tally["cache ok" if unchanged else "cache silent"] += 1
                del arrays


_IMPORT = (
    "import sys; from pathlib import Path; from nas_gym.data.store import import_dataset; "
    "from tests.nb201_fixture import spec_for; import_dataset(spec_for(Path(sys.argv[1])), sys.argv[1], sys.argv[2])"
)


def kill_imports(rng: random.Random, n: int, old: Path, new: Path, tally: collections.Counter) -> None:
    """kill -9 ``data import`` at a random moment; the live dataset must be the old or the new one."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        import_dataset(spec_for(old), old, cache)
        column = (slice(None), 0, nb201_data.METRICS.index("test200"))
        expected = load_arrays("nb201", nb201_data.TABLE, cache)["metrics"][column].copy()
        for _ in range(n):
            proc = subprocess.Popen([sys.executable, "-c", _IMPORT, str(new), str(cache)], env=env)
            time.sleep(rng.uniform(0.5, 6.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            from nas_gym.data import store

            store._load_npz.cache_clear()
            try:
                got = load_arrays("nb201", nb201_data.TABLE, cache)["metrics"][column]
            except DataError as err:
                tally["import-kill lost"] += 1
                print(f"LOST import: {err}")
                continue
            ok = np.array_equal(got, expected) or np.array_equal(got, expected + 5.0)
            tally["import-kill ok" if ok else "import-kill lost"] += 1
        import_dataset(spec_for(old), old, cache)  # the next import cleans what the kills left
        leftovers = {p.name for p in cache.iterdir()} - {"nb201", (cache / "nb201").resolve().name, ".nb201.lock"}
        tally["import-kill leftovers"] += len(leftovers)


KILL_STUDY = (
    "name: k\nseeds: 6\nbudgets: [400]\nagents:\n  - agent: rs\n  - agent: rea\nenvs:\n  - id: NB201-cifar10-v0\n"
)


def kill_benches(rng: random.Random, n: int, cache: str, tally: collections.Counter) -> None:
    """kill -9 ``nas-gym bench`` (the whole group) at a random moment, resume; nothing committed is lost."""
    cli = "import sys; from nas_gym.cli import app; sys.argv[0] = 'nas-gym'; app()"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    study = parse_study(KILL_STUDY)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "k.yaml"
        path.write_text(KILL_STUDY)
        for i in range(n):
            out = Path(tmp) / f"out{i}"
            cmd = [sys.executable, "-c", cli, "bench", str(path), "--out", str(out), "--cache", cache, "--workers", "2"]
            proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
            time.sleep(rng.uniform(3.0, 25.0))
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            store = ResultStore(out)
            done = {c.relpath: (store.cell_dir(c) / "queries.csv").read_bytes()
                    for c in study.cells() if store.check(c) is None}  # fmt: skip
            resume = subprocess.run([*cmd, "--resume"], env=env, capture_output=True, check=False)
            intact = all((store.cell_dir(c) / "queries.csv").read_bytes() == done[c.relpath]
                         for c in study.cells() if c.relpath in done)  # fmt: skip
            complete = resume.returncode == 0 and all(store.check(c) is None for c in study.cells())
            tally["bench-kill ok" if intact and complete else "bench-kill lost"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fuzz", type=int, default=300)
    parser.add_argument("--kills", type=int, default=8)
    args = parser.parse_args()
    rng, tally = random.Random(args.seed), collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        old, new = Path(tmp) / "a", Path(tmp) / "b"
        build_sources(old)
        build_sources(new, test200_offset=5.0)
        fuzz_studies(rng, args.fuzz, tally)
        fuzz_search_cli(rng, args.fuzz // 10, args.cache, tally)
        fuzz_cache(rng, args.fuzz // 5, old, tally)
        kill_imports(rng, args.kills, old, new, tally)
        kill_benches(rng, max(args.kills // 2, 1), args.cache, tally)
    for key in sorted(tally):
        print(f"{key:24s} {tally[key]}")


if __name__ == "__main__":
    main()
