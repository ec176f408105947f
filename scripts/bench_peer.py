"""Our quickest recipe against the fastest published MNIST recipe, side by side in one process.

The peer is train_mnist_fast's final recipe, rebuilt from its published description: conv 5x5x24 - maxpool -
relu - conv 3x3x32 - maxpool - relu - fc 256 - relu - fc 10, Adam lr 1e-2 with betas (0.7, 0.9), a one-cycle
schedule without momentum cycling, batch 256, the whole 60,000-image training set as one normalised float
tensor, no augmentation; trained for 1 epoch and, separately (the schedule depends on the length), for 2.
"peer+switches" is its 1-epoch run with our CPU switches added (channels-last, bfloat16 autocast where the CPU
has bf16): how much of the gap those alone close.
Ours is ``recipe_for("sprint")`` (our quickest to 99.0%) through :class:`Trainer`, exactly what
``train --arch sprint`` and the window run; ``recipe_for("fast")`` runs beside it for reference.

Both run on the same threads, with the data already in memory, seeds alternating which goes first; the clock
counts training steps only (each epoch's shuffle included) and the MNIST test set is evaluated after the clock
stops. Time to 99.0% is, for each recipe, the median time of its shortest run whose mean test accuracy over the
seeds is >= 99.0% (final epoch, no picking of the best checkpoint).

    python scripts/bench_peer.py                       # 3 seeds, all cores
    python scripts/bench_peer.py --seeds 5 --threads 2
    python scripts/bench_peer.py --quick               # also ours for 99.5% (recipe_for("sprint-wide"))
    python scripts/bench_peer.py --routes --compile    # training throughput of each route, no accuracy
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mnist_pad.core.data import Split, load_split  # noqa: E402
from mnist_pad.core.evaluate import evaluate  # noqa: E402
from mnist_pad.core.recipes import recipe_for  # noqa: E402
from mnist_pad.core.train import Trainer, cpu_has_bf16, split_validation  # noqa: E402

MEAN, STD = 0.1307, 0.3081


def peer_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 24, 5), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(24, 32, 3), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 256), nn.ReLU(), nn.Linear(256, 10),
    )


def normalised(split: Split) -> torch.Tensor:
    return ((split.images.float() / 255 - MEAN) / STD).unsqueeze(1)


def run_peer(x: torch.Tensor, y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor, epochs: int,
             seed: int, tuned: bool = False) -> tuple[float, float]:
    """(training seconds, test accuracy) of the published recipe; ``tuned`` adds our CPU switches to it
    (channels-last memory, bfloat16 autocast where the CPU has bf16), to show what they alone are worth."""
    torch.manual_seed(seed)
    net = peer_net()
    bf16 = tuned and cpu_has_bf16()
    if tuned:
        net, x = net.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    batch = 256
    steps = -(-len(x) // batch) * epochs  # the last, partial batch of each epoch is a step too
    opt = torch.optim.Adam(net.parameters(), lr=1e-2, betas=(0.7, 0.9))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=steps, cycle_momentum=False)
    net.train()
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            idx = order[i : i + batch]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = F.cross_entropy(net(x[idx]).float(), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    seconds = time.perf_counter() - t0
    net.eval()
    with torch.inference_mode():
        correct = sum(int((net(test_x[i : i + 2000]).float().argmax(1) == test_y[i : i + 2000]).sum())
                      for i in range(0, len(test_x), 2000))
    return seconds, correct / len(test_x)


def run_ours(train_full: Split, test: Split, arch: str, seed: int) -> tuple[float, float]:
    """(training seconds, test accuracy) of ``recipe_for(arch)``, as the window and the CLI train it."""
    cfg = replace(recipe_for(arch), seed=seed, device="cpu", log_every=10**9)
    train, val = split_validation(train_full, cfg.val_size, cfg.seed)
    trainer = Trainer(cfg, train, val)
    report = None
    for report in trainer.run():
        pass
    return report.seconds, evaluate(trainer.model, test).accuracy


def route_speed(net: nn.Module, batch: int, channels_last: bool = False, bf16: bool = False, fused: bool = False,
                compile: bool = False, steps: int = 20, rounds: int = 5) -> dict:
    """Training throughput of one net under one set of switches, on random data (no accuracy): the routes that
    docs/training-speed.md weighs. The best of ``rounds`` rounds of ``steps`` steps (the machine is shared);
    with ``compile`` the first step's time (the compilation) is reported too."""
    x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    if channels_last:
        net, x = net.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.7, 0.9), **({"fused": True} if fused else {}))
    model = torch.compile(net) if compile else net

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x).float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    for _ in range(5):
        step()
    per_step = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        per_step = min(per_step, (time.perf_counter() - t0) / steps)
    return {"images_per_s": round(batch / per_step), "epoch_60k_s": round(60000 / batch * per_step, 2),
            "first_step_s": round(first, 2)}


def routes(compile: bool) -> dict:
    """Each route's training throughput for the peer's net and ours (``sprint``), one after the other."""
    from mnist_pad.core.models import build

    variants = [("NCHW fp32", {}), ("channels-last fp32", {"channels_last": True}),
                ("NCHW fused Adam", {"fused": True}), ("NCHW bf16 autocast", {"bf16": True}),
                ("channels-last bf16 autocast", {"channels_last": True, "bf16": True}),
                ("channels-last bf16, batch 512", {"channels_last": True, "bf16": True, "batch": 512})]
    if compile:
        import torch._inductor.config

        torch._inductor.config.force_disable_caches = True  # each compilation timed cold, as a user's first run
        variants.append(("channels-last bf16, torch.compile", {"channels_last": True, "bf16": True, "compile": True}))
    out = {}
    for net_name, make in (("peer", peer_net), ("sprint", lambda: build("sprint")), ("fast", lambda: build("fast"))):
        for name, kw in variants:
            kw = dict(kw)
            torch.manual_seed(0)
            r = route_speed(make(), kw.pop("batch", 256), **kw)
            out[f"{net_name}: {name}"] = r
            print(f"{net_name:6s} {name:34s} {r['images_per_s']:7,d} img/s  epoch of 60k {r['epoch_60k_s']:5.2f} s"
                  + (f"  first step {r['first_step_s']:.1f} s" if kw.get("compile") else ""), flush=True)
    return out


