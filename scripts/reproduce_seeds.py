"""Seed reproduction: train each net of the seed articles with the article's own recipe, and once more with
our recipe as it is now (``OURS["default"]`` for the same number of epochs), then write docs/seed-reproduction.md
with the article's claim, in context, beside the measured test accuracy (MNIST; CIFAR-10 for article 001's
seed-cifar). A result measured with another definition of the net or recipe than today's is marked as such in
the table; a net whose dataset is nowhere to be found is marked "not run here".

    python scripts/reproduce_seeds.py --data-dir ../shared/datasets/mnist [--archs seed-torch seed-keras]
    python scripts/reproduce_seeds.py --archs seed-cifar --cifar-dir DIR  # DIR: cifar-10-python.tar.gz, or its files

The table is rewritten after every run, so an interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import MISSING, fields, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from mnist_pad.core.data import DataMissing, get_spec, load_split  # noqa: E402
from mnist_pad.core.device import describe, resolve_device  # noqa: E402
from mnist_pad.core.evaluate import evaluate  # noqa: E402
from mnist_pad.core.models import build, get_arch, parameter_count  # noqa: E402
from mnist_pad.core.recipes import ARTICLE, ASSUMED, CLAIM_CONTEXT, CLAIMS, recipe_for  # noqa: E402
from mnist_pad.core.train import TrainConfig, Trainer, split_validation  # noqa: E402

ORDER = ("seed-torch", "seed-keras", "seed-dense128", "seed-convnet", "seed-convnet-bn", "seed-cifar")  # cheapest first

# How closely each net follows its article (the page says "layer for layer" only where it is so).
FIDELITY = {
    "seed-torch": "layer for layer; the flatten size derived (the article's 64*5*5 does not fit 28x28 inputs: 64*4*4)",
    "seed-keras": "layer for layer (valid padding; the softmax is in the loss); Adam's epsilon is PyTorch's 1e-8 "
                  "(Keras's is 1e-7)",
    "seed-dense128": "the article's layers; its conv's filter count is not given (32 assumed)",
    "seed-convnet": "layer for layer, the article's code",
    "seed-convnet-bn": "the article's design: its code with batchnorm after each pooling and after fc1 (placed after "
                       "fc1's ReLU, where the design's conv batchnorms sit after their blocks)",
    "seed-cifar": "layer for layer on 32x32x3 inputs (valid padding; the softmax is in the loss); Adam's epsilon is "
                  "PyTorch's 1e-8 (Keras's is 1e-7)",
}
IGNORED = ("device", "log_every")  # recipe fields that do not change what is measured


def describe_recipe(cfg) -> str:
    """An article recipe in a few words, 'assumed' where the article does not give it."""
    momentum = f" momentum {cfg.momentum:g}{' Nesterov' if cfg.nesterov else ''}" if cfg.optimizer == "sgd" else ""
    inputs = "/ 255" if tuple(cfg.normalize) == (0.0, 1.0) else f"Normalize({cfg.normalize[0]:g}, {cfg.normalize[1]:g})"
    init = ", glorot-uniform init" if cfg.init == "glorot" else ""
    assumed = " (assumed)" if cfg.arch in ASSUMED else ""
    return (f"{cfg.optimizer} lr {cfg.lr:g}{momentum}, batch {cfg.batch_size}, {cfg.epochs} epochs, inputs {inputs}"
            f"{init}{assumed}")


def definition(cfg) -> dict:
    """What a result was measured with: the recipe (less what does not change it) and the net, as JSON types."""
    recipe = {k: v for k, v in cfg.to_dict().items() if k not in IGNORED}
    return json.loads(json.dumps({"recipe": recipe, "net": get_arch(cfg.arch).to_dict()}))


def measured_with(stored: dict | None, cfg) -> bool:
    """Whether a result was measured with ``cfg``'s definition. A recipe field added since (knowledge distillation,
    say) changes nothing while it has its default value."""
    if stored is None:
        return False
    now = definition(cfg)
    defaults = json.loads(json.dumps({f.name: f.default for f in fields(TrainConfig) if f.default is not MISSING}))
    now["recipe"] = {k: v for k, v in now["recipe"].items()
                     if k in stored.get("recipe", {}) or k not in defaults or v != defaults[k]}
    return stored == now


def run(cfg, train_full, test, machine: str) -> dict:
    train, val = split_validation(train_full, cfg.val_size, cfg.seed)
    trainer = Trainer(cfg, train, val)
    for p in trainer.run():
        if p.kind == "epoch":
            print(f"  {cfg.arch} epoch {p.epoch}/{p.epochs} val {p.val_accuracy * 100:.2f}% ({p.seconds:.0f} s)", flush=True)
    last = trainer.history[-1]
    accuracy = evaluate(trainer.model, test, get_spec(cfg.dataset).classes).accuracy
    return {"test_accuracy": accuracy, "epochs": last.epoch, "seconds": last.seconds,
            "date": time.strftime("%Y-%m-%d"), "machine": machine, "threads": torch.get_num_threads(),
            "definition": definition(cfg)}


def recipes(arch: str, device: str = "cpu") -> dict:
    """The article's recipe and ours on the article's dataset for the same epochs (ours as it is now: see OURS)."""
    article = replace(ARTICLE[arch], device=device)
    ours = replace(recipe_for(arch, "ours", article.dataset), epochs=article.epochs, device=device)
    return {"article": article, "ours": ours}


def _cell(result: dict | None, cfg, not_run: str | None) -> tuple[str, bool]:
    """(the measured accuracy, whether it was measured with another definition of the net or recipe); without a
    result, why it was not run when that is known."""
    if not result:
        return f"not run here: {not_run}" if not_run else "not run", False
    stale = not measured_with(result.get("definition"), cfg)
    return f"{result['test_accuracy'] * 100:.2f}%{' †' if stale else ''}", stale


def write_table(rows: dict[str, dict], path: Path) -> None:
    lines = [
        "# Seed reproduction",
        "",
        "Each net of the seed articles, rebuilt as the articles describe it (`mnist-pad archs`; how closely: below),",
        "trained with the article's recipe and with ours for the same number of epochs. Test accuracy of the final",
        "epoch on MNIST (on CIFAR-10 for `seed-cifar`, article 001's net); 5,000 training images held out for",
        "validation in both; one seed (0). Produced by `scripts/reproduce_seeds.py` (`--archs NAME` measures one net",
        "again).",
        "",
        "| net | params | article's recipe | article's claim | measured, article's recipe | measured, our recipe | epochs | time (article / ours) |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    stale_rows, machines = [], set()
    for arch in ORDER:
        r, cfgs = rows.get(arch, {}), recipes(arch)
        claim = f"{CLAIMS[arch]:.2f}%" if CLAIMS[arch] is not None else "no test figure"
        (a_text, a_stale), (o_text, o_stale) = (_cell(r.get(k), cfgs[k], r.get("not_run")) for k in ("article", "ours"))
        times = [f"{r[k]['seconds']:.0f} s" if r.get(k) else "-" for k in ("article", "ours")]
        params = parameter_count(build(arch))
        lines.append(f"| {arch} | {params:,} | {describe_recipe(cfgs['article'])} | {claim} | {a_text} | {o_text} | "
                     f"{cfgs['article'].epochs} | {times[0]} / {times[1]} |")
        if a_stale or o_stale:
            stale_rows.append(f"- `{arch}`: measured with the recipe then written as \"{r.get('recipe', '?')}\"")
        machines |= {(x.get("date", "?"), x.get("machine", "?")) for x in (r.get("article"), r.get("ours")) if x}
    lines += ["", "Measured on: " + "; ".join(f"{m} ({d})" for d, m in sorted(machines)) + ". Training time excludes",
              "evaluation; the runs shared the CPU with other jobs (torch threads per run: docs/results/seed_reproduction.json),",
              "so compare the accuracies, not the times.", ""]
    if stale_rows:
        lines += ["† Measured with an earlier definition of the net or of the recipe, and not measured again since:",
                  *stale_rows, ""]
    lines += ["## How faithful each rebuild is", ""]
    lines += [f"- `{arch}`: {FIDELITY[arch]}." for arch in ORDER]
    lines += ["", "## What the articles claim, in context", ""]
    lines += [f"- `{arch}`: {CLAIM_CONTEXT[arch]}." for arch in ORDER]
    lines += [f"- `{arch}`, assumed: {text}." for arch, text in ASSUMED.items()]
    path.write_text("\n".join(lines) + "\n")


RESULTS = REPO / "docs" / "results" / "seed_reproduction.json"


def save_row(row: dict) -> None:
    """Merge ``row`` into the results file (by net, so that runs of different nets in parallel processes
    add up) and rewrite the table from all rows."""
    rows = {r["arch"]: r for r in (json.loads(RESULTS.read_text()) if RESULTS.exists() else [])}
    merged = {**rows.get(row["arch"], {}), **row}  # a run of one recipe keeps the other's result
    if "article" in merged or "ours" in merged:
        merged.pop("not_run", None)
    rows[row["arch"]] = merged
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps([rows[a] for a in ORDER if a in rows], indent=2))
    write_table(rows, REPO / "docs" / "seed-reproduction.md")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA", str(REPO.parent / "shared" / "datasets" / "mnist")),
                    help="the MNIST folder")
    ap.add_argument("--cifar-dir", help="the folder of cifar-10-python.tar.gz or its files (default: searched as "
                    "'mnist-pad train --dataset cifar10' searches)")
    ap.add_argument("--archs", nargs="*", default=list(ORDER), choices=ORDER)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--recipes", nargs="+", default=["article", "ours"], choices=["article", "ours"])
    args = ap.parse_args()
    device = resolve_device(args.device)
    folders, splits = {"mnist": args.data_dir, "cifar10": args.cifar_dir}, {}
    machine = f"{describe(device)}, {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}"
    for arch in args.archs:
        cfgs = recipes(arch, str(device))
        row = {"arch": arch, "params": parameter_count(build(arch)), "claim": CLAIMS[arch]}
        dataset = cfgs["article"].dataset
        try:
            splits[dataset] = splits.get(dataset) or [load_split(dataset, s, folders[dataset]) for s in ("train", "test")]
        except DataMissing as exc:  # the table says so (a result measured elsewhere before is kept)
            print(f"{arch}: not run: {exc}", file=sys.stderr)
            save_row({**row, "not_run": "no copy offline"})
            continue
        if "article" in args.recipes:  # the article recipe's words as measured (the table marks later changes)
            row["recipe"] = describe_recipe(cfgs["article"])
        for name in args.recipes:
            row[name] = run(cfgs[name], *splits[dataset], machine)
            save_row(row)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
