"""Where does a turn's time go? Samples the Rasa server and the action server with py-spy while a
sequential load runs, then prints the heaviest stacks (collapsed) of each process.

    pip install --target /tmp/pyspy py-spy     # once, outside the project venvs
    .venv/rasa/bin/python bench/profile_turns.py [--pyspy /tmp/pyspy/bin/py-spy] [--messages 120]
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
from run import Deployment, conversations, current_model  # noqa: E402


def top(collapsed: Path, n: int, depth_filter: str) -> str:
    """Inclusive sample share of the frames whose text contains depth_filter."""
    inclusive = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        count = int(count)
        total += count
        frames = set()
        for frame in stack.split(";"):
            if depth_filter in frame:
                frames.add(frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0].split("/")[-1] + ")")
        for frame in frames:
            inclusive[frame] += count
    rows = [f"{c / total:6.1%}  {f}" for f, c in inclusive.most_common(n)]
    return f"{total} samples\n" + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pyspy", default="/tmp/pyspy/bin/py-spy")
    parser.add_argument("--messages", type=int, default=120)
    parser.add_argument("--filter", default="", help="only frames containing this text (e.g. 'rasa/')")
    parser.add_argument("--keep", type=Path, default=None, help="copy the collapsed stacks into this folder")
    parser.add_argument("--top", type=int, default=45, help="how many frames to print per process")
    parser.add_argument("--model", type=Path, default=None, help="model archive (default: the current one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netguide-profile-") as scratch:
        workdir = Path(scratch)
        deployment = Deployment("profile", args.model or current_model(), True, workdir)
        try:
            deployment.start()
            convs = conversations()
            load.run_levels(deployment.url_for, convs, [], warmup=30, label="warm")
            spies = []
            for proc in (deployment.rasa[0], deployment.actions[0]):
                out = workdir / f"{proc.name}.collapsed"
                spies.append((proc.name, out, subprocess.Popen(
                    [args.pyspy, "record", "--pid", str(proc.pid), "--format", "raw", "--output", str(out),
                     "--rate", "200", "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
            import time
            time.sleep(2)
            figures = load.run_levels(deployment.url_for, convs, [("sequential", 1, args.messages)], label="prof")
            print("load:", figures["sequential"])
            for _, _, spy in spies:
                spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
                spy.wait(timeout=30)
            for name, out, _ in spies:
                print(f"\n=== {name} ===")
                print(top(out, args.top, args.filter) if out.exists() else "no samples (py-spy needs ptrace permission)")
                if args.keep and out.exists():
                    args.keep.mkdir(parents=True, exist_ok=True)
                    (args.keep / out.name).write_text(out.read_text())
        finally:
            deployment.stop()


if __name__ == "__main__":
    main()
