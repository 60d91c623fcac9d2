"""Private: which weights a model source names and what its release records (the sha256 of the weights it loads, the
MNIST training indices it was trained on), and the refusal of a pin that names no Hub commit. Used by training and
evaluation alike; ``ganaug.evaluation`` re-exports the public names."""

from __future__ import annotations

import hashlib
import os
import warnings

import torch
from torch import nn

from ganaug._hub import expand_home


def recorded_indices(source: str | os.PathLike | nn.Module | None, revision: str | None = None) -> torch.Tensor | None:
    """The MNIST training indices a generator or classifier release records having been trained on, or None.

    A release's ``training.json`` records them for a subset: ``scripts/train_gan.py`` under ``hyperparameters``,
    ``scripts/train_classifier.py`` at its top level. None: no subset recorded (ganaug's shipped models, a release
    trained on the whole training set or on ``data=`` of the user's, a model object, a folder or Hub repo without
    ``training.json``).
    """
    import json
    from pathlib import Path

    if source is None or isinstance(source, nn.Module) or isinstance(source, str) and source == "reference":
        return None
    path = expand_home(source, "source")
    if path.is_dir():
        file = path / "training.json"
        if not file.is_file():
            return None
    else:  # a Hub repo id (the model itself was loaded from it already)
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

        from ganaug._hub import endpoint_reachable, is_repo_id, resolve_files

        if not is_repo_id(str(source)):
            resolve_files(source)  # no such folder, nor a repo id: the loader's error, not the Hub client's

        try:
            file = Path(hf_hub_download(repo_id=str(source), filename="training.json", revision=revision,
                                        local_files_only=not endpoint_reachable()))
        except (EntryNotFoundError, LocalEntryNotFoundError):
            return None
    try:
        info = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        warnings.warn(f"{file} is not readable JSON ({e}); which training images {source} saw is unknown, so it "
                      "is treated as not trained on a subset.", UserWarning, stacklevel=2)
        return None
    if not isinstance(info, dict):
        return None
    hp = info.get("hyperparameters")
    indices = hp.get("indices") if isinstance(hp, dict) and "indices" in hp else info.get("indices")
    return None if indices is None else torch.as_tensor(indices, dtype=torch.long).flatten()


def check_pin(option: str, revision: str | None, source: str | os.PathLike | nn.Module | None, what: str, *,
              flag: str | None = None) -> None:
    """Refuse ``revision`` (given as ``option``) for a ``source`` that is no Hub repo id: None or "reference" (a model
    shipped with ganaug), a local folder or a model object, whose weights have no Hub commit to pin. ``flag``: the
    command line's name of an ``option`` named as an argument, said beside it."""
    if revision is None:
        return
    if source is None or isinstance(source, str) and source == "reference":
        where = "not given" if source is None else "'reference', the classifier shipped with ganaug"
    elif not isinstance(source, (str, os.PathLike)):
        where = f"a model object ({type(source).__name__})"
    elif expand_home(source, what).is_dir():
        where = f"the local folder {os.fspath(source)!r}"
    else:
        return
    given = f"{option} {revision!r}" if option.startswith("--") else f"{option}={revision!r}"  # as the user wrote it
    named = option if flag is None else f"{option} ({flag})"
    raise ValueError(f"{given if flag is None else f'{given} ({flag})'} pins a Hub repo's commit, but {what} is "
                     f"{where}: give {what} as a Hub repo id ('org/name'), or drop {named}.")


def no_subset_reason(what: str, source: str | os.PathLike | None) -> str:
    """Why the training data of a model (the ``what``: "teacher", "generator", ...) that records no subset counts as
    all 60 000 MNIST training images, as a training.json's ``indices_omitted`` says it. ``source`` as given: None for
    the shipped generator, "reference", a folder or a Hub repo id."""
    if isinstance(source, str) and source == "reference":
        return f"the {what} 'reference' was trained on all 60 000 images"
    named = "the shipped default generator" if source is None else repr(str(source))
    return (f"the {what} {named} records no training subset (no indices in a training.json), so it is taken to have "
            "seen all 60 000 images")


def weights_sha256(source: str | os.PathLike | nn.Module | None, *, kind: str,
                   revision: str | None = None) -> str | None:
    """The sha256 (hex) of the ``model.safetensors`` that ``load_generator`` (``kind="generator"``) or
    ``load_classifier`` (``kind="classifier"``) loads ``source`` from: for None (or "reference", a classifier) the
    file shipped with ganaug, for a folder its file, for a Hub repo id the cached snapshot's file at ``revision``.
    None for a model passed as an object, which names no file."""
    from ganaug._hub import DEFAULT_CLASSIFIER, DEFAULT_GENERATOR, WEIGHTS_NAME, resolve_files

    if kind not in ("generator", "classifier"):
        raise ValueError(f"kind must be 'generator' or 'classifier', got {kind!r}.")
    if isinstance(source, nn.Module):
        return None
    if source is None or kind == "classifier" and isinstance(source, str) and source == "reference":
        file = (DEFAULT_GENERATOR if kind == "generator" else DEFAULT_CLASSIFIER) / WEIGHTS_NAME
    else:
        file = resolve_files(source, revision=revision)[1]
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
