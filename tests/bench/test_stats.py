import math

from bench.lib.stats import Deliveries, percentile, split


def test_percentile_is_nearest_rank():
    ordered = [float(v) for v in range(1, 101)]
    assert percentile(ordered, 50) == 50.0
    assert percentile(ordered, 99) == 99.0
    assert math.isnan(percentile([], 99))


def test_split_shares_clients_over_workers_without_empty_workers():
    assert split(10, 4) == [3, 3, 2, 2]
    assert split(2, 4) == [1, 1]


def test_deliveries_count_duplicates_order_and_latency_against_post_times():
    posts = {1: 100.0, 2: 101.0, 3: 102.0}
    deliveries = Deliveries()
    deliveries.add_client([1, 3, 2, 2], [100.05, 102.01, 102.02, 102.03], posts)
    deliveries.add_client([1], [100.2], posts)
    assert deliveries.received == 4
    assert deliveries.duplicates == 1
    assert deliveries.out_of_order == 1
    summary = deliveries.summary()
    assert round(summary["max"], 3) == 1.02
    assert [round(v, 3) for v in summary["per_change_max"]] == [0.2, 1.02, 0.01]
