from bench.lib.wrk import parse

OUTPUT = """Running 8s test @ http://127.0.0.1:5000/
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   720.51ms  300.12ms   1.90s    70.00%
    Req/Sec    40.12     20.00   100.00     70.00%
  Latency Distribution
     50%  680.00ms
     75%  900.00ms
     90%    1.20s
     99%    1.39s
  500 requests in 8.05s, 3.50MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:     62.11
Transfer/sec:    445.12KB
"""


def test_parse_reads_rate_percentiles_and_errors_from_wrk_output():
    got = parse(OUTPUT)
    assert got["rps"] == 62.11
    assert round(got["p50"], 3) == 0.68
    assert round(got["p99"], 2) == 1.39
    assert got["requests"] == 500
    assert got["errors"] == 5
    assert got["non_2xx"] == 4
    assert got["transfer"] == "445.12KB"
