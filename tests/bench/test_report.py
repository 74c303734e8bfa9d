"""Every bench script's command line: its docstring as help, --readme, and --max-seconds when it has one."""

import sys

import pytest

from bench.lib import report


def test_parse_args_gives_readme_and_the_max_seconds_default(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["memory.py", "--clients", "10"])
    parser = report.parser("Measure memory.\n\nMore text.")
    parser.add_argument("--clients", type=int)
    args = report.parse_args(parser, max_seconds=900.0)
    assert (args.clients, args.max_seconds, args.readme) == (10, 900.0, False)
    assert parser.description.startswith("Measure memory.")


def test_parse_args_without_max_seconds_refuses_it(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["http_load.py", "--readme"])
    assert report.parse_args(report.parser("Measure HTTP.")).readme is True
    monkeypatch.setattr(sys, "argv", ["http_load.py", "--max-seconds", "5"])
    with pytest.raises(SystemExit) as exited:
        report.parse_args(report.parser("Measure HTTP."))
    assert exited.value.code == 2
    assert "unrecognized arguments: --max-seconds 5" in capsys.readouterr().err
