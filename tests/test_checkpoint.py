from pathlib import Path

import pytest
import torch

from archer.checkpoint import load_checkpoint, save_checkpoint
from archer.errors import UserError


def test_round_trip(tmp_path: Path):
    (tmp_path / "config.yaml").write_text("{}")
    save_checkpoint({"iteration": 3, "w": torch.ones(2)}, tmp_path)
    state = load_checkpoint(tmp_path)
    assert state["iteration"] == 3 and torch.equal(state["w"], torch.ones(2))


def test_a_crash_while_saving_leaves_the_previous_checkpoint(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    (tmp_path / "config.yaml").write_text("{}")
    save_checkpoint({"iteration": 1}, tmp_path)

    def dying_save(obj, f, *args, **kwargs):  # type: ignore[no-untyped-def]
        Path(f).write_bytes(b"half a file")
        raise KeyboardInterrupt  # killed mid-write

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({"iteration": 2}, tmp_path)
    monkeypatch.undo()
    assert load_checkpoint(tmp_path)["iteration"] == 1


def test_foreign_files_are_refused_with_a_message(tmp_path: Path):
    (tmp_path / "config.yaml").write_text("{}")
    torch.save({"something": "else"}, tmp_path / "checkpoint.pt")
    with pytest.raises(UserError, match="not an archer checkpoint"):
        load_checkpoint(tmp_path)
    with pytest.raises(UserError, match="no such run folder"):
        load_checkpoint(tmp_path / "missing.pt")
