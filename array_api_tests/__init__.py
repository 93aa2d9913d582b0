"""numpy_dist's array API conformance tests and the runner of the official suite.

* ``pytest array_api_tests`` (under ``mpiexec -n N``): Hypothesis-based
  differential tests against ``array_api_strict``.
* ``python -m array_api_tests.official --suite PATH --nproc N``: the official
  data-apis/array-api-tests suite against numpy_dist, with ``xfails.txt``.
"""