def machine() -> dict:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    flags = fields.get("Flags", "").split()
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
    return {
        "cpu": fields.get("Model name", platform.processor()).strip(),
        "cores": os.cpu_count(),
        "flags": [f for f in wanted if f in flags],
        "torch": torch.__version__,
        "cpu_bf16_in_hardware": cpu_has_bf16(),
    }


def summary(runs: list[tuple[float, float]]) -> dict:
    return {
        "median_seconds": statistics.median(s for s, _ in runs),
        "mean_accuracy": statistics.fmean(a for _, a in runs),
        "runs": [{"seconds": round(s, 3), "test_accuracy": a} for s, a in runs],
    }


def time_to(results: dict[str, dict], names: list[str], bar: float) -> tuple[str, float] | None:
    """The first of ``names`` (shortest first) whose mean accuracy reaches ``bar``: (name, median seconds)."""
    for name in names:
        if results[name]["mean_accuracy"] >= bar:
            return name, results[name]["median_seconds"]
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA", str(REPO.parent / "shared" / "datasets" / "mnist")))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--quick", action="store_true", help="also run ours for 99.5%% (recipe_for('sprint-wide'))")
    ap.add_argument("--routes", action="store_true", help="only time each route's training steps (no accuracy)")
    ap.add_argument("--compile", action="store_true", help="with --routes: torch.compile too (slow to compile)")
    ap.add_argument("--out", help="JSON file (default docs/results/bench_peer.json, or bench_peer-routes.json)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    if args.routes:
        out = Path(args.out or REPO / "docs" / "results" / "bench_peer-routes.json")
        report = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), "threads": torch.get_num_threads(),
                  "routes": routes(args.compile)}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
        return 0
    train_full = load_split("mnist", "train", args.data_dir)
    test = load_split("mnist", "test", args.data_dir)
    x, y = normalised(train_full), train_full.labels.long()
    test_x, test_y = normalised(test), test.labels.long()

    runs: dict[str, list[tuple[float, float]]] = {
        "peer 1 epoch": [], "peer 2 epochs": [], "ours": [], "ours fast": [], "peer+switches": [],
    }
    if args.quick:
        runs["ours quick"] = []
    jobs = {
        "peer 1 epoch": lambda s: run_peer(x, y, test_x, test_y, 1, s),
        "peer 2 epochs": lambda s: run_peer(x, y, test_x, test_y, 2, s),
        "peer+switches": lambda s: run_peer(x, y, test_x, test_y, 1, s, tuned=True),
        "ours": lambda s: run_ours(train_full, test, "sprint", s),
        "ours fast": lambda s: run_ours(train_full, test, "fast", s),
        "ours quick": lambda s: run_ours(train_full, test, "sprint-wide", s),
    }
    for seed in range(args.seeds):
        names = list(runs) if seed % 2 == 0 else list(reversed(runs))  # alternate who goes first
        for name in names:
            seconds, acc = jobs[name](seed)
            runs[name].append((seconds, acc))
            print(f"seed {seed}  {name:14s} {seconds:6.2f} s  test {acc * 100:.2f}%", flush=True)

    results = {name: summary(r) for name, r in runs.items()}
    peer = time_to(results, ["peer 1 epoch", "peer 2 epochs"], 0.990)
    ours = time_to(results, ["ours"], 0.990)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "threads": torch.get_num_threads(),
        "seeds": args.seeds,
        "results": results,
        "peer_seconds_to_99.0": peer and {"run": peer[0], "seconds": peer[1]},
        "ours_seconds_to_99.0": ours and {"run": ours[0], "seconds": ours[1]},
        "ratio_ours_to_peer": ours[1] / peer[1] if ours and peer else None,
        "peer_epoch_ratio": results["ours"]["median_seconds"] / results["peer 1 epoch"]["median_seconds"],
    }
    if args.quick:
        report["ours_quick_reaches_99.5"] = results["ours quick"]["mean_accuracy"] >= 0.995
    report["recipes"] = {"ours": "sprint", "ours fast": "fast", "ours quick": "sprint-wide"}
    switched = results["peer+switches"]
    if switched["mean_accuracy"] >= 0.990 and ours:
        report["ratio_ours_to_peer_with_switches"] = ours[1] / switched["median_seconds"]
    out = Path(args.out or REPO / "docs" / "results" / "bench_peer.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    for name, r in results.items():
        print(f"{name:14s} median {r['median_seconds']:6.2f} s  mean test {r['mean_accuracy'] * 100:.3f}%")
    print(f"peer to 99.0%: {peer}   ours to 99.0%: {ours}")
    if report["ratio_ours_to_peer"] is not None:
        print(f"ours / peer: {report['ratio_ours_to_peer']:.2f}x the peer's time ({1 / report['ratio_ours_to_peer']:.2f}x faster)")
    else:
        print("ours / peer: no ratio (a recipe's mean stayed under 99.0%)")
    if "ratio_ours_to_peer_with_switches" in report:
        print(f"ours / (peer with our CPU switches): {report['ratio_ours_to_peer_with_switches']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
