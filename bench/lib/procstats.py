"""What a process and the machine used, read from /proc: descriptors, memory, CPU seconds."""

import contextlib
import os
import resource
from pathlib import Path

LOG_PROBLEMS = ("Traceback", "Error", "ERROR", "WARNING", "Exception", "Too many open files")


def raise_nofile() -> tuple[int, int]:
    """Raise the soft open-file limit to the hard limit; return (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def proc_stats(pid: int) -> dict:
    """Return open descriptors, RSS (MiB), CPU seconds and the soft open-file limit of a process."""
    stats: dict = {}
    with contextlib.suppress(OSError):
        stats["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                stats["rss_mib"] = int(line.split()[1]) / 1024
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        stats["cpu_s"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                stats["nofile_soft"] = line.split()[3]
    return stats


def cpu_of(pids: list[int]) -> float:
    """Return the CPU seconds used so far by the processes pids (0 for those that are gone)."""
    return sum(proc_stats(pid).get("cpu_s", 0.0) for pid in pids)


def rss_of(pids: list[int]) -> float:
    """Return the resident memory (MiB) of the processes pids added up."""
    return sum(proc_stats(pid).get("rss_mib", 0.0) for pid in pids)


def machine_cpu() -> tuple[float, float]:
    """Return busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / hz, total / hz


def log_problems(path: Path) -> tuple[int, list[str]]:
    """Count lines of a server log that look like trouble; return the count and the first few."""
    with contextlib.suppress(OSError):
        lines = [
            line
            for line in path.read_text(errors="replace").splitlines()
            if any(word in line for word in LOG_PROBLEMS)
        ]
        return len(lines), list(dict.fromkeys(lines))[:8]
    return 0, []


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages as text."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
