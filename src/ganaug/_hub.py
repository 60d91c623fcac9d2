"""Private: where weights come from, loading them strictly (safetensors only), and model cards and their metadata."""

from __future__ import annotations

import glob
import json
import math
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any, Mapping, TypeVar

import torch

T = TypeVar("T", bound="StrictHubMixin")

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_GENERATOR = WEIGHTS_DIR / "generator"
DEFAULT_CLASSIFIER = WEIGHTS_DIR / "classifier"
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")

OFFLINE_HELP = (
    "Offline options: the models shipped with ganaug (generator=None, labeller='reference'), a local folder written "
    "by save_pretrained, or a repo already in the Hugging Face cache with HF_HUB_OFFLINE=1."
)


def process_umask() -> int:
    """The process's umask (read by setting it and setting it back: there is no other portable way)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):  # another user's process (or not a pid): leave it be
        return True
    return True


def _host() -> str:
    import socket

    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "host"


def temp_prefix(path: Path) -> str:
    """The hidden temporary name's prefix for writing ``path``: ``.NAME.HOST-PID.``, so that what a killed write
    left (its own cleanup never ran) can be told from a write in progress, on this machine or another sharing the
    folder."""
    return f".{path.name}.{_host()}-{os.getpid()}."


def clear_stale(path: Path) -> None:
    """Remove the temporary files and folders that writes of ``path`` by processes of this machine no longer running
    left beside it (``kill -9``, a power cut); those of a running process, or of another machine, are left alone. A
    folder set aside to be replaced (``.tmp.old``) whose replacement never took its place is put back."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\w+)-(\d+)\..*\.tmp(\.old)?")
    for p in path.parent.glob(f".{glob.escape(path.name)}.*.tmp*"):
        m = pattern.fullmatch(p.name)
        if m is None or m.group(1) != _host() or _pid_alive(int(m.group(2))):
            continue
        if m.group(3) and not path.exists() and not path.is_symlink():
            os.replace(p, path)  # killed between setting the folder aside and putting the new one in: the old one back
        elif p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def atomic_write(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clear_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        # mkstemp makes 0600; give the file the mode open() would (0666 less the umask), as the mixin's config.json
        # and README.md get: a umask of 077 keeps the weights private too
        os.chmod(tmp, 0o666 & ~process_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def swap_in(staging: Path, folder: Path) -> None:
    """Put the finished folder ``staging`` (a sibling of ``folder``) at ``folder``. What is there is set aside first
    (a folder can be renamed over an empty one only) and removed once the new one is in; if that fails, it goes back.
    A kill between the two renames leaves it set aside, and ``clear_stale`` puts it back at the next write."""
    old = None
    if folder.exists() and any(folder.iterdir()):
        old = Path(f"{staging}.old")
        os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except BaseException:
        if old is not None and not folder.exists():
            os.replace(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def blank_revision(revisions: Mapping[str, str | None]) -> str | None:
    """What is wrong with revision options given empty (e.g. --revision "$REV" with REV unset), which would be dropped:
    the default branch instead of the one meant; None if none is. ``revisions`` maps each option's name to its value."""
    for name, value in revisions.items():
        if value is not None and not value.strip():
            return (f"{name} is empty (an unset variable?); give a branch, tag or commit, or leave {name} out for the "
                    "default branch.")
    return None


def expand_home(path: str | os.PathLike, what: str) -> Path:
    """``Path(path).expanduser()``, where a "~user" that names no user of this machine is said as such (pathlib raises
    "Could not determine home directory"; os.path leaves it, and a folder named "~user" was made)."""
    try:
        expanded = Path(path).expanduser()
    except RuntimeError:
        expanded = Path(path)
    if str(expanded).startswith("~"):
        head = str(expanded).split(os.sep, 1)[0]
        who = f"there is no user {head[1:]!r} here" if len(head) > 1 else "your home folder is not known (set HOME)"
        raise ValueError(f"{what} {str(path)!r} starts with {head!r}, but {who}. Give the full path, or "
                         f"./{str(path)} for a folder named {head!r}.")
    return expanded


def is_repo_id(text: str) -> bool:
    """Whether ``text`` can name a Hub repo ('org/name' or 'name'), not a path ('./x', '/x', '~/x', 'a/b/c')."""
    return bool(REPO_ID_RE.match(text)) and not text.startswith((".", "/", "~")) and text.count("/") <= 1


def output_folder(output_dir: str | os.PathLike, home_label: str = "output_dir (--output-dir)") -> Path:
    """``output_dir`` (a run's output_dir, --output-dir on the command line) as the folder it names, "~" expanded (an
    unknown "~user" is said under ``home_label``); a ValueError naming both where a file stands where the folder or one
    above it must be (found before any work)."""
    out = expand_home(output_dir, home_label)  # "--output-dir=~/run" (the shell leaves "~")
    file = file_in_the_way(out)
    if file is not None:
        raise ValueError(f"output_dir (--output-dir) {str(output_dir)!r} needs the folder {str(out)!r}, but "
                         f"{str(file)!r} is a file. Give another output_dir (--output-dir).")
    return out


# the end of resolve_files's advice for a model that is not there, where None means the shipped model (callers where
# None means no model, as ClassifierConfig's generator=, replace it)
SHIPPED_NONE = "or None for the model shipped with ganaug"  # the command line's word for None: leave the option out
SHIPPED_ADVICE = f"a repo id, {SHIPPED_NONE}."


class DownloadFailed(ConnectionError):
    """A download from the Hub broke off (a dropped connection, a read timeout): the work failed, not the input."""


def _transport_errors() -> tuple[type[BaseException], ...]:
    """The network errors of the HTTP client huggingface_hub uses, which hf_hub_download lets through when a download
    breaks off after it started: httpx2's (huggingface_hub 2.x), httpx's (1.x) or requests' (before). Only a client
    already imported is looked at: huggingface_hub imports its own."""
    import sys

    names = {"httpx2": ("RequestError",), "httpx": ("RequestError",),
             "requests.exceptions": ("ConnectionError", "Timeout", "ChunkedEncodingError")}
    return tuple(getattr(sys.modules[module], n) for module, ns in names.items() if module in sys.modules
                 for n in ns if isinstance(getattr(sys.modules[module], n, None), type))


def endpoint_reachable(timeout: float = 3.0) -> bool:
    """One TCP connect to the Hub endpoint (HF_ENDPOINT), or to the proxy that requests to it go through."""
    import socket
    import urllib.request
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    url = urlsplit(constants.ENDPOINT)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")  # ALL_PROXY, which the HTTP client honours too
    if proxy and not urllib.request.proxy_bypass(url.hostname or ""):
        # a proxy that does not answer would have huggingface_hub retry for about 25 s; one that does may reach the
        # Hub (whether it does is the proxy's to say)
        url = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:  # a malformed proxy address: huggingface_hub will say what is wrong with it
        return True
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def resolve_files(
    source: str | os.PathLike,
    *,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool = False,
    token: str | bool | None = None,
    force_download: bool = False,
) -> tuple[Path, Path, str]:
    """Return (config.json, model.safetensors, description) for a local folder or a Hub repo id."""
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"Expected a folder path or a Hub repo id ('org/name'), got {type(source).__name__} {source!r}.")
    if isinstance(source, str) and not source.strip():  # Path("") is the current folder
        raise ValueError(f"Got an empty model name ({source!r}), e.g. from an unset shell variable in --generator "
                         "\"$GEN\". Pass a save_pretrained folder ('.' for the current one), a Hub repo id, or None "
                         "for the model shipped with ganaug.")
    if isinstance(revision, str) and not revision.strip():  # dropped, it loaded main (or blamed the cache)
        raise ValueError(f"revision={revision!r} is empty (an unset variable?), for {str(source)!r}. Give a branch, "
                         "tag or commit, or drop revision for the default branch.")
    path = expand_home(source, "model")
    if path.is_dir():
        looks_like_id = REPO_ID_RE.match(str(source)) is not None and str(source).count("/") == 1
        if not (path / CONFIG_NAME).is_file():
            inner = sorted(p.parent for p in path.glob(f"*/{CONFIG_NAME}"))  # e.g. a training run's generator/
            raise FileNotFoundError(
                f"{path / CONFIG_NAME} is missing. A ganaug model folder needs config.json beside model.safetensors; "
                "write both with save_pretrained()."
                + (f" {inner[0]} holds one (a training run's release is its generator/ subfolder)." if inner else "")
                + (f" If you meant the Hub repo {str(source)!r}: ganaug reads the local folder of that name first, "
                   "so run from another folder or rename it." if looks_like_id else ""))
        if revision is not None:
            raise ValueError(f"revision={revision!r} pins a Hub repo's commit, but {str(source)!r} is a local folder"
                             + (f" (./{source} shadows the Hub repo id: run from another folder or rename it to "
                                "load the Hub repo)" if looks_like_id else "")
                             + ": drop revision, or pass the Hub repo id instead of the folder.")
        return path / CONFIG_NAME, path / WEIGHTS_NAME, str(path)
    text = str(source)
    if path.exists():
        raise ValueError(f"{text} is a file; pass the folder that holds config.json and model.safetensors.")
    if not is_repo_id(text):
        raise FileNotFoundError(
            f"No folder at {text!r}, and it is not a Hugging Face repo id ('org/name'). "
            f"Pass an existing save_pretrained folder, {SHIPPED_ADVICE}"
        )
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"{text}@{revision}" if revision else text
    asked_local_only = local_files_only
    if not local_files_only and not endpoint_reachable():
        # huggingface_hub would retry the connection for about 25 s per file; the cache answers at once
        local_files_only = True
    from huggingface_hub import constants

    if force_download and (local_files_only or constants.HF_HUB_OFFLINE):
        raise ConnectionError(f"force_download=True needs the Hub, but it is unreachable or offline mode is on, so "
                              f"{where!r} cannot be downloaded again. Drop force_download to use the cached copy, or "
                              f"retry where the Hub answers. {OFFLINE_HELP}")
    files: list[Path] = []
    for name in (CONFIG_NAME, WEIGHTS_NAME):
        # the weights come from the commit config.json came from (its snapshot folder is named by the sha): a push
        # between the two downloads must not pair one commit's config with another's weights
        commit = files[0].parent.name if files and re.fullmatch(r"[0-9a-f]{40}", files[0].parent.name) else revision
        try:
            files.append(
                Path(
                    hf_hub_download(
                        repo_id=text,
                        filename=name,
                        revision=commit,
                        cache_dir=cache_dir,
                        local_files_only=local_files_only,
                        token=token,
                        force_download=force_download,
                    )
                )
            )
        except RevisionNotFoundError as e:
            raise ValueError(f"Revision {revision!r} not found in Hub repo {text!r}. Check the branch, tag or commit.") from e
        except RepositoryNotFoundError as e:
            raise ValueError(
                f"Hub repo {text!r} not found (or private: set HF_TOKEN or run `hf auth login`). "
                "If you meant a local folder, check the path."
            ) from e
        except LocalEntryNotFoundError as e:
            folder = f" There is no local folder {text!r} either." if path.parent.is_dir() else ""  # e.g. a typo
            why = ("local_files_only=True was given" if asked_local_only
                   else "the Hub is unreachable or offline mode is on")
            raise ConnectionError(
                f"Cannot get {name} of Hub repo {where!r}: {why}, "
                f"and the file is not in the local cache.{folder} {OFFLINE_HELP}"
            ) from e
        except _transport_errors() as e:  # the Hub answered, then the download broke off
            raise DownloadFailed(
                f"Downloading {name} of Hub repo {where!r} failed ({type(e).__name__}: {e}). Retry, or use a copy in "
                f"the local cache, if there is one, with HF_HUB_OFFLINE=1 (local_files_only=True).") from e
        except EntryNotFoundError as e:
            if name == WEIGHTS_NAME:
                raise ValueError(
                    f"Hub repo {where!r} has no {WEIGHTS_NAME}. ganaug loads safetensors weights only "
                    "(no pickle); re-save the model with save_pretrained."
                ) from e
            raise ValueError(f"Hub repo {where!r} has no {CONFIG_NAME}; it was not written by save_pretrained.") from e
    return files[0], files[1], where


def read_config(config_path: Path) -> dict:
    if not config_path.is_file():
        raise FileNotFoundError(
            f"{config_path} is missing. A ganaug model folder needs config.json beside model.safetensors; "
            "write both with save_pretrained()."
        )
    try:
        config = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{config_path} is not valid JSON ({e}). Re-save the model with save_pretrained().") from e
    if not isinstance(config, dict):
        raise ValueError(f"{config_path} must hold a JSON object of constructor arguments.")
    return config


def _read_safetensors(weights_path: Path, read: Any) -> Any:
    """``read(path)`` of a safetensors file, with the errors of a missing or broken file said for the user."""
    from safetensors import SafetensorError

    if not weights_path.is_file():
        raise FileNotFoundError(
            f"{weights_path} is missing. ganaug loads safetensors weights only; write them with save_pretrained()."
        )
    try:
        return read(str(weights_path))
    except (SafetensorError, OSError, ValueError) as e:
        raise ValueError(
            f"{weights_path} is truncated or corrupt ({e}). Download it again "
            "(force_download=True for a Hub repo) or re-save it with save_pretrained()."
        ) from e


def load_state(weights_path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file, on the CPU (the caller moves the model once it holds them)."""
    from safetensors.torch import load_file

    return _read_safetensors(weights_path, lambda path: load_file(path, device="cpu"))


_FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}


def header_shapes(weights_path: Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """Each tensor's shape and safetensors dtype ("F32", "I64", ...), read from the file's header alone."""
    from safetensors import safe_open

    def read(path: str) -> dict[str, tuple[tuple[int, ...], str]]:
        with safe_open(path, framework="pt") as f:
            return {k: (tuple(f.get_slice(k).get_shape()), f.get_slice(k).get_dtype()) for k in f.keys()}

    return _read_safetensors(weights_path, read)


def _mismatches(expected: dict[str, tuple[tuple[int, ...], torch.dtype]],
                found: dict[str, tuple[tuple[int, ...], str]], limit: int = 4) -> str:
    """A short description of missing, unexpected, mis-shaped and mis-typed keys ("" when the two agree):
    ``expected`` maps names to (shape, torch dtype), ``found`` to (shape, safetensors dtype)."""

    def short(keys: list[str]) -> str:
        return ", ".join(keys[:limit]) + (f" and {len(keys) - limit} more" if len(keys) > limit else "")

    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    both = sorted(set(expected) & set(found))
    shapes = [f"{k} {found[k][0]} in the file vs {expected[k][0]} in the model"
              for k in both if tuple(found[k][0]) != tuple(expected[k][0])]
    # floating weights stored as integers (or the reverse) would load by a silent cast
    kinds = [f"{k} {found[k][1]} in the file vs {expected[k][1]} in the model" for k in both
             if (found[k][1] in _FLOAT_DTYPES) != expected[k][1].is_floating_point]
    parts = []
    if missing:
        parts.append(f"missing keys {short(missing)}")
    if unexpected:
        parts.append(f"unexpected keys {short(unexpected)}")
    if shapes:
        parts.append(f"size mismatch for {short(shapes)}")
    if kinds:
        parts.append(f"dtype mismatch for {short(kinds)}")
    return "; ".join(parts)


def _json_native(value: Any) -> bool:
    """Whether config.json gives ``value`` back as it is: None, bool, int, str, a finite float, or lists and
    str-keyed dicts of them (a tuple comes back as a list, which the constructors take alike)."""
    if isinstance(value, (list, tuple)):
        return all(_json_native(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_native(v) for k, v in value.items())
    if type(value) is float:
        return value == value and abs(value) != float("inf")
    return value is None or type(value) in (bool, int, str)


CARD_NAME = "README.md"
TRAINING_NAME = "training.json"  # a training run's record of the weights beside it (scripts/train_gan.py)


def dry_run_record(folder: str | os.PathLike) -> dict | None:
    """The settings ``folder``'s training.json records if a dry run wrote it (``dry_run: true``: train_gan.py's under
    ``hyperparameters``, train_classifier.py's at its top level), else None: no such file (a Hub id, 'reference'),
    not readable, or a real run's. A dry run's weights are a check of the set-up, which the next run replaces."""
    try:
        info = json.loads((Path(folder).expanduser() / TRAINING_NAME).read_text())
    except (OSError, ValueError):
        return None
    settings = info.get("hyperparameters", info) if isinstance(info, dict) else None
    return settings if isinstance(settings, dict) and settings.get("dry_run") is True else None


def dry_run_refusal(source, kind: str) -> str | None:
    """Why ``source`` is refused as a model to measure or learn from: a folder that ``scripts/train_gan.py --dry-run``
    (``kind="generator"``) or ``scripts/train_classifier.py --dry-run`` (``kind="classifier"``) wrote, whose weights
    are a few steps' check of the set-up; None for anything else (a real run's folder, a Hub id, None, 'reference')."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    info = dry_run_record(source)
    if info is None:
        return None
    script, steps = ("train_gan.py", info.get("max_steps")) if kind == "generator" else \
        ("train_classifier.py", info.get("steps"))
    return (f"{source} holds a dry run's {kind} (scripts/{script} --dry-run: {steps} steps), a check of the set-up, "
            "not a model: train it without --dry-run (into the same --output-dir, which replaces it), or give another "
            f"{kind}.")


def other_release_card(card_path: str | os.PathLike, generator: str | os.PathLike | None) -> Path | None:
    """The folder of the release whose card ``card_path`` is, where ``generator`` (as the scripts' --generator takes
    it; None: the shipped one) is another model: figures recorded there would read as that release's. None where the
    card is beside no release, or ``generator`` is that release (however its path is written)."""
    folder = Path(card_path).parent
    if not any((folder / name).is_file() for name in (CONFIG_NAME, WEIGHTS_NAME)):
        return None
    drawn_from = Path(generator).expanduser().resolve() if generator is not None else None
    return None if drawn_from == folder.resolve() else folder


def file_in_the_way(folder: Path) -> Path | None:
    """The file at ``folder`` or at one of its parents, which would keep the folder from being made; None if none."""
    return next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)


def _same_file(a: Path, b: Path) -> bool:
    import filecmp

    return a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False)


