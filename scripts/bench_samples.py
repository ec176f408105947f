"""Sample store benchmark (figures in docs/finetune.md): time to add and to load 5,000 samples with their
strokes, and SIGKILL reliability (a process adding samples in a loop is killed at a random moment, many
times; every sample it finished must load, and at most the one being written may be lost).

    PYTHONPATH=. python3 scripts/bench_samples.py [--n 5000] [--kills 20]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mnist_pad.core.preprocess import preprocess
from mnist_pad.core.samples import SampleStore
from mnist_pad.core.writer import writer_dataset

REPO = Path(__file__).resolve().parent.parent

ADD_LOOP = """
import sys
from mnist_pad.core.preprocess import preprocess
from mnist_pad.core.samples import SampleStore
from mnist_pad.core.writer import writer_dataset
images, labels, strokes = writer_dataset(1, seed=1, size=112)
inputs = [preprocess(img).image for img in images]
store = SampleStore(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    store.add(int(labels[i % 10]), inputs[i % 10], strokes[i % 10])
    i += 1
"""


def bench_load(n: int, root: Path) -> None:
    images, labels, strokes = writer_dataset(5, seed=0, size=112)
    inputs = [preprocess(img).image for img in images]
    points = sum(len(s) for s in strokes[0])
    store = SampleStore(root)
    t = time.perf_counter()
    for i in range(n):
        j = i % len(inputs)
        store.add(int(labels[j]), inputs[j], strokes[j])
    add = time.perf_counter() - t
    size = sum(p.stat().st_size for p in root.glob("*.json"))
    print(f"add {n} samples (fsync each): {add:.1f} s, {add / n * 1000:.2f} ms per sample; "
          f"{size / n / 1024:.1f} KiB per sample on disk (~{points} stroke points each)")
    times = []
    for _ in range(3):
        t = time.perf_counter()
        loaded = SampleStore(root)
        times.append(time.perf_counter() - t)
    assert len(loaded) == n and not loaded.problems, (len(loaded), loaded.problems[:3])
    t = time.perf_counter()
    split = loaded.as_split()
    counts = loaded.counts()
    snap = time.perf_counter() - t
    print(f"load {n} samples: best {min(times):.2f} s, median {statistics.median(times):.2f} s (page cache warm); "
          f"as_split + counts {snap * 1000:.0f} ms; {len(split)} images, counts {counts}")


def bench_kill(kills: int, root: Path, seed: int = 0) -> None:
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    lost_max, total = 0, 0
    for k in range(kills):
        before = len(list(root.glob("*.json")))
        proc = subprocess.Popen([sys.executable, "-c", ADD_LOOP, str(root)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = SampleStore(root)
        files = len(list(root.glob("*.json")))
        temps = len(list(root.glob(".*.tmp")))
        if store.problems or len(store) != files:
            raise SystemExit(f"kill {k}: {len(store)} loaded of {files} files, problems {store.problems}")
        lost_max = max(lost_max, temps)
        total = len(store)
        for tmp in root.glob(".*.tmp"):
            tmp.unlink()
        print(f"kill {k + 1}/{kills}: {len(store) - before} added before the kill, all {len(store)} load; "
              f"{temps} half-written sample(s) lost", flush=True)
    print(f"SIGKILL x{kills}: {total} samples, no damaged file, at most {lost_max} sample lost per kill")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--kills", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_load(args.n, Path(tmp) / "load")
        bench_kill(args.kills, Path(tmp) / "kill")
    return 0


if __name__ == "__main__":
    sys.exit(main())
