"""``python -m numpy_dist.testing``: the multi-rank test runner (see runner.py)."""

import sys

from numpy_dist.testing.runner import main

sys.exit(main())