def _carry(src: Path, dst: Path) -> None:
    """``src`` (a file, link or folder) at ``dst`` too: by hard links, copies where a link cannot be made."""

    def link(s: str, d: str) -> None:
        try:
            os.link(s, d, follow_symlinks=False)
        except OSError:
            shutil.copy2(s, d, follow_symlinks=False)

    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True, copy_function=link)
    else:
        link(str(src), str(dst))


def _save_folder(folder: Path, write: Any, *, card_given: bool, name: str) -> None:
    """``write(staging)`` writes a model's folder (config.json, model.safetensors, README.md) into an empty staging
    folder beside ``folder``, which then takes its place: a write that fails or is interrupted leaves ``folder`` as it
    was. The rest of what ``folder`` held comes along (hard links). Its card and training.json describe the model saved
    there before, so they stay only if the same model (config.json and model.safetensors alike) is saved again, and
    the card not if ``card_given``: another model gets the template card and no training.json, with a warning.

    Where ``folder`` cannot be renamed (a mount point, its parent folder not writable), or should not be (it is, or
    holds, this process's current folder, and so likely that of the shell or editor that started it, which a new
    folder would leave in a deleted one), the staging folder is inside it, and the new files are renamed into place
    (config.json last)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    inside = folder / ".ganaug-save"  # the staging folder's name where it is made inside ``folder``
    if folder.is_dir():
        clear_stale(inside)  # what a killed in-place save left
    try:
        cwd = Path.cwd()
    except OSError:  # this process's current folder was deleted
        cwd = None
    staging = None
    if not (folder.is_dir() and (os.path.ismount(folder) or cwd is not None and cwd.is_relative_to(folder))):
        clear_stale(folder)
        try:
            staging = Path(tempfile.mkdtemp(prefix=temp_prefix(folder), suffix=".tmp", dir=folder.parent))
        except PermissionError:
            if not folder.is_dir():
                raise
    if staging is None:
        staging = Path(tempfile.mkdtemp(prefix=temp_prefix(inside), suffix=".tmp", dir=folder))
    swap = staging.parent != folder
    try:
        write(staging)
        held = folder.is_dir() and any((folder / n).is_file() for n in (CONFIG_NAME, WEIGHTS_NAME))
        same = held and all(_same_file(staging / n, folder / n) for n in (CONFIG_NAME, WEIGHTS_NAME))
        keep = {CARD_NAME: (same or not held) and not card_given, TRAINING_NAME: same or not held}
        card = folder / CARD_NAME
        # what the folder said of the model it held, gone with it: said, unless a card was given or it says the same
        gone = [n for n in (CARD_NAME, TRAINING_NAME) if held and not keep[n] and (folder / n).is_file()
                and not (n == CARD_NAME and (card_given or card.read_bytes() == (staging / n).read_bytes()))]
        if gone:
            import warnings

            warnings.warn(f"{folder} held the {' and '.join(gone)} of the model saved there before (another config "
                          "or other weights), untrue of this one: "
                          + (f"the card is replaced by the {name} template card (pass model_card_kwargs="
                             "{'card': ...} to save it with your own)" if CARD_NAME in gone else "")
                          + ("; " if len(gone) == 2 else "")
                          + (f"{TRAINING_NAME} is removed" if TRAINING_NAME in gone else "") + ".", stacklevel=3)
        if not swap:  # in place: the model's files only
            (folder / CONFIG_NAME).unlink(missing_ok=True)  # a folder left half-way says so, as one without config
            os.replace(staging / WEIGHTS_NAME, folder / WEIGHTS_NAME)
            if not (keep[CARD_NAME] and card.exists()):
                os.replace(staging / CARD_NAME, card)
            if not keep[TRAINING_NAME]:
                (folder / TRAINING_NAME).unlink(missing_ok=True)
            os.replace(staging / CONFIG_NAME, folder / CONFIG_NAME)
            return
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.name in (CONFIG_NAME, WEIGHTS_NAME) or (entry.name in keep and not keep[entry.name]):
                    continue
                if entry.name == CARD_NAME:
                    (staging / CARD_NAME).unlink(missing_ok=True)
                _carry(entry, staging / entry.name)
        # mkdtemp makes 0700: the folder's own mode, or the one mkdir would give
        os.chmod(staging, stat.S_IMODE(folder.stat().st_mode) if folder.is_dir() else 0o777 & ~process_umask())
        swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone once in place; inside ``folder``, what it kept of its own


class StrictHubMixin:
    """Overrides of the Hub mixin: strict, safetensors-only loading with errors that say what to do,
    atomic weight files, and a model card given as text."""

    def save_pretrained(self, save_directory: str | os.PathLike, *, config: dict | None = None,
                        repo_id: str | None = None, push_to_hub: bool = False,
                        model_card_kwargs: dict[str, Any] | None = None, **push_to_hub_kwargs: Any) -> str | None:
        """huggingface_hub's ``save_pretrained``, all or nothing: the files are written into a new folder beside
        ``save_directory``, which then takes its place, so a save that fails or is interrupted (a full disk, Ctrl-C)
        leaves the folder as it was (saved into the folder it is run from, or a mount point, the files are renamed into
        place one by one instead, config.json last, so that shells and editors in it are not left in a deleted
        folder). Other files in the folder are kept. Its README.md (card) and training.json (a
        training run's record) are kept only when the same model (config.json and model.safetensors) is saved again,
        the card also not when ``model_card_kwargs={"card": ...}`` gives one; another model gets the template card
        (with a warning if the old one said more) and no training.json, which described the weights it replaces."""
        own = getattr(self, "_hub_mixin_config", None)
        name = type(self).__name__
        # config.json is the model's constructor arguments: another config writes a folder that loads another model
        # (the mixin's push_to_hub passes the model's own config back, which is fine)
        if config is not None and config != own:
            raise ValueError(f"save_pretrained(config=...) would write a config.json other than this {name}'s "
                             f"constructor arguments ({own}), and the folder would load another model. Drop config= "
                             f"(the model's own is written), or build the {name} from that config and save it.")
        # the mixin drops values json cannot write (a numpy float) and writes the default instead, silently
        bad = [k for k, v in (own or {}).items() if not _json_native(v)] if isinstance(own, dict) else []
        if bad:
            raise ValueError(f"{name}'s config {', '.join(f'{k}={own[k]!r}' for k in bad)} cannot be written to "
                             "config.json as it is: pass plain int, float, bool, str or None values (e.g. "
                             "int(np.int64(16)), float(np.float32(0.7))) to the constructor.")
        # "~/m" is the home folder's m, as from_pretrained reads it (it made a folder named "~" here); a link to a
        # folder stays a link, to the new folder
        if isinstance(save_directory, str) and not save_directory.strip():  # Path("") is the current folder
            raise ValueError(f"save_directory={save_directory!r} is empty (an unset variable?); give a folder ('.' for "
                             "the current one).")
        folder = Path(os.path.realpath(expand_home(save_directory, "save_directory")))
        bad = file_in_the_way(folder)
        if bad == folder:
            raise FileExistsError(f"save_directory {str(save_directory)!r} is a file; give a folder to save into.")
        if bad is not None:  # mkdir's bare "File exists" named the file only
            raise FileExistsError(f"save_directory {str(save_directory)!r} cannot be made: {str(bad)!r} is a file, "
                                  "not a folder. Give another folder, or move that file.")
        _save_folder(folder, lambda staging: super(StrictHubMixin, self).save_pretrained(  # type: ignore[misc]
            staging, config=config, model_card_kwargs=model_card_kwargs),
            card_given="card" in (model_card_kwargs or {}), name=name)
        if not push_to_hub:
            return None
        return self.push_to_hub(repo_id or folder.name, config=config if config is not None else own,
                                model_card_kwargs=model_card_kwargs, **push_to_hub_kwargs)

    @classmethod
    def from_pretrained(  # type: ignore[override]
        cls: type[T],
        pretrained_model_name_or_path: str | os.PathLike,
        *,
        revision: str | None = None,
        cache_dir: str | os.PathLike | None = None,
        local_files_only: bool = False,
        token: str | bool | None = None,
        force_download: bool = False,
        map_location: str | torch.device = "cpu",
        strict: bool = True,
        **model_kwargs: Any,
    ) -> T:
        """Load a ``save_pretrained`` folder or a Hub repo: ``config.json`` and ``model.safetensors`` only.

        As huggingface_hub's ``from_pretrained``, keyword arguments other than the download options override
        ``config.json`` (e.g. ``truncation=0.8`` for a Generator). Loading is always strict (every key, every
        shape); ``strict=False`` is refused.
        """
        if strict is not True:
            raise ValueError("ganaug loads weights strictly only (every key and shape must match), so that a wrong "
                             "file fails loudly. To load part of a file, build the model and call "
                             "load_state_dict(safetensors.torch.load_file(path), strict=False) yourself.")
        config_path, weights_path, where = resolve_files(
            pretrained_model_name_or_path,
            revision=revision,
            cache_dir=cache_dir,
            local_files_only=local_files_only,
            token=token,
            force_download=force_download,
        )
        return cls._from_files(config_path, weights_path, map_location=map_location, overrides=model_kwargs)

    @classmethod
    def _from_files(cls: type[T], config_path: Path, weights_path: Path, map_location: str | torch.device = "cpu",
                    overrides: dict[str, Any] | None = None) -> T:
        from ganaug._device import check_device, own_global_rng

        device = check_device(map_location)  # an unknown device or a missing GPU is said as such, not as a bad file
        saved = read_config(config_path)
        kwargs = {**saved, **(overrides or {})}
        try:
            # on the meta device: no memory, so a config asking for a huge model fails on its shapes, not on RAM
            with own_global_rng(), torch.device("meta"):
                expected = {k: (tuple(t.shape), t.dtype)
                            for k, t in cls(**kwargs).state_dict().items()}  # type: ignore[attr-defined]
        except TypeError as e:
            if overrides:
                raise ValueError(f"{cls.__name__}.from_pretrained got {sorted(overrides)} besides the download options, "
                                 f"and {cls.__name__} does not take them all ({e}); pass only its config keys "
                                 f"({', '.join(sorted(saved))}).") from e
            raise ValueError(
                f"{config_path} does not match {cls.__name__}: {e}. It was written for another model class "
                "or version; load it with the class that saved it."
            ) from e
        except ValueError as e:  # a value the model refuses: say where it came from
            given = f" with {overrides}" if overrides else ""
            raise ValueError(f"{cls.__name__} from {config_path}{given}: {e}") from e
        except RuntimeError as e:  # e.g. sizes so large that torch cannot even describe the tensors
            raise ValueError(f"{config_path} describes a {cls.__name__} torch cannot build ({e}); its sizes do not "
                             f"fit {weights_path.name}. Keep config.json and model.safetensors from the same "
                             "save_pretrained() call.") from e
        # the file's names, shapes and dtypes against the model's, before either is read into memory
        problems = _mismatches(expected, header_shapes(weights_path))
        if problems and overrides:  # the files may well match each other: the override changed the shapes
            raise ValueError(
                f"{weights_path} does not fit a {cls.__name__} built from {config_path} with {overrides}: {problems}. "
                f"Drop the arguments that change the model's shapes (keep to those such as truncation); the saved "
                f"config is {saved}.")
        if problems:
            raise ValueError(
                f"{weights_path} does not match the model described by {config_path}: {problems}. "
                "Keep config.json and model.safetensors from the same save_pretrained() call."
            )
        with own_global_rng():  # the initial weights, which the file replaces, leave the caller's RNG as it was
            model = cls(**kwargs)
        state = load_state(weights_path)
        bad = [k for k, t in state.items() if t.is_floating_point() and not bool(torch.isfinite(t).all())]
        if bad:
            raise ValueError(f"{weights_path} holds NaN or infinite weights ({', '.join(bad[:4])}): the run that "
                             "wrote it diverged. Use a checkpoint from before it did, or retrain.")
        model.load_state_dict(state, strict=True)  # type: ignore[attr-defined]
        model.to(device).eval()  # type: ignore[attr-defined]
        return model

    def _save_pretrained(self, save_directory: Path) -> None:
        from safetensors.torch import save_model

        atomic_write(Path(save_directory) / WEIGHTS_NAME, lambda tmp: save_model(self, tmp))  # type: ignore[arg-type]

    def generate_model_card(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        """With ``card=<markdown>`` (via ``model_card_kwargs``), use that rendered card as is; else the class's
        template (``MODEL_CARD``), whose usage snippet names the repo when ``push_to_hub`` made it."""
        from huggingface_hub import ModelCard

        if "card" in kwargs:
            return ModelCard(kwargs["card"])
        kwargs.setdefault("repo_id", "<this repo id>")
        kwargs.setdefault("model_class", type(self).__name__)
        kwargs.setdefault("usage", _USAGE.get(type(self).__name__, _USAGE["Generator"])
                          .format(repo_id=kwargs["repo_id"],
                                  labeller="" if getattr(self, "conditional", True) else ', labeller="reference"'))
        return super().generate_model_card(*args, **kwargs)  # type: ignore[misc]

    def push_to_hub(self, repo_id: str, *args: Any, model_card_kwargs: dict[str, Any] | None = None,
                    delete_patterns: list[str] | str | None = None, **kwargs: Any) -> str:
        """huggingface_hub's ``push_to_hub``; the card it writes names the repo in its usage snippet. The commit also
        deletes the repo's training.json (a release's record of the run that made the weights this push replaces),
        besides the files ``delete_patterns`` names."""
        from huggingface_hub import HfApi

        if "/" not in repo_id:  # "ganaug-mnist" goes to "<user>/ganaug-mnist", which the card must name
            repo_id = HfApi(token=kwargs.get("token")).create_repo(repo_id, private=kwargs.get("private"),
                                                                    exist_ok=True).repo_id
        patterns = [delete_patterns] if isinstance(delete_patterns, str) else list(delete_patterns or [])
        return super().push_to_hub(repo_id, *args,  # type: ignore[misc]
                                   model_card_kwargs={"repo_id": repo_id, **(model_card_kwargs or {})},
                                   delete_patterns=[*patterns, TRAINING_NAME], **kwargs)


# the default card of a model pushed with push_to_hub (scripts/train_gan.py writes a fuller one, model_cards/template.md)
MODEL_CARD = """---
{{ card_data }}
---

