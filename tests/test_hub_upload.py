"""Publishing: ``Generator.push_to_hub`` and ``train_gan.py --push-to-hub`` against loopback servers.

The uploads go to ``hub_upload_server.UploadHub``, which speaks the Hub's classic LFS commit
protocol (repo create, validate-yaml, preupload, LFS batch, PUT, NDJSON commit) and writes real git
commits, with LFS pointers and objects, where olah serves them. The real client then reads the
upload back through olah and ``SyntheticMNIST(generator=..., revision=...)``.

**The Xet upload path is not covered**: huggingface_hub 2.x uploads through Xet storage whenever
hf_xet is installed, and no local server offers Xet, so every client here runs with
HF_HUB_DISABLE_XET=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from hub_upload_server import UploadHub
from test_hub_olah import TINY, Olah, _client_env, _git, _olah_cli, _run_client

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "hf_loopback_test_token"
CLIENT_TIMEOUT = 180

# Runs in a subprocess (huggingface_hub must import with HF_ENDPOINT pointing at the upload server).
PUSHER = r"""
import json, sys
from pathlib import Path
import torch
from huggingface_hub.errors import HfHubHTTPError
from safetensors.torch import save_file
from ganaug.models import Generator

torch.set_num_threads(1)
out, tiny = Path(sys.argv[1]), json.loads(sys.argv[2])
report = {}
torch.manual_seed(5)
g = Generator(**tiny)
try:
    g.push_to_hub("org/pushed", token="hf_wrong_token")
    report["wrong_token"] = "accepted"
except HfHubHTTPError as e:
    report["wrong_token"] = e.response.status_code
try:  # a card whose metadata the Hub refuses: refused before any file is uploaded
    g.push_to_hub("org/pushed", model_card_kwargs={"card": "---\nlicense: my-own-licence\n---\n# card\n"})
    report["bad_card"] = "accepted"
except ValueError as e:
    report["bad_card"] = str(e)
oids = []
for seed in (5, 6):
    torch.manual_seed(seed)
    g = Generator(**tiny)
    save_file({k: v.contiguous() for k, v in g.state_dict().items()}, str(out / f"seed{seed}.safetensors"))
    info = g.push_to_hub("org/pushed", commit_message=f"generator seed {seed}")
    oids.append(info.oid)
