"""End to end: SyntheticMNIST downloads pinned generator revisions from a real Hub-compatible server.

The server is olah (a self-hosted Hugging Face mirror) in offline mode, serving a local git repository
on 127.0.0.1. It runs from its own virtual environment: ``GANAUG_OLAH`` (path to ``olah-cli``) or
``.olah-venv/bin/olah-cli`` in the repo root, which ``.ci/olah_setup.sh`` creates. Without either the
tests are skipped.

huggingface_hub reads HF_ENDPOINT / HF_HUB_OFFLINE when it is imported, and conftest.py has already
set HF_HUB_OFFLINE=1 in this process, so every client runs in a fresh subprocess with its own
environment and its own HF cache.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganaug.models import Generator

ROOT = Path(__file__).resolve().parent.parent
REPO_ID = "org/tiny-gen"
MISSING_REPO_ID = "org/not-on-this-server"
TINY = dict(arch="cdcgan", latent_dim=16, num_classes=10, width=4)
SERVER_START_TIMEOUT = 30.0
CLIENT_TIMEOUT = 120


def _olah_cli() -> Path:
    configured = os.environ.get("GANAUG_OLAH")
    candidates = ([Path(configured)] if configured else []) + [ROOT / ".olah-venv" / "bin" / "olah-cli"]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip(
        "olah (Hub mirror server) not installed: neither GANAUG_OLAH="
        f"{configured!r} nor {ROOT / '.olah-venv/bin/olah-cli'} is an executable olah-cli. "
        "Run .ci/olah_setup.sh to create .olah-venv."
    )


# Runs in a subprocess: load each (label, repo_id, revision) with SyntheticMNIST, save the loaded
# generator's state_dict to OUT/<label>.safetensors, and report what happened as JSON on stdout.
CLIENT = r"""
import json, sys
from pathlib import Path
import torch
from safetensors.torch import save_file
from huggingface_hub import constants
from ganaug import SyntheticMNIST

torch.set_num_threads(1)
out = Path(sys.argv[1])
report = {"endpoint": constants.ENDPOINT, "offline": constants.HF_HUB_OFFLINE, "loads": {}}
for label, repo_id, revision in json.loads(sys.argv[2]):
    try:
        ds = SyntheticMNIST(20, generator=repo_id, revision=revision, device="cpu")
    except Exception as e:
        report["loads"][label] = {"ok": False, "type": type(e).__name__, "message": str(e)}
        continue
    state = {k: v.detach().cpu().contiguous() for k, v in ds.generator.state_dict().items()}
    save_file(state, str(out / f"{label}.safetensors"))
    report["loads"][label] = {
        "ok": True,
        "data_shape": list(ds.data.shape),
        "data_dtype": str(ds.data.dtype),
        "n_targets": len(ds.targets),
    }
print("REPORT " + json.dumps(report))
"""


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "ganaug-test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "ganaug-test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
    return done.stdout.strip()


def _tiny_generator(seed: int) -> Generator:
    torch.manual_seed(seed)
    return Generator(**TINY)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _no_proxy_get(url: str, timeout: float = 2.0) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _client_env(endpoint: str, hf_home: Path, offline: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("HF_", "HUGGING"))}
    no_proxy = ",".join(x for x in (env.get("NO_PROXY") or env.get("no_proxy"), "127.0.0.1", "localhost") if x)
    env.update(
        HF_ENDPOINT=endpoint,
        HF_HUB_OFFLINE="1" if offline else "0",
        HF_HOME=str(hf_home),
        HF_HUB_CACHE=str(hf_home / "hub"),
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_ETAG_TIMEOUT="10",
        HF_HUB_DOWNLOAD_TIMEOUT="10",
        NO_PROXY=no_proxy,
        no_proxy=no_proxy,
        OMP_NUM_THREADS="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
    )
    return env


def _run_client(loads: list[tuple[str, str, str | None]], *, endpoint: str, hf_home: Path, offline: bool,
                out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    script = out / "client.py"
    script.write_text(CLIENT)
    done = subprocess.run(
        [sys.executable, str(script), str(out), json.dumps(loads)],
        env=_client_env(endpoint, hf_home, offline),
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert done.returncode == 0 and lines, (
        f"client subprocess failed (rc={done.returncode})\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    )
    report = json.loads(lines[-1][len("REPORT "):])
    # The environment reached huggingface_hub (conftest's HF_HUB_OFFLINE=1 did not leak in).
    assert report["endpoint"] == endpoint
    assert report["offline"] is offline
    report["stderr"] = done.stderr
    return report


def _assert_same_weights(path: Path, expected: Generator) -> None:
    got = load_file(str(path))
    want = expected.state_dict()
    assert sorted(got) == sorted(want)
    for k in want:
        assert torch.equal(got[k], want[k].detach().cpu()), f"{k} differs"


class Olah:
    """olah-cli as a subprocess on 127.0.0.1, stopped by its PID."""

    def __init__(self, cli: Path, mirrors: Path, workdir: Path) -> None:
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "olah-server.log"
        config = workdir / "olah.toml"
        config.write_text(
            "[basic]\n"
            'host = "127.0.0.1"\n'
            f"port = {self.port}\n"
            f"repos-path = {json.dumps(str(workdir / 'olah-cache'))}\n"
            f"mirrors-path = [{json.dumps(str(mirrors))}]\n"
            "\n[accessibility]\n"
            "offline = true\n"
        )
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(cli), "--config", str(config), "--log-path", str(workdir / "olah-logs")],
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, probe_path: str) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"olah exited with code {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                if _no_proxy_get(self.endpoint + probe_path) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"olah did not answer {probe_path} within {SERVER_START_TIMEOUT}s:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A git-backed model repo with two commits, served by olah; yields what the tests need.

    The server is stopped (by PID) when the module ends, or earlier through ``hub["server"].stop()``.
    """
    cli = _olah_cli()
    if shutil.which("git") is None:
        pytest.skip("git is not installed; olah serves repositories from git")
    base = tmp_path_factory.mktemp("olah")
    mirrors = base / "mirrors"
    repo = mirrors / "models" / REPO_ID
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    _git(repo, "symbolic-ref", "HEAD", "refs/heads/main")

    gen_a = _tiny_generator(seed=11)
    gen_a.save_pretrained(repo)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "generator A")
    sha_a = _git(repo, "rev-parse", "HEAD")

    gen_b = _tiny_generator(seed=22)
    gen_b.save_pretrained(repo)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "generator B")
    sha_b = _git(repo, "rev-parse", "HEAD")
    assert sha_a != sha_b
    assert _git(repo, "diff", "--name-only", sha_a, sha_b).splitlines() == ["model.safetensors"]

    server = Olah(cli, mirrors, base)
    try:
        server.wait_ready(f"/api/models/{REPO_ID}/revision/main")
        yield {
            "server": server,
            "endpoint": server.endpoint,
            "base": base,
            "hf_home": base / "hf-home",
            "sha_a": sha_a,
            "sha_b": sha_b,
            "gen_a": gen_a,
            "gen_b": gen_b,
        }
    finally:
        server.stop()