# A ganaug {{ model_class }}

Weights (`model.safetensors`) and constructor arguments (`config.json`) of a `ganaug.{{ model_class }}`, for the
ganaug package (`pip install ganaug`): GAN-generated 28×28 handwritten digits as torchvision datasets.

```python
{{ usage }}
```

Pin the commit you tested (`revision="<commit sha>"`) for data that cannot change under you. ganaug loads
safetensors only, strictly, and runs no code from the repo.
"""

_USAGE = {
    "Generator": 'from ganaug import SyntheticMNIST\n'
                 'fake = SyntheticMNIST(num_samples=10_000, generator="{repo_id}"{labeller})',
    "Classifier": 'from ganaug import SyntheticMNIST\n'
                  'fake = SyntheticMNIST(num_samples=10_000, labeller="{repo_id}", relabel=True)  # or min_confidence=0.9',
    "Discriminator": 'from ganaug import Discriminator\n'
                     'd = Discriminator.from_pretrained("{repo_id}")',
}


_METRIC_COLUMNS = (
    ("fid_c", "FID-C(gen, test)", "{:.3f}"),
    ("fid_c_real_train_vs_test", "FID-C(real train, test)", "{:.3f}"),
    ("fid_c_ratio", "ratio", "{:.3f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("class_consistency", "class consistency", "{:.2%}"),
    ("memorisation", "memorisation", "{:.2%}"),
    ("acceptance_rate", "accepted", "{:.2%}"),
)


def read_card(card_path: str | os.PathLike) -> Any:
    """The model card at ``card_path`` as huggingface_hub reads it (a ModelCard). A FileNotFoundError where there is
    none; a ValueError that says what to mend where its metadata cannot be read (huggingface_hub's own error tells the
    user to pass a Python argument)."""
    from huggingface_hub import ModelCard

    path = Path(card_path)
    if not path.is_file():
        raise FileNotFoundError(f"No model card at {path}; render one with scripts/train_gan.py first.")
    try:
        return ModelCard(path.read_text())
    except ValueError as e:
        why = str(e).split(" Pass `ignore_metadata_errors")[0].rstrip(".")
        raise ValueError(
            f"{path}: huggingface_hub cannot read the card's YAML metadata ({why}); mend it and run again (the card is "
            "unchanged)." + (" Each model-index result needs task.type, dataset.type and dataset.name, and metrics "
                             "with type and value (https://github.com/huggingface/hub-docs/blob/main/modelcard.md). "
                             "ganaug writes its own results there from ganaug_metrics and ganaug_downstream, so "
                             "deleting model-index loses only results written by hand." if "model_index" in why else "")
        ) from None


def card_metadata(card_path: str | os.PathLike, key: str, entries: dict[str, Any],
                   check: Any = None) -> tuple[Path, Any, dict]:
    """Load a model card and merge ``entries`` into its metadata's ``key`` (entries with other names are kept),
    after ``check(recorded entries)`` if given (it raises to keep the card as it is). Returns the path, the card (not
    yet written) and the merged entries."""
    path = Path(card_path)
    card = read_card(path)
    before = card.data.to_dict().get(key) or {}
    if check is not None:
        check(before)
    recorded = {**before, **entries}
    setattr(card.data, key, recorded)
    return path, card, recorded


MISSING = object()  # a setting an entry does not record (written before the setting was)

# how a card entry's figures were measured (gen_metrics.py's settings): an entry is replaced by figures measured
# the same way (a re-measure) without more ado, by others only when asked to (overwrite)
METRIC_SETTINGS = ("generator_source", "generator_revision", "truncation", "min_confidence", "relabel", "labeller",
                   "labeller_revision",
                   "bf16", "num_samples", "reference", "seed",
                   "device")  # recorded off the CPU only (gen_metrics.py --device): absent is the CPU


# settings that name a model as the command took it (a folder or a Hub repo id), and the names of the shipped models
_SOURCE_SETTINGS = ("generator_source", "labeller")
_SOURCE_LIST_SETTINGS = ("teacher_sources",)
_SHIPPED_NAMES = ("ganaug default", "reference")


def _same_source(a: Any, b: Any) -> bool:
    """Whether two recorded model sources name one model: equal as written, or two spellings (relative or absolute,
    ~, a link) of one existing folder seen from the current directory. A Hub repo id, which names no folder here, and
    the shipped models' names are compared as written."""
    if a == b:
        return True
    if not (isinstance(a, str) and isinstance(b, str)) or a in _SHIPPED_NAMES or b in _SHIPPED_NAMES:
        return False
    if os.path.normpath(a) == os.path.normpath(b):  # runs/x/ and ./runs/x: one folder, or one repo id
        return True
    real_a, real_b = (os.path.realpath(os.path.expanduser(v)) for v in (a, b))
    return real_a == real_b and os.path.isdir(real_a)


