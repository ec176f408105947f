"""Model names (core.catalog): what --weights and the model picker accept, the stem of a fine-tuned model,
and renaming and deleting the user's models, never the shipped ones and never losing one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from mnist_pad.core.catalog import (
    delete_model,
    list_models,
    new_model_path,
    rename_model,
    resolve_model,
    tuned_stem,
)
from mnist_pad.core.checkpoint import load, read_meta, save
from mnist_pad.core.files import BadInput, WriteFailed
from mnist_pad.core.models import build
from mnist_pad.core.paths import models_dir, shipped_weights


@pytest.fixture
def models(tmp_path, monkeypatch) -> Path:
    """The user's models folder, in this test's own folder."""
    monkeypatch.setenv("MNIST_PAD_HOME", str(tmp_path / "home"))
    folder = models_dir()
    folder.mkdir(parents=True)
    assert folder.is_relative_to(tmp_path)
    return folder


def user_model(name: str, seed: int = 0, mtime: float | None = None) -> Path:
    """A checkpoint of the fast architecture (random weights from ``seed``) in the user's models folder."""
    torch.manual_seed(seed)
    path = save(models_dir() / f"{name}.safetensors", build("fast"), name=name, dataset="mnist")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def same_weights(a: Path, b: Path) -> bool:
    sa, sb = load(a).model.state_dict(), load(b).model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# --- names for --weights ------------------------------------------------------------------------------------
def test_resolve_model_takes_shipped_and_user_names(models):
    mine = user_model("mine")
    assert resolve_model("default") == shipped_weights("default")
    assert resolve_model("small") == shipped_weights("small")
    assert resolve_model("mine") == mine


def test_an_existing_file_wins_over_a_name(models, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("small").write_bytes(b"whatever it holds: loading it will say")
    assert resolve_model("small") == Path("small")
    assert resolve_model(str(tmp_path / "small")) == tmp_path / "small"
    os.symlink(tmp_path / "gone", "dangling")  # a path too: loading it names the missing file
    assert resolve_model("dangling") == Path("dangling")


def test_an_unknown_name_is_refused_naming_it_and_the_models(models):
    user_model("mine")
    with pytest.raises(BadInput) as refused:
        resolve_model("mnie")
    message = str(refused.value)
    assert message.startswith("mnie: ") and "no such checkpoint file" in message
    assert "(models: default, small, reader, mine)" in message
    with pytest.raises(BadInput, match="empty"):
        resolve_model("  ")


def test_a_long_list_of_models_is_shortened(models):
    for i in range(10):
        user_model(f"m{i}", mtime=1_700_000_000 + i)
    with pytest.raises(BadInput) as refused:
        resolve_model("nope")
    assert "(models: default, small, reader, m9, m8, m7, m6, m5, ... (13 in all))" in str(refused.value)


def test_a_damaged_user_model_by_name_is_handed_on_for_loading_to_explain(models):
    (models / "broken.safetensors").write_bytes(b"\x00" * 64)
    assert "broken" not in [e.name for e in list_models()[0]]
    assert resolve_model("broken") == models / "broken.safetensors"


# --- the stem of a fine-tuned model -------------------------------------------------------------------------
@pytest.mark.parametrize("base, stem", [
    ("default", "default-tuned"), ("default-tuned", "default-tuned"), ("default-tuned-3", "default-tuned"),
    ("fast-mnist-2", "fast-mnist-2-tuned"), ("my-tuned-digits", "my-tuned-digits-tuned"),
])
def test_tuned_stem_never_chains(base, stem):
    assert tuned_stem(base) == stem


def test_tuning_a_tuned_model_again_numbers_the_new_one(models):
    user_model("default-tuned")
    assert new_model_path(tuned_stem("default-tuned")) == models / "default-tuned-2.safetensors"
    user_model("default-tuned-2")
    assert new_model_path(tuned_stem("default-tuned-2")) == models / "default-tuned-3.safetensors"


# --- renaming -----------------------------------------------------------------------------------------------
def test_rename_moves_the_file_and_the_name_it_records(models):
    older = user_model("older", seed=1, mtime=1_700_000_000)
    path = user_model("mine", seed=2, mtime=1_700_000_100)
    newer = user_model("newer", seed=3, mtime=1_700_000_200)
    before = load(path)
    renamed = rename_model(path, "  digits_v2.1  ")
    assert renamed == models / "digits_v2.1.safetensors" and not path.exists()
    after = load(renamed)
    assert after.name == "digits_v2.1" and read_meta(renamed)["name"] == "digits_v2.1"
    assert {k: v for k, v in after.meta.items() if k != "name"} == {k: v for k, v in before.meta.items() if k != "name"}
    assert all(torch.equal(v, before.model.state_dict()[k]) for k, v in after.model.state_dict().items())
    assert renamed.stat().st_mtime == 1_700_000_100  # keeps its place in the list, newest first
    assert [e.name for e in list_models()[0] if not e.shipped] == ["newer", "digits_v2.1", "older"]
    assert sorted(p.name for p in models.iterdir()) == sorted(p.name for p in (older, renamed, newer))


def test_rename_to_its_own_name_changes_nothing(models):
    path = user_model("mine")
    data = path.read_bytes()
    assert rename_model(path, "mine") == path and path.read_bytes() == data


@pytest.mark.parametrize("name", ["", "   ", "a/b", "..", ".hidden", "a b", "dígito", "x" * 65, "a\\b"])
def test_rename_refuses_a_bad_name(models, name):
    path = user_model("mine")
    with pytest.raises(BadInput, match="a model name is 1 to 64"):
        rename_model(path, name)
    assert [p.name for p in models.iterdir()] == ["mine.safetensors"]


@pytest.mark.parametrize("taken", ["other", "default", "small"])
def test_rename_refuses_a_name_that_is_taken(models, taken):
    path, other = user_model("mine", seed=1), user_model("other", seed=2)
    with pytest.raises(BadInput, match=f"^{taken}: a model of that name exists already"):
        rename_model(path, taken)
    assert load(path).name == "mine" and load(other).name == "other" and not same_weights(path, other)


def test_rename_refuses_shipped_models_and_files_elsewhere(models, tmp_path):
    shipped = shipped_weights("small")
    data = shipped.read_bytes()
    with pytest.raises(BadInput, match="shipped with mnist-pad cannot be renamed"):
        rename_model(shipped, "mine")
    assert shipped.read_bytes() == data and not (models / "mine.safetensors").exists()
    elsewhere = save(tmp_path / "elsewhere.safetensors", build("fast"))
    with pytest.raises(BadInput, match="not a model in your models folder"):
        rename_model(elsewhere, "mine")
    assert elsewhere.exists()


def test_rename_that_fails_half_way_loses_nothing(models, monkeypatch):
    path = user_model("mine")
    data = path.read_bytes()
    unlink = Path.unlink

    def refuse_the_old_file(self, missing_ok=False):
        if self == path:
            raise PermissionError(13, "Permission denied")
        unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse_the_old_file)
    with pytest.raises(WriteFailed, match="cannot be renamed .Permission denied.; nothing changed"):
        rename_model(path, "new")
    assert [p.name for p in models.iterdir()] == ["mine.safetensors"] and path.read_bytes() == data