report["oids"] = oids
print("REPORT " + json.dumps(report))
"""


def _upload_env(endpoint: str, hf_home: Path) -> dict[str, str]:
    env = _client_env(endpoint, hf_home, offline=False)
    env["HF_TOKEN"] = TOKEN
    return env


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory):
    """Push twice with the mixin and once through the training script; then serve it all with olah."""
    cli = _olah_cli()
    base = tmp_path_factory.mktemp("upload")
    mirrors = base / "mirrors"
    mirrors.mkdir()
    with UploadHub(mirrors, token=TOKEN) as hub:
        env = _upload_env(hub.endpoint, base / "hf-home-upload")
        script = base / "pusher.py"
        script.write_text(PUSHER)
        done = subprocess.run([sys.executable, str(script), str(base), json.dumps(TINY)], env=env,
                              capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
        lines = [x for x in done.stdout.splitlines() if x.startswith("REPORT ")]
        assert done.returncode == 0 and lines, f"pusher failed\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        pushed = json.loads(lines[-1][len("REPORT "):])
        mixin_requests = list(hub.requests)
        mixin_payloads = list(hub.commit_payloads)

        # a dry run checks the Hub settings but does not publish its 5-step generator
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "train_gan.py"), "--dry-run", "--width", "4", "--batch-size", "8",
             "--output-dir", str(base / "dry-run"), "--push-to-hub", "org/trained", "--revision", "v1"],
            env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT, cwd=base,
        )
        assert done.returncode == 0 and "dry run: not pushed to org/trained" in done.stdout, done.stderr[-3000:]
        assert len(hub.requests) == len(mixin_requests), hub.requests[len(mixin_requests):]

        run_dir = base / "train-run"  # a real run, of 20 images (2 steps)
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "train_gan.py"), "--per-class", "2", "--epochs", "1", "--width",
             "4", "--batch-size", "8", "--output-dir", str(run_dir), "--push-to-hub", "org/trained", "--revision", "v1"],
            env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT, cwd=base,
        )
        assert done.returncode == 0, f"train_gan.py --push-to-hub failed\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        script_requests = hub.requests[len(mixin_requests):]
        script_stdout = done.stdout

    server = Olah(cli, mirrors, base)
    try:
        server.wait_ready("/api/models/org/pushed/revision/main")
        yield {
            "base": base, "mirrors": mirrors, "olah": server, "pushed": pushed,
            "mixin_requests": mixin_requests, "mixin_payloads": mixin_payloads,
            "script_requests": script_requests, "script_stdout": script_stdout, "run_dir": run_dir,
        }
    finally:
        server.stop()


def _calls(requests: list[tuple[str, str]], repo: str, rev: str) -> dict[str, int]:
    kinds = {
        "create": ("POST", "/api/repos/create"),
        "preupload": ("POST", f"/api/models/{repo}/preupload/{rev}"),
        "lfs-batch": ("POST", f"/{repo}.git/info/lfs/objects/batch"),
        "commit": ("POST", f"/api/models/{repo}/commit/{rev}"),
        "validate-yaml": ("POST", "/api/validate-yaml"),
        "branch": ("POST", f"/api/models/{repo}/branch/{rev}"),
    }
    counts = {k: requests.count(v) for k, v in kinds.items()}
    counts["put"] = sum(1 for m, p in requests if m == "PUT" and p.startswith(f"/lfs-objects/{repo}/"))
    return counts


def test_push_to_hub_speaks_the_lfs_commit_protocol(uploaded):
    assert uploaded["pushed"]["wrong_token"] == 401
    bad_card = uploaded["pushed"]["bad_card"]
    assert "Invalid metadata in README.md" in bad_card and "my-own-licence" in bad_card, bad_card
    calls = _calls(uploaded["mixin_requests"], "org/pushed", "main")
    # A wrong token (refused at create), a broken card (refused at validate-yaml, nothing uploaded)
    # and two real pushes. Every call of the protocol was made.
    assert calls["create"] == 4 and calls["validate-yaml"] >= 3, calls  # the client validates README.md per push
    assert calls["preupload"] == 2 and calls["commit"] == 2, calls
    assert calls["lfs-batch"] == 2 and calls["put"] == 2, calls  # the two weight files differ: two objects
    for payload in uploaded["mixin_payloads"]:
        assert payload[0]["key"] == "header"
        by_path = {line["value"]["path"]: line["key"] for line in payload[1:]}
        assert by_path == {"model.safetensors": "lfsFile", "config.json": "file", "README.md": "file"}, by_path


def test_pushed_commits_read_back_through_olah_by_revision(uploaded):
    oid5, oid6 = uploaded["pushed"]["oids"]
    repo = uploaded["mirrors"] / "models" / "org" / "pushed"
    assert _git(repo, "rev-parse", "refs/heads/main") == oid6
    assert _git(repo, "rev-list", "--count", "main") == "3"  # the Hub's initial commit + two pushes
    card = _git(repo, "show", f"{oid6}:README.md")  # the mixin's card: what the weights are and how to load them
    assert "# A ganaug Generator" in card and 'generator="org/pushed")' in card and "More Information" not in card
    pointer = _git(repo, "show", f"{oid5}:model.safetensors")
    assert pointer.startswith("version https://git-lfs.github.com/spec/v1\noid sha256:"), pointer

    out = uploaded["base"] / "readback"
    report = _run_client([("s5", "org/pushed", oid5), ("s6", "org/pushed", oid6), ("main", "org/pushed", "main")],
                         endpoint=uploaded["olah"].endpoint, hf_home=uploaded["base"] / "hf-home-read",
                         offline=False, out=out)
    assert all(report["loads"][k]["ok"] for k in ("s5", "s6", "main")), report
    for label, seed in (("s5", 5), ("s6", 6), ("main", 6)):
        got, want = load_file(str(out / f"{label}.safetensors")), load_file(str(uploaded["base"] / f"seed{seed}.safetensors"))
        assert sorted(got) == sorted(want)
        assert all(torch.equal(got[k], want[k]) for k in want), f"{label} is not seed {seed}'s generator"


def test_train_script_push_validates_card_and_publishes_to_a_branch(uploaded):
    assert "pushed to" in uploaded["script_stdout"], uploaded["script_stdout"][-2000:]
    calls = _calls(uploaded["script_requests"], "org/trained", "v1")
    assert calls["validate-yaml"] >= 1 and calls["branch"] == 1, calls
    assert calls["preupload"] == 1 and calls["lfs-batch"] == 1 and calls["put"] == 1 and calls["commit"] == 1, calls

    repo = uploaded["mirrors"] / "models" / "org" / "trained"
    v1 = _git(repo, "rev-parse", "refs/heads/v1")
    assert _git(repo, "rev-parse", "refs/heads/main") != v1  # the branch moved, main did not
    card = _git(repo, "show", f"{v1}:README.md")
    assert card.startswith("---") and "ganaug" in card
    local = (uploaded["run_dir"] / "generator" / "README.md").read_text()
    assert card == local.replace("<this repo id>", "org/trained").strip()  # the release's card (_git strips)
    assert 'generator="org/trained")' in card and "<this repo id>" not in card  # its snippet runs as written
    assert 'generator="<this repo id>")' in local  # the local card is left as it was, for a push elsewhere
    info = json.loads(_git(repo, "show", f"{v1}:training.json"))  # the run's record goes up with it
    assert info["hyperparameters"]["steps"] == 2 and len(info["indices"]) == 20, info

    out = uploaded["base"] / "readback-trained"
    report = _run_client([("v1", "org/trained", "v1")], endpoint=uploaded["olah"].endpoint,
                         hf_home=uploaded["base"] / "hf-home-read2", offline=False, out=out)
    assert report["loads"]["v1"]["ok"], report
    release = uploaded["run_dir"] / "generator" / "model.safetensors"
    got, want = load_file(str(out / "v1.safetensors")), load_file(str(release))
    assert sorted(got) == sorted(want) and all(torch.equal(got[k], want[k]) for k in want)


class _FakeHub:
    """HfApi's calls stubbed in-process: the Hub names a repo without namespace as the token's user's (alice)."""

    def __init__(self, monkeypatch, fail: bool = False) -> None:
        from types import SimpleNamespace

        from huggingface_hub import HfApi

        self.cards: dict[str, str] = {}  # repo id -> the README.md that went up

        def create_repo(api, repo_id, **kw):
            return SimpleNamespace(repo_id=repo_id if "/" in repo_id else f"alice/{repo_id}")

        def upload_folder(api, *, repo_id, folder_path, **kw):
            if fail:
                raise ConnectionError("the Hub went away")
            self.cards[repo_id] = (Path(folder_path) / "README.md").read_text()
            return f"https://hub.invalid/{repo_id}/commit/1"

        def create_commit(api, repo_id, operations, **kw):
            if fail:
                raise ConnectionError("the Hub went away")
            for op in operations:
                if op.path_in_repo == "README.md":
                    with op.as_file() as f:
                        self.cards[repo_id] = f.read().decode()
            return f"https://hub.invalid/{repo_id}/commit/1"

        monkeypatch.setattr(HfApi, "create_repo", create_repo)
        monkeypatch.setattr(HfApi, "create_branch", lambda api, *a, **kw: None)
        monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
        monkeypatch.setattr(HfApi, "create_commit", create_commit)