def same_setting(key: str, a: Any, b: Any) -> bool:
    """Whether a card entry's setting ``key`` recorded as ``a`` is ``b`` (a model's folder under two spellings is one
    setting: g1/generator from /tmp and /tmp/g1/generator)."""
    if key in _SOURCE_SETTINGS:
        return _same_source(a, b)
    if key in _SOURCE_LIST_SETTINGS and isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_source(x, y) for x, y in zip(a, b))
    return a == b


def _card_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures as a card's metadata records them (floats to 6 decimals)."""
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in figures.items()}


def _metric_clashes(card_path: str | os.PathLike, name: str, recorded: dict[str, Any], figures: dict[str, Any],
                    overwrite: bool) -> None:
    """A ValueError naming the settings in which ``figures`` differ from the entry ``recorded`` under ``name``
    (``METRIC_SETTINGS``; one side recording a setting and the other not counts as different), unless ``overwrite``."""
    before = recorded.get(name)
    if overwrite or not isinstance(before, dict):
        return
    figures = _card_figures(figures)

    def shown(v: Any) -> str:
        return "not recorded" if v is MISSING else repr(v)

    clashes = [f"{k} {shown(before.get(k, MISSING))} in the card, {shown(figures.get(k, MISSING))} now"
               for k in METRIC_SETTINGS if not same_setting(k, before.get(k, MISSING), figures.get(k, MISSING))]
    if clashes:
        raise ValueError(f"{card_path} already records figures under {name!r} measured otherwise ({'; '.join(clashes)})"
                         f"; the card is unchanged. Record these under another name (gen_metrics.py --name), or "
                         f"replace that entry with --overwrite (overwrite=True).")


