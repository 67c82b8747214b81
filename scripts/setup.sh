#!/usr/bin/env bash
# Creates .venv and installs nas-gym with its test extras. Sourced by test.sh and quickstart.sh.
#
# torch goes in first, and which build is chosen here: a plain `pip install .` resolves
# torch>=2.0 from PyPI, which on Linux is the CUDA build (15 nvidia-* packages, about 5.7 GB).
#   NAS_GYM_TORCH=cpu (default)  the CPU-only wheel: a local wheel if pip's find-links have one
#                                (--no-index), else PyTorch's CPU index ($NAS_GYM_TORCH_INDEX);
#                                torch's own dependencies come from PyPI with the package
#                                (--no-deps here)
#   NAS_GYM_TORCH=gpu            torch from PyPI as it comes (the CUDA build on Linux)
#   NAS_GYM_TORCH=skip           keep whatever torch .venv has
# The package itself only asks for torch>=2.0, which that install then satisfies.
set -euo pipefail
PY=${PYTHON:-python3}
TORCH=${NAS_GYM_TORCH:-cpu}
TORCH_INDEX=${NAS_GYM_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}

pip_install() {
    # pip warns about local package indexes this machine does not have: keep the log readable
    "$1"/bin/python -m pip install -q "${@:2}" 2>&1 | { grep -v "is neither a file nor a directory" || true; }
    return "${PIPESTATUS[0]}"
}

install_torch() {
    case "$TORCH" in
        cpu) pip_install .venv --no-index --no-deps torch 2>/dev/null \
            || pip_install .venv --no-deps torch --index-url "$TORCH_INDEX" ;;
        gpu) pip_install .venv torch ;;
        skip) ;;
        *) echo "NAS_GYM_TORCH must be cpu, gpu or skip, got '$TORCH'" >&2; return 2 ;;
    esac
}

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
pip_install .venv --upgrade pip
.venv/bin/python -m pip show torch >/dev/null 2>&1 || install_torch
# setuptools prints a boxed "Editable installation" tip (folders named like the package may shadow
# it) on every editable install; it is about layouts like ours by design, so keep it out of the log
QUIET_EDITABLE="ignore:Editable installation"
PYTHONWARNINGS=$QUIET_EDITABLE pip_install .venv -e ".[test]"

# .venv-interop: the third-party RL clients of the interop extra, layered over .venv (a .pth adds
# .venv's packages after its own), because rl_zoo3 pins older pillow and python-dateutil (and
# tianshou older pandas) than the rest of the suite uses. Only tests/test_interop.py runs there.
setup_interop() {
    [ -x .venv-interop/bin/python ] || .venv/bin/python -m venv .venv-interop
    local base own
    base=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    own=$(.venv-interop/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    echo "import site; site.addsitedir('$base')" > "$own/zz_nas_gym_base_venv.pth"
    PYTHONWARNINGS=$QUIET_EDITABLE pip_install .venv-interop -e ".[interop]"
}
