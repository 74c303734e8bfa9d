"""The cluster's nginx holds the phones it is sized for: enough workers for their descriptors."""

import re
import subprocess

from deploy.cluster import NGINX, NGINX_RLIMIT, Cluster, nginx_rlimit, nginx_workers, render_nginx
from tests.cluster.conftest import _require_nginx


def test_one_worker_per_core_when_the_descriptors_fit():
    assert nginx_workers(20000, limit=1_000_000, cores=2) == 2
    assert nginx_workers(1000, limit=20000, cores=4) == 4


def test_more_workers_when_a_worker_cannot_hold_its_share():
    # Two workers at 20,000 descriptors each held ~19,900 proxied phones (two descriptors each) and
    # refused the rest: 20,000 phones need three, with a quarter spare for reuseport's uneven hash.
    assert nginx_workers(20000, limit=20000, cores=2) == 3
    assert nginx_workers(30000, limit=20000, cores=2) == 4
    # worker_rlimit_nofile (65,536) is the most a worker asks for, whatever the hard limit allows.
    assert nginx_workers(100000, limit=1_000_000, cores=2) == 4


def test_a_worker_asks_for_no_more_descriptors_than_it_may_have():
    assert nginx_rlimit(20000) == 20000
    assert nginx_rlimit(1_000_000) == NGINX_RLIMIT


def test_the_rendered_config_names_every_value_and_nginx_accepts_it(tmp_path):
    cluster = Cluster(port=18080, app_ports=[15101, 15102], var=tmp_path, clients=20000)
    text = render_nginx(cluster).read_text()
    assert "@" not in re.sub(r"#.*", "", text)
    workers = int(re.search(r"^worker_processes (\d+);", text, re.M).group(1))
    assert workers == nginx_workers(20000)
    assert f"worker_rlimit_nofile {nginx_rlimit()};" in text
    assert f"worker_connections {nginx_rlimit()};" in text  # no more connections than descriptors
    assert "listen 127.0.0.1:18080 reuseport" in text
    _require_nginx()
    checked = subprocess.run(
        [NGINX, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "exceed open file resource limit" not in checked.stderr