# the Hub's structured evaluation results (model-index, shown on the model page), made from the ganaug_* entries. The
# Hub keys a result by task and dataset, so each kind is one result whose metrics the entries' names tell apart:
# the sample metrics (figure, its name there) of every ganaug_metrics entry, and every downstream entry's accuracy
_INDEX_METRICS = (("fid_c", "FID-C (features of ganaug's reference classifier)"),
                  ("fid_c_ratio", "FID-C / FID-C of real training vs test images"), ("precision", "precision (k=3)"),
                  ("recall", "recall (k=3)"), ("class_consistency", "class consistency"),
                  ("memorisation", "memorisation (share of near-copies of training images)"))
_INDEX_TASKS = {"unconditional-image-generation": "ganaug sample metrics (scripts/gen_metrics.py)",
                "image-classification": "ganaug downstream protocol: a CNN trained with the samples (scripts/evaluate.py)"}
_INDEX_MODEL_NAME = "ganaug MNIST generator"  # model-index's name where the card has none


def set_model_index(data) -> None:
    """Set ``data``'s (a ModelCardData) ``model-index`` from its ``ganaug_metrics`` and ``ganaug_downstream`` entries
    (all test-set figures), replacing the results ganaug wrote before and keeping any other (a card's own)."""
    from huggingface_hub import EvalResult

    meta = data.to_dict()
    own = [r for r in (data.eval_results or []) if r.task_name not in _INDEX_TASKS.values()]
    test = dict(dataset_type="mnist", dataset_name="MNIST", dataset_split="test")

    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    kind = "unconditional-image-generation"
    results = [EvalResult(task_type=kind, task_name=_INDEX_TASKS[kind], metric_type=key, metric_name=f"{name}: {label}",
                          metric_value=f[key], **test)
               for name, f in (meta.get("ganaug_metrics") or {}).items() if isinstance(f, dict)
               for key, label in _INDEX_METRICS if number(f.get(key))]
    kind = "image-classification"
    for name, e in (meta.get("ganaug_downstream") or {}).items():
        if isinstance(e, dict) and number(e.get("accuracy_mean")):
            n = len(e["seeds"]) if isinstance(e.get("seeds"), list) else 0
            std = f", std {e['accuracy_std']}" if number(e.get("accuracy_std")) else ""
            results.append(EvalResult(task_type=kind, task_name=_INDEX_TASKS[kind], metric_type="accuracy",
                                      metric_name=f"{name}: test accuracy, mean of {n} seed{'' if n == 1 else 's'}{std}",
                                      metric_value=e["accuracy_mean"], **test))
    data.eval_results = own + results or None
    if data.eval_results and not data.model_name:
        data.model_name = _INDEX_MODEL_NAME