def test_a_damaged_model_cannot_be_renamed(models):
    path = models / "broken.safetensors"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(BadInput, match="cannot be renamed"):
        rename_model(path, "fixed")
    assert [p.name for p in models.iterdir()] == ["broken.safetensors"]


# --- deleting -----------------------------------------------------------------------------------------------
def test_delete_removes_a_user_model(models):
    keep, path = user_model("keep", seed=1), user_model("mine", seed=2)
    delete_model(path)
    assert not path.exists() and [e.name for e in list_models()[0] if not e.shipped] == ["keep"]
    assert keep.exists()
    with pytest.raises(BadInput, match="no such model file"):
        delete_model(path)


def test_delete_refuses_shipped_models_and_files_elsewhere(models, tmp_path):
    for name in ("default", "small"):
        with pytest.raises(BadInput, match="shipped with mnist-pad cannot be deleted"):
            delete_model(shipped_weights(name))
        assert shipped_weights(name).is_file()
    elsewhere = save(tmp_path / "elsewhere.safetensors", build("fast"))
    notes = models / "notes.txt"
    notes.write_text("mine")
    for path in (elsewhere, notes):
        with pytest.raises(BadInput, match="not a model in your models folder"):
            delete_model(path)
        assert path.exists()


def test_a_folder_named_like_a_model_does_not_hide_the_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small").mkdir()
    assert resolve_model("small") == shipped_weights("small")


def test_a_models_training_replay_follows_a_rename_and_goes_with_a_delete(models):
    from mnist_pad.core.snapshots import sidecar_path

    path = user_model("mine")
    sidecar_path(path).write_bytes(b"the replay")
    renamed = rename_model(path, "yours")
    assert sidecar_path(renamed).read_bytes() == b"the replay" and not sidecar_path(path).exists()
    delete_model(renamed)
    assert not renamed.exists() and not sidecar_path(renamed).exists()
