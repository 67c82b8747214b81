"""Multi-objective studies (``nas-gym mo-bench mo-nb201``): kept apart from the scalar studies, whose schema differs."""
