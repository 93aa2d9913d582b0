"""The scaling projection (``python -m numpy_dist.benchmarks --model``): its table and its verdicts.

The rates are fixed here (not measured), so every rank computes the same table without messages.
"""

from __future__ import annotations

from numpy_dist.benchmarks import model
from numpy_dist.benchmarks.__main__ import parse_args
from numpy_dist.testing import assert_all_ranks

#: Rates of the order this 2-core VM measures.
RATES = model.Rates(chain=60e-9, reduce=1e-9, stencil=15e-9, flop=1 / 25e9, sort=1.5e-9, fft=1 / 1e9, call=5e-6)


def _verdicts(net=model.INFINIBAND):
    return {w.key: model.stops_scaling(costs) for w, costs in model.project(RATES, net)}


def test_the_table_has_every_workload_and_rank_count():
    text = model.format_projection(RATES, model.INFINIBAND)
    lines = text.splitlines()
    head = next(line for line in lines if line.strip().startswith("problem"))
    assert_all_ranks(head.split()[1:] == [str(p) for p in model.RANKS], head)
    for key in ("W1", "W2", "W2b", "W3", "W4", "W5", "W5g", "W6", "W7", "W8"):
        assert_all_ranks(any(line.startswith(f"{key} ") for line in lines), f"{key} missing from the table")
    assert_all_ranks("where each workload stops scaling" in text)


def test_verdicts_follow_the_laws():
    v = _verdicts()
    # Nothing moves: W1 keeps scaling.  Small per-call work: W7 stops at once, on latency or overhead.
    assert_all_ranks(v["W1"][0] is None, str(v["W1"]))
    assert_all_ranks(v["W7"][0] == model.RANKS[1], str(v["W7"]))
    # The sort's splitter rounds are O(P S) per rank: it keeps scaling on this problem; a grid matmul
    # outscales row blocks.
    assert_all_ranks(v["W6"][0] is None, str(v["W6"]))
    assert_all_ranks(v["W5g"][0] is None, str(v["W5g"]))


def test_a_slower_network_stops_workloads_earlier():
    fast, slow = _verdicts(), _verdicts(model.NETWORKS["ethernet"])
    first = {k: (p or 10**9) for k, (p, _) in fast.items()}
    later = {k: (p or 10**9) for k, (p, _) in slow.items()}
    assert_all_ranks(all(later[k] <= first[k] for k in first), f"{fast} vs {slow}")
    assert_all_ranks(later["W5"] < first["W5"], f"W5: {fast['W5']} vs {slow['W5']}")


def test_model_flag_and_network_parameters_parse():
    args = parse_args(["--model", "--network", "ethernet", "--latency-us", "3", "--bandwidth-gbs", "5"])
    assert_all_ranks(args.model and args.network == "ethernet" and args.latency_us == 3.0
                     and args.bandwidth_gbs == 5.0, str(args))