def test_push_to_hub_card_names_the_repo_the_hub_made(monkeypatch):
    from ganaug.models import Generator

    hub = _FakeHub(monkeypatch)
    Generator(**TINY).push_to_hub("ganaug-mnist", token="hf_x")  # the card said generator="ganaug-mnist"
    assert list(hub.cards) == ["alice/ganaug-mnist"]
    assert 'generator="alice/ganaug-mnist")' in hub.cards["alice/ganaug-mnist"]


def test_push_release_leaves_the_local_card_as_it_is(tmp_path, monkeypatch):
    # push_release wrote the repo id into the local README.md: a second push to another repo uploaded the first
    # repo's name, and a failed push left the placeholder filled
    from ganaug.models import Generator
    from ganaug.training import push_release

    release = tmp_path / "generator"
    Generator(**TINY).save_pretrained(release)
    card = (release / "README.md").read_text()
    assert 'generator="<this repo id>")' in card
    _FakeHub(monkeypatch, fail=True)
    with pytest.raises(ConnectionError):
        push_release(release, "you/failed", token="hf_x")
    assert (release / "README.md").read_text() == card
    hub = _FakeHub(monkeypatch)
    push_release(release, "you/first", token="hf_x")
    push_release(release, "ganaug-mnist", revision="v1", token="hf_x")
    assert 'generator="you/first")' in hub.cards["you/first"]
    assert 'generator="alice/ganaug-mnist")' in hub.cards["alice/ganaug-mnist"]
    assert hub.cards["you/first"].replace("you/first", "<this repo id>") == card
    assert (release / "README.md").read_text() == card
