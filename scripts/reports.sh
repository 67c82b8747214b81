#!/usr/bin/env bash
# Regenerates every shipped report and the cross-space leaderboard from the results folders of
# `nas-gym bench` / `nas-gym transfer`, so the final numbers come from one command:
#
#     bash scripts/reports.sh RESULTS_ROOT [DOCS_DIR]
#
# RESULTS_ROOT holds one folder per study (as /work/runs/results: nb201-paper/, darts/, ofa/,
# transfer-.../), each with the study.yaml that `nas-gym bench` saved. A folder named like a
# bundled study (nas_gym/studies/<name>.yaml) is reported by the bundled study, since a folder
# filled part by part holds only the last part's study.yaml; any other by its own study.yaml.
# Every such folder is reported into DOCS_DIR/<folder> (default docs/results; the earlier nb201-reduced study's report
# sits in DOCS_DIR itself, where the README links it). A folder without a finished cell is
# skipped with its reason, not fatal. Then the leaderboard over the studies named in
# $LEADERBOARD_STUDIES (default: the studies nb201-paper nb201-paper-steps darts ofa, plus the
# l2nas rows of the l2nas-v3*, l2nas-v4*, l2nas-v5* and l2nas-v6 studies, see $LEADERBOARD_ONLY below;
# not nb201-reduced, which would count NB201 twice, nor transfer studies) is written to
# DOCS_DIR/leaderboard.md. Python: $PYTHON, else .venv/bin/python, else python3; bootstrap
# resamples: $REPS (default 2000, as `nas-gym report`).
# Exit status: 1 when no report could be written or a report failed, else 0.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: bash scripts/reports.sh RESULTS_ROOT [DOCS_DIR]" >&2
    exit 2
fi
root=$1
docs=${2:-docs/results}
if [ ! -d "$root" ]; then
    echo "reports.sh: $root is not a folder; give the folder holding one results folder per study" >&2
    exit 2
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-}
if [ -z "$py" ]; then
    if [ -x "$repo/.venv/bin/python" ]; then py=$repo/.venv/bin/python; else py=python3; fi
fi
board_studies=${LEADERBOARD_STUDIES:-nb201-paper nb201-paper-steps darts ofa}
reps=${REPS:-2000}

written=0
failed=0
for study_file in "$root"/*/study.yaml; do
    [ -e "$study_file" ] || continue
    folder=$(dirname "$study_file")
    name=$(basename "$folder")
    out=$docs/$name
    [ "$name" = nb201-reduced ] && out=$docs
    echo "== $name -> $out"
    by=()
    [ -f "$repo/nas_gym/studies/$name.yaml" ] && by=(--study "$repo/nas_gym/studies/$name.yaml")
    status=0
    nice -n 5 "$py" -m nas_gym report "$folder" --out "$out" --reps "$reps" "${by[@]}" | grep -v "^wrote " || status=${PIPESTATUS[0]}
    case $status in
        0) written=$((written + 1)) ;;
        2) echo "   skipped (see the message above)" ;;  # no finished cell yet, or not a results folder
        *) echo "   FAILED (exit $status)" >&2; failed=$((failed + 1)) ;;
    esac
done

csvs=()
for name in $board_studies; do
    if [ -f "$docs/$name/results.csv" ] && [ -d "$root/$name" ]; then
        csvs+=("$docs/$name/results.csv")
    fi
done
# Studies that hold an agent beside its ablation rows enter the leaderboard by that agent's rows
# only ($LEADERBOARD_ONLY: study:agent pairs), so ablation variants are never ranked as agents. They
# are folded into one DOCS_DIR/l2nas-rows/results.csv: a cell two of these studies ran (a 1000- and
# a 5000-query study share the 500 / 1000 checkpoints) is taken from the one with most seeds there,
# the later in the list on a tie (bench/l2nas_v3_tables.py only).
only_csvs=()
only_agents=()
for pair in ${LEADERBOARD_ONLY:-l2nas-v3:l2nas-v3 l2nas-v3-note10-2k:l2nas-v3 l2nas-v3-5k:l2nas-v3 l2nas-v3-nb201:l2nas-v3 l2nas-v3-nb201-full:l2nas-v3 l2nas-v3-nb201-steps:l2nas-v3 l2nas-v4-note10:l2nas-v4 l2nas-v4:l2nas-v4 l2nas-v4-5k:l2nas-v4 l2nas-v4-nb201:l2nas-v4 l2nas-v4-nb201-steps:l2nas-v4 l2nas-v5:l2nas-v5 l2nas-v5-5k:l2nas-v5 l2nas-v6:l2nas}; do
    name=${pair%%:*}
    if [ -f "$docs/$name/results.csv" ] && [ -d "$root/$name" ]; then
        only_csvs+=("$docs/$name/results.csv")
        only_agents+=("${pair#*:}")
    fi
done
if [ ${#only_csvs[@]} -gt 0 ]; then
    "$py" "$repo/bench/l2nas_v3_tables.py" only "${only_csvs[@]}" --agents $(printf '%s\n' "${only_agents[@]}" | sort -u) \
        --same-settings ${LEADERBOARD_SAME:-l2nas=l2nas-v4} --out "$docs/l2nas-rows/results.csv"
    csvs+=("$docs/l2nas-rows/results.csv")
fi
if [ ${#csvs[@]} -gt 0 ]; then
    echo "== leaderboard over ${csvs[*]}"
    nice -n 5 "$py" -m nas_gym leaderboard "${csvs[@]}" --out "$docs/leaderboard.md" --reps "$reps"
else
    echo "== leaderboard skipped: none of ($board_studies) has a report from $root"
fi
echo "$written report(s) written, $failed failed"
[ "$written" -gt 0 ] && [ "$failed" -eq 0 ]