def refresh_model_index(card_path: str | os.PathLike) -> int:
    """Rebuild a model card's ``model-index`` from the ``ganaug_metrics`` and ``ganaug_downstream`` entries it records
    (as the card writers do on every write), for a card written before they did; the rest of the card is unchanged.
    Returns the number of metrics the index holds."""
    path = Path(card_path)
    card = read_card(path)
    set_model_index(card.data)
    text = str(card)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))
    return len(card.data.eval_results or [])  # one EvalResult per metric


def check_card_metrics(card_path: str | os.PathLike, name: str, figures: dict[str, Any], *,
                       overwrite: bool = False) -> None:
    """What ``update_card_metrics`` would refuse, found before the figures are measured: ``figures`` need hold only
    the settings (``METRIC_SETTINGS``). Reads the card; writes nothing."""
    _metric_clashes(card_path, name, read_card(card_path).data.to_dict().get("ganaug_metrics") or {}, figures,
                    overwrite)


def update_card_metrics(card_path: str | os.PathLike, name: str, figures: dict[str, Any], *,
                        overwrite: bool = False) -> None:
    """Record measured generator figures in a model card: under ``ganaug_metrics[name]`` in its YAML
    metadata, and as the table of its "## Evaluation" section (rebuilt from all recorded entries). Final figures
    only: measured against the test set (``figures["reference"] == "test"``, as gen_metrics.py records it).

    An entry already recorded under ``name`` is replaced by figures measured with the same settings
    (``METRIC_SETTINGS``: a re-measure); measured otherwise, only with ``overwrite``, else a ValueError names the
    settings that differ and the card is left as it was. A ``class_consistency`` of None (the reference classifier
    labelled or filtered the samples itself) shows as "–", and the section says why."""
    if figures.get("reference", "test") != "test":
        raise ValueError(f"figures measured against {figures.get('reference')!r} images are for choosing settings; a "
                         "card records final figures, measured against the test set (gen_metrics.py --card).")
    path, card, recorded = card_metadata(card_path, "ganaug_metrics", {name: _card_figures(figures)},
                                          lambda before: _metric_clashes(card_path, name, before, figures, overwrite))
    head = "| variant | samples | " + " | ".join(label for _, label, _ in _METRIC_COLUMNS) + " |"
    rows = [head, "|---" * (len(_METRIC_COLUMNS) + 2) + "|"]
    for variant, f in recorded.items():
        cells = [fmt.format(f[k]) if isinstance(f.get(k), (int, float)) else "–" for k, _, fmt in _METRIC_COLUMNS]
        rows.append(f"| {variant} | {f.get('num_samples', '–')} | " + " | ".join(cells) + " |")
    # an entry that records no class consistency on purpose (None): the classifier that measures it chose the labels
    na = any(isinstance(f, dict) and "class_consistency" in f and f["class_consistency"] is None
             for f in recorded.values())
    section = (
        "## Evaluation\n"
        "Measured with `scripts/gen_metrics.py` (features of ganaug's reference classifier; FID-C beside its\n"
        "real-train-vs-test value for scale; precision/recall k=3; memorisation: share of samples closer to a\n"
        "training image than the 1st percentile of real nearest-neighbour distances). Also in the metadata\n"
        "above, `ganaug_metrics`.\n"
        + ("Class consistency is not given (–, null in the metadata) where the reference classifier itself labelled\n"
           "the samples (relabelled, or an unconditional generator) or filtered them (min_confidence 0.5 or more): it is\n"
           "100% by construction, not a measurement.\n" if na else "")
        + "\n" + "\n".join(rows) + "\n"
    )
    set_model_index(card.data)
    text = str(card)
    match = re.search(r"^## Evaluation\n.*?(?=^## |\Z)", text, flags=re.M | re.S)
    if match:  # the heading, its intro and its table are rebuilt; what the section says after the table is kept
        lines = match.group(0).split("\n")[1:]
        start = next((k for k, line in enumerate(lines) if line.startswith("|")), None)
        end = len(lines) if start is None else start  # no table yet: the template's placeholder line, replaced
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        rest = "\n".join(lines[end:]).strip("\n")
        section += ("\n" + rest + "\n") if rest else ""
        text = text[:match.start()] + section + "\n" + text[match.end():]
    else:
        text = text.rstrip() + "\n\n" + section
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))
