"""What sample and checkpoint writes promise under concurrent use and SIGKILL (docs/reliability.md): two
writers never break each other or a reader; a killed save leaves the old file or the new one, whole, and its
temporary file is removed by the next write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mnist_pad.core.checkpoint import load
from mnist_pad.core.files import is_temp_name
from mnist_pad.core.sample_file import read_store
from mnist_pad.core.samples import SampleStore

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}

WRITER = """
import sys, numpy as np
from mnist_pad.core.samples import SampleStore
store = SampleStore(sys.argv[1])
img = np.zeros((28, 28), np.uint8); img[5:20, 10:15] = 255
for i in range(int(sys.argv[2])):
    store.add(i % 10, img)
    if i % 10 == 0:
        store.reload()  # a writer reads the folder too (the window does, on Reload)
print(len(store))
"""


def test_two_writers_and_a_reader_never_break_each_other(tmp_path):
    per_writer = 150
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(per_writer)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV) for _ in range(2)]
    reads = 0
    while any(w.poll() is None for w in writers):
        samples, problems = read_store(tmp_path)  # while files come and temporary ones are renamed away
        assert problems == [], problems
        reads += 1
    for w in writers:
        out, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
    assert reads > 1
    store = SampleStore(tmp_path)
    assert len(store) == 2 * per_writer and store.problems == []
    assert not [p for p in tmp_path.iterdir() if is_temp_name(p.name)]


SAVE_LOOP = """
import sys, torch
from mnist_pad.core.checkpoint import save
from mnist_pad.core.models import build
model = build("default")
print("ready", flush=True)
i = 0
while True:
    torch.nn.init.normal_(model.classifier[-1].bias)  # each save differs from the last
    save(sys.argv[1], model, name="looping", round=i)
    i += 1
"""


def test_sigkill_during_checkpoint_saves_leaves_a_whole_file_and_no_temporary_file_behind(tmp_path):
    target = tmp_path / "model.safetensors"
    rounds = set()
    for kill in range(6):
        proc = subprocess.Popen([sys.executable, "-c", SAVE_LOOP, str(target)], stdout=subprocess.PIPE, env=ENV)
        try:
            assert proc.stdout.readline().strip() == b"ready"
            time.sleep(0.2 + 0.07 * kill)  # at different moments of a save
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        if target.exists():
            rounds.add(load(target).meta["round"])  # whatever the moment: a whole checkpoint
    assert rounds, "no save finished in any run"
    subprocess.run([sys.executable, "-c", SAVE_LOOP.replace("while True", "while i < 1"), str(target)], env=ENV,
                   check=True, stdout=subprocess.DEVNULL, timeout=120)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # the killed saves' temporary files are gone
    assert load(target).meta["round"] == 0
