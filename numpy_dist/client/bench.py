"""Per-operation cost of the global view against ipyparallel's own, and a large operation against SPMD.

``python -m numpy_dist.client.bench [--engines 2,4] [--ops 300] [--rows 4000,16000,64000]`` starts a
cluster per engine count and prints, measured in the same run:

* ipyparallel alone: a blocking ``apply_sync`` of a no-op, and pipelined ``apply_async`` (sent back to back,
  then waited for), per call;
* proxies: a chain of small operations (``r = r + 1``, each returning a proxy at once, synchronised at the
  end) per operation, as issued (the ones issued while the engines are busy share a message) and with each
  operation sent in a message of its own (``c.flush()`` after each); and a blocking one
  (``float(np.sum(r))``) per operation;
* the blocking operation's own work on the engines (the same ``np.sum``, SPMD, in one ``c.run``);
* a large operation (``np.sum(np.sqrt(r * r + 1), axis=1)`` on a ``rows x 2000`` array) driven from the
  notebook, operation by operation, against the same lines run SPMD on the engines in one ``c.run``
  (with the library's temporary elision, and with every temporary kept alive as the engines' namespace
  keeps a proxy's array), for each number of rows.  The difference between the two is the notebook's
  fixed cost for this line (its five operations go in two messages: ``r * r`` at once, the others together
  while it runs; then one answer); the ratio tends to 1 as the array grows.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from .connect import connect

__all__ = ["measure", "main"]


def _noop() -> None:
    return None


def _per_call(func: Any, count: int) -> float:
    """Milliseconds per call of ``func`` (best of three rounds of ``count`` calls)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        func(count)
        best = min(best, (time.perf_counter() - start) / count * 1e3)
    return best


def _ipp_sync(view: Any, count: int) -> None:
    for _ in range(count):
        view.apply_sync(_noop)


def _ipp_async(view: Any, count: int) -> None:
    pending = [view.apply_async(_noop) for _ in range(count)]
    for ar in pending:
        ar.get()


def _large_op(r: Any) -> Any:
    return np.sum(np.sqrt(r * r + 1), axis=1)


def _spmd_large(d: Any, repeats: int) -> float:
    """The same lines as :func:`_large_op`, run SPMD on the engines (seconds per repeat, on rank 0)."""
    start = time.perf_counter()
    for _ in range(repeats):
        float(np.sum(_large_op(d)))  # a value: every rank finished
    return (time.perf_counter() - start) / repeats


def _spmd_large_held(d: Any, repeats: int) -> float:
    """:func:`_spmd_large` with every temporary kept alive, as the engines' namespace keeps them (no elision)."""
    start = time.perf_counter()
    for _ in range(repeats):
        squared = d * d
        shifted = squared + 1
        rooted = np.sqrt(shifted)
        float(np.sum(np.sum(rooted, axis=1)))
        del squared, shifted, rooted
    return (time.perf_counter() - start) / repeats


def _spmd_small_sum(d: Any, repeats: int) -> float:
    """The blocking operation's own work on the engines: ``np.sum`` of a 100-element array, SPMD."""
    start = time.perf_counter()
    for _ in range(repeats):
        float(np.sum(d))
    return (time.perf_counter() - start) / repeats


def measure(n: int, ops: int = 300, rows: tuple[int, ...] = (4000,), repeats: int = 5) -> dict[str, float]:
    """The figures for one cluster of ``n`` engines (milliseconds, and the large-operation ratio)."""
    with connect(n=n) as c:
        view = c.ipyparallel_client[:]
        view.apply_sync(_noop)
        figures = {"ipp_apply_sync_ms": _per_call(lambda k: _ipp_sync(view, k), ops),
                   "ipp_apply_async_ms": _per_call(lambda k: _ipp_async(view, k), ops)}

        def chain(k: int, each_alone: bool = False) -> None:
            r = c.zeros(100)
            for _ in range(k):
                r = r + 1
                if each_alone:
                    c.flush()
            c.sync()

        def blocking(k: int) -> None:
            r = c.ones(100)
            for _ in range(k):
                float(np.sum(r))

        figures["proxy_chain_ms"] = _per_call(chain, ops)
        figures["proxy_chain_one_message_each_ms"] = _per_call(lambda k: chain(k, each_alone=True), ops)
        figures["proxy_blocking_ms"] = _per_call(blocking, ops)
        figures["spmd_small_sum_ms"] = min(c.run(_spmd_small_sum, c.ones(100), ops) for _ in range(3)) * 1e3
        for count in rows:
            big = c.random.default_rng(0).random((count, 2000))
            c.sync()

            def notebook_large(k: int, big: Any = big) -> None:
                for _ in range(k):
                    float(np.sum(_large_op(big)))

            at = f"_{count}rows"
            figures["large_notebook_ms" + at] = _per_call(notebook_large, repeats)
            figures["large_spmd_ms" + at] = min(c.run(_spmd_large, big, repeats) for _ in range(3)) * 1e3
            figures["large_spmd_no_elision_ms" + at] = min(
                c.run(_spmd_large_held, big, repeats) for _ in range(3)) * 1e3
            del big, notebook_large
    figures["chain_vs_ipp_async"] = figures["proxy_chain_ms"] / figures["ipp_apply_async_ms"]
    figures["chain_one_message_each_vs_ipp_async"] = (figures["proxy_chain_one_message_each_ms"]
                                                      / figures["ipp_apply_async_ms"])
    figures["blocking_vs_ipp_sync"] = figures["proxy_blocking_ms"] / figures["ipp_apply_sync_ms"]
    figures["blocking_minus_engine_work_vs_ipp_sync"] = (
        (figures["proxy_blocking_ms"] - figures["spmd_small_sum_ms"]) / figures["ipp_apply_sync_ms"])
    for count in rows:
        at = f"_{count}rows"
        notebook, spmd = figures["large_notebook_ms" + at], figures["large_spmd_ms" + at]
        figures["large_overhead_ms" + at] = notebook - spmd
        figures["large_vs_spmd" + at] = notebook / spmd
        figures["large_vs_spmd_no_elision" + at] = notebook / figures["large_spmd_no_elision_ms" + at]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m numpy_dist.client.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="2,4", help="engine counts (default %(default)s)")
    parser.add_argument("--ops", type=int, default=300, help="operations per round (default %(default)s)")
    parser.add_argument("--rows", default="4000,16000,64000",
                        help="rows of the large array, comma separated (default %(default)s; 2000 columns)")
    args = parser.parse_args(argv)
    for n in (int(x) for x in args.engines.split(",")):
        figures = measure(n, args.ops, tuple(int(x) for x in args.rows.split(",")))
        print(f"{n} engines:")
        for name, value in figures.items():
            print(f"  {name:40s} {value:9.3f}")
    return 0


if __name__ == "__main__":
    # The functions sent to the engines must come from the importable module, not from __main__.
    from numpy_dist.client.bench import main as _main

    raise SystemExit(_main())