@pytest.fixture(scope="module")
def online(hub):
    """One client run against the live server: commit A, commit B, and the main branch."""
    out = hub["base"] / "online"
    report = _run_client(
        [("a", REPO_ID, hub["sha_a"]), ("b", REPO_ID, hub["sha_b"]), ("main", REPO_ID, "main")],
        endpoint=hub["endpoint"], hf_home=hub["hf_home"], offline=False, out=out,
    )
    return report, out


def test_pinned_commits_download_that_commits_weights(hub, online):
    report, out = online
    for label in ("a", "b"):
        assert report["loads"][label] == {
            "ok": True, "data_shape": [20, 28, 28], "data_dtype": "torch.uint8", "n_targets": 20,
        }, report["loads"][label]
    _assert_same_weights(out / "a.safetensors", hub["gen_a"])
    _assert_same_weights(out / "b.safetensors", hub["gen_b"])
    a, b = load_file(str(out / "a.safetensors")), load_file(str(out / "b.safetensors"))
    assert any(not torch.equal(a[k], b[k]) for k in a), "commits A and B served the same weights"

    # The files really came from olah, by commit.
    log = hub["server"].log_text()
    for sha in (hub["sha_a"], hub["sha_b"]):
        assert f'"GET /{REPO_ID}/resolve/{sha}/model.safetensors HTTP/1.1" 200' in log, log[-3000:]
    snapshots = hub["hf_home"] / "hub" / f"models--{REPO_ID.replace('/', '--')}" / "snapshots"
    assert {hub["sha_a"], hub["sha_b"]} <= {p.name for p in snapshots.iterdir()}


def test_main_resolves_to_latest_commit(hub, online):
    report, out = online
    assert report["loads"]["main"]["ok"], report["loads"]["main"]
    _assert_same_weights(out / "main.safetensors", hub["gen_b"])
    ref = hub["hf_home"] / "hub" / f"models--{REPO_ID.replace('/', '--')}" / "refs" / "main"
    assert ref.read_text().strip() == hub["sha_b"]


@pytest.mark.parametrize("mode", ["server-stopped", "HF_HUB_OFFLINE=1"])
def test_cached_revisions_load_without_server_and_uncached_repo_fails_clearly(hub, online, mode):
    hub["server"].stop()  # both modes run with nothing listening: the cache must be enough
    assert hub["server"].proc.poll() is not None
    out = hub["base"] / f"offline-{mode.replace('=', '-')}"
    report = _run_client(
        [("a", REPO_ID, hub["sha_a"]), ("main", REPO_ID, "main"), ("missing", MISSING_REPO_ID, None)],
        endpoint=hub["endpoint"], hf_home=hub["hf_home"], offline=(mode == "HF_HUB_OFFLINE=1"), out=out,
    )
    assert report["loads"]["a"]["ok"], report["loads"]["a"]
    _assert_same_weights(out / "a.safetensors", hub["gen_a"])
    assert report["loads"]["main"]["ok"], report["loads"]["main"]
    _assert_same_weights(out / "main.safetensors", hub["gen_b"])

    # no retry loop against a dead endpoint: the cache answers, or the error comes at once
    assert "Retrying" not in report["stderr"], report["stderr"][-2000:]
    missing = report["loads"]["missing"]
    assert missing["ok"] is False
    assert missing["type"] == "ConnectionError", missing
    assert MISSING_REPO_ID in missing["message"], missing["message"]
    assert "HF_HUB_OFFLINE" in missing["message"], missing["message"]
