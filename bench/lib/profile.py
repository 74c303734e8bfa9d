"""Sample where a server's CPU goes with py-spy while a benchmark runs, and sum the samples by function."""

import contextlib
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"


def start(pid: int, out_dir: str, result) -> subprocess.Popen | None:
    """Start `py-spy record` (raw collapsed stacks, 100 Hz) on pid into out_dir; None when py-spy is missing."""
    spy = str(PY_SPY) if PY_SPY.exists() else shutil.which("py-spy")
    if spy is None:
        result.notes.append("py-spy not found: no profile")
        return None
    out = Path(out_dir) / f"py-spy-{result.target}-{result.n}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    result.notes.append(f"py-spy profile: {out}")
    command = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "100", "--output", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen) -> None:
    """Stop py-spy the way Ctrl-C does, so it writes its output."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def summarize(path: Path, top: int = 25) -> list[tuple[str, float, float]]:
    """Return (function, self %, inclusive %) of the top functions in a py-spy raw file, by inclusive time."""
    own: Counter = Counter()
    total_in: Counter = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        with contextlib.suppress(ValueError):
            n = int(count)
            frames = [
                frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")"
                for frame in stack.split(";")
                if frame
            ]
            samples += n
            if frames:
                own[frames[-1]] += n
            for frame in set(frames):
                total_in[frame] += n
    if not samples:
        return []
    return [
        (name, 100 * own[name] / samples, 100 * value / samples) for name, value in total_in.most_common(top)
    ]


def main() -> int:
    """Print the top functions of py-spy raw files given on the command line."""
    for name in sys.argv[1:]:
        print(f"{name}: function | self % | inclusive %")
        for function, self_pct, incl in summarize(Path(name)):
            print(f"  {function} | {self_pct:.1f} | {incl:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
