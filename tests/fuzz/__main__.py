"""``python -m tests.fuzz --cases N [--seed S] [--only FAMILY] [--case ID]`` (under mpiexec)."""

import sys

from tests.fuzz.fuzz_api import main

sys.exit(main())
