"""Reports of a study: tidy ``results.csv``, markdown tables with rliable statistics, plots.

Published numbers (:mod:`nas_gym.report.published`) are copied from the papers and always
printed as such, beside ours, never mixed into them.
"""

from nas_gym.report.results import load_results, tidy
from nas_gym.report.writer import write_report

__all__ = ["load_results", "tidy", "write_report"]
