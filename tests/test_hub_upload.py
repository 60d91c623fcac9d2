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
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import torch
from safetensors.torch import load_file

from hub_upload_server import REPO, UploadHub
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


# Runs in a subprocess too: org/clf's main gets a classifier that records no training subset (scripts/
# train_classifier.py --push-to-hub then puts one trained on the 2-per-class subset on branch v1)
CLF_PUSHER = r"""
import torch
from ganaug.models import Classifier

torch.manual_seed(1)
Classifier(width=4).push_to_hub("org/clf", commit_message="main: a classifier that records no subset")
print("PUSHED")
"""


class TreeHub(UploadHub):
    """``UploadHub`` that also lists a revision's files (GET /api/models/{repo}/tree/{rev}, as the Hub does): the
    listing ``upload_folder(delete_patterns=...)`` reads, with which push_to_hub removes a release's training.json."""

    def __init__(self, mirrors: Path, token: str) -> None:
        super().__init__(mirrors, token)
        hub, base = self, self.httpd.RequestHandlerClass

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                match = re.fullmatch(rf"/api/models/{REPO}/tree/(?P<rev>[^/]+)", unquote(urlsplit(self.path).path))
                if match is None:
                    return super().do_GET()
                hub.requests.append(("GET", match.group(0)))
                listing = subprocess.run(["git", "ls-tree", "-r", "-l", match["rev"]], cwd=hub.repo_dir(match["repo"]),
                                         capture_output=True, text=True)
                if listing.returncode != 0:
                    return self._send(404, {"error": f"Revision not found: {match['rev']}"})
                files = [(meta.split(), path) for meta, path in
                         (line.split("\t", 1) for line in listing.stdout.splitlines())]
                self._send(200, [{"type": "file", "path": path, "oid": oid, "size": int(size)}
                                 for (_, _, oid, size), path in files])

        self.httpd.RequestHandlerClass = Handler


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
    with TreeHub(mirrors, token=TOKEN) as hub:
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

        script = base / "clf_pusher.py"
        script.write_text(CLF_PUSHER)
        done = subprocess.run([sys.executable, str(script), str(base)], env=env, capture_output=True, text=True,
                              timeout=CLIENT_TIMEOUT)
        assert done.returncode == 0 and "PUSHED" in done.stdout, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        # the 2-per-class subset (subset seed 0) that train_gan.py --per-class 2 trained on: recorded in training.json
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "train_classifier.py"), "--per-class", "2", "--steps", "2", "--val",
             "--width", "4", "--output-dir", str(base / "clf-v1"), "--push-to-hub", "org/clf", "--revision", "v1"],
            env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT, cwd=base)
        assert done.returncode == 0 and "pushed to" in done.stdout, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        clf_requests = [r for r in hub.requests if "org/clf" in r[1]]

    server = Olah(cli, mirrors, base)
    try:
        server.wait_ready("/api/models/org/pushed/revision/main")
        yield {
            "base": base, "mirrors": mirrors, "olah": server, "pushed": pushed,
            "mixin_requests": mixin_requests, "mixin_payloads": mixin_payloads,
            "script_requests": script_requests, "script_stdout": script_stdout, "run_dir": run_dir,
            "clf_requests": clf_requests,
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


def test_evaluate_checks_and_records_a_pinned_hub_generator_at_its_revision(uploaded):
    # scripts/evaluate.py --generator-revision through protocol_run(generator_revision=), against the Hub (olah):
    # org/trained holds train_gan.py --per-class 2's release on branch v1 only (main has no model), and its
    # training.json there records the 20 images it saw, all in the 7-per-class subset of the same subset seed (the
    # smallest whose 70 real images fill the protocol's batch of 64), so the row says it trained on the subset and
    # saw no validation image. Before, protocol_run took the model loaded at v1, which records no subset, and evaluate.py
    # mended the row afterwards.
    import hashlib

    env = _client_env(uploaded["olah"].endpoint, uploaded["base"] / "hf-home-eval", offline=False)
    out = uploaded["base"] / "eval-pinned"
    cmd = [sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--arms", "gan", "--sizes", "7", "--seeds", "0",
           "--steps", "2", "--generator", "org/trained", "--generator-revision", "v1", "--generator-id", "trained",
           "--val", "--output-dir", str(out)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    row = json.loads((out / "runs" / "gan_7_0_trained_s2_val.json").read_text())
    release = uploaded["run_dir"] / "generator" / "model.safetensors"
    assert (row["generator_source"], row["generator_revision"]) == ("org/trained", "v1"), row
    assert row["generator_sha256"] == hashlib.sha256(release.read_bytes()).hexdigest()
    assert row["generator_trained_on_subset"] is True and row["val_seen_by"] == [], row
    # another subset seed: its 20 images are not the generator's, refused before any run
    done = subprocess.run(cmd[:-1] + [str(out) + "-s1", "--subset-seed", "1"], env=env, capture_output=True,
                          text=True, timeout=CLIENT_TIMEOUT)
    assert done.returncode == 2 and "at revision v1 was trained on 20 MNIST training images" in done.stderr, \
        done.stderr[-3000:]
    assert not Path(str(out) + "-s1").exists()


def test_scripts_load_check_and_record_pinned_hub_classifiers_at_their_revision(uploaded):
    # evaluate.py --labeller-revision / --teacher-revision, train_classifier.py --generator-revision /
    # --filter-labeller-revision and gen_metrics.py --labeller-revision, against the Hub (olah). org/clf's v1 records
    # the 2-per-class subset and main records none, so only the pinned loads make the subset checks come out clean.
    # v1 was published by train_classifier.py --push-to-hub --revision v1: one branch, one commit with the card
    import hashlib

    calls = _calls(uploaded["clf_requests"], "org/clf", "v1")
    assert calls["branch"] == 1 and calls["commit"] == 1, calls
    assert calls["put"] == 2, calls  # the repo's two weight files (main's, v1's); v1's training.json goes in its commit

    env = _client_env(uploaded["olah"].endpoint, uploaded["base"] / "hf-home-pins", offline=False)
    v1 = hashlib.sha256((uploaded["base"] / "clf-v1" / "model.safetensors").read_bytes()).hexdigest()
    out = uploaded["base"] / "eval-pins"
    cmd = [sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--arms", "tstr", "kd", "--sizes", "7", "--seeds",
           "0", "--steps", "2", "--val", "--generator", "org/trained", "--generator-revision", "v1", "--generator-id",
           "trained", "--labeller", "org/clf", "--min-confidence", "0", "--teacher", "org/clf", "--teacher-id", "clf",
           "--output-dir", str(out)]
    done = subprocess.run(cmd + ["--labeller-revision", "v1", "--teacher-revision", "v1"], env=env,
                          capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    tstr = json.loads((out / "runs" / "tstr_7_0_trained_s2_val.json").read_text())
    assert (tstr["labeller"], tstr["labeller_revision"], tstr["labeller_sha256"]) == ("org/clf", "v1", v1), tstr
    assert tstr["val_seen_by"] == [], tstr  # the generator and the labeller at v1 saw the subset only
    kd = json.loads((out / "runs" / "kd_7_0_none_tclf_s2_val.json").read_text())
    assert (kd["teacher_revisions"], kd["teacher_sha256"], kd["val_seen_by"]) == (["v1"], [v1], []), kd
    # the same command unpinned loads main, other weights: the finished runs are not reused for it
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    assert done.returncode == 2 and "labeller_revision (--labeller-revision) recorded 'v1', asked None" in done.stderr \
        and "teacher_revision (--teacher-revision) recorded ['v1'], asked None" in done.stderr, done.stderr[-3000:]

    clf = uploaded["base"] / "clf-pinned"
    cmd = [sys.executable, str(ROOT / "scripts" / "train_classifier.py"), "--per-class", "2", "--steps", "2", "--val",
           "--generator", "org/trained", "--generator-revision", "v1", "--synthetic", "20", "--filter-labeller",
           "org/clf", "--filter-labeller-revision", "v1", "--min-confidence", "0.01", "--output-dir", str(clf)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    info = json.loads((clf / "training.json").read_text())
    assert (info["generator_revision"], info["filter_labeller_revision"]) == ("v1", "v1"), info
    assert len(info["indices"]) == 20 and "indices_omitted" not in info, info  # both pinned models saw the subset only

    metrics = uploaded["base"] / "pinned-metrics.json"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_metrics.py"), "--generator", "org/trained",
                           "--revision", "v1", "--labeller", "org/clf", "--labeller-revision", "v1", "--min-confidence",
                           "0.01", "--num-samples", "20", "--json", str(metrics)],
                          env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(metrics.read_text())
    assert (figures["labeller"], figures["labeller_revision"]) == ("org/clf", "v1"), figures


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
        monkeypatch.setattr(HfApi, "list_repo_files", lambda api, *a, **kw: [".gitattributes"])


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
    with pytest.raises(ValueError, match="revision='' is empty"):  # create_commit took "" for the default branch
        push_release(release, "you/first", revision="", token="hf_x")


# A release that went up with train_gan.py (its training.json), then another model pushed to the same repo.
REPUSHER = r"""
import json, sys
from pathlib import Path
from ganaug.models import Generator
from ganaug.training import push_release

release = Path(sys.argv[1])
Generator(arch="cdcgan", latent_dim=16, num_classes=10, width=4).save_pretrained(release)
(release / "training.json").write_text(json.dumps({"hyperparameters": {"width": 4}}))
(release / "samples.png").write_bytes(b"not the model's")
push_release(release, "org/gen")
Generator(arch="seed", latent_dim=16, num_classes=0, width=4).push_to_hub("org/gen")
"""


def _pushed(tmp_path: Path, script_text: str, *args: Path) -> Path:
    """Run ``script_text`` (which pushes to org/gen) against a TreeHub; the repo's git folder."""
    script = tmp_path / "push.py"
    script.write_text(script_text)
    with TreeHub(tmp_path / "mirrors", token=TOKEN) as hub:
        done = subprocess.run([sys.executable, str(script), *map(str, args)],
                              env=_upload_env(hub.endpoint, tmp_path / "hf-home"), capture_output=True, text=True,
                              timeout=CLIENT_TIMEOUT)
        assert done.returncode == 0, done.stderr[-3000:]
        return hub.repo_dir("org/gen")


def test_push_to_hub_removes_the_training_record_of_the_release_it_replaces(tmp_path):
    # the previous release's training.json stayed beside the new weights, describing another run
    repo = _pushed(tmp_path, REPUSHER, tmp_path / "release")
    assert "training.json" in _git(repo, "ls-tree", "--name-only", "main~1").split()
    assert sorted(_git(repo, "ls-tree", "--name-only", "main").split()) == [
        ".gitattributes", "README.md", "config.json", "model.safetensors"]
    assert json.loads(_git(repo, "show", "main:config.json"))["arch"] == "seed"


# A release with its training.json pushed, then one without (a save_pretrained folder) to the same repo and branch.
RELEASE_WITHOUT_RECORD = r"""
import json, sys
from pathlib import Path
from ganaug.models import Generator
from ganaug.training import push_release

release, bare = Path(sys.argv[1]), Path(sys.argv[2])
Generator(arch="cdcgan", latent_dim=16, num_classes=10, width=4).save_pretrained(release)
(release / "training.json").write_text(json.dumps({"hyperparameters": {"width": 4}}))
push_release(release, "org/gen", revision="v1")
Generator(arch="cdcgan", latent_dim=16, num_classes=10, width=8).save_pretrained(bare)
push_release(bare, "org/gen", revision="v1")
"""


def test_push_release_without_a_training_record_removes_the_one_it_replaces(tmp_path):
    # push_release uploaded only the files the release had: the last release's training.json stayed beside new weights
    repo = _pushed(tmp_path, RELEASE_WITHOUT_RECORD, tmp_path / "release", tmp_path / "bare")
    assert "training.json" in _git(repo, "ls-tree", "--name-only", "v1~1").split()
    assert sorted(_git(repo, "ls-tree", "--name-only", "v1").split()) == [
        ".gitattributes", "README.md", "config.json", "model.safetensors"]
    assert json.loads(_git(repo, "show", "v1:config.json"))["width"] == 8
    assert _git(repo, "ls-tree", "--name-only", "main").split() == [".gitattributes"]  # the branch only


def test_a_failed_save_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    # the mixin deleted config.json before writing the weights: a full disk left old weights and no config
    import errno

    import safetensors.torch

    from ganaug.models import Generator

    folder = tmp_path / "gen"
    Generator(**TINY).save_pretrained(folder)
    (folder / "notes.txt").write_text("the user's")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def interrupted(*args, **kwargs):  # Ctrl-C
        raise KeyboardInterrupt

    for failure, error in ((disk_full, OSError), (interrupted, KeyboardInterrupt)):
        monkeypatch.setattr(safetensors.torch, "save_model", failure)
        with pytest.raises(error):
            Generator(**{**TINY, "width": 8}).save_pretrained(folder)
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
        assert [p.name for p in tmp_path.iterdir()] == ["gen"]  # no temporary folder left beside it
        assert Generator.from_pretrained(folder).width == 4
    monkeypatch.undo()
    Generator(**{**TINY, "width": 8}).save_pretrained(folder)
    assert Generator.from_pretrained(folder).width == 8 and (folder / "notes.txt").read_text() == "the user's"


def test_a_resaved_folder_keeps_its_card_and_record_only_for_the_same_model(tmp_path):
    # the old README.md stayed whatever was saved, even with card= given: its metrics and snippet described another
    # model, and push_release uploaded it
    import warnings

    from huggingface_hub import ModelCard

    from ganaug._hub import update_card_metrics
    from ganaug.models import Generator

    folder = tmp_path / "gen"
    torch.manual_seed(0)
    Generator(**TINY).save_pretrained(folder)
    update_card_metrics(folder / "README.md", "default", {"fid_c": 4.9, "num_samples": 100, "reference": "test"})
    (folder / "training.json").write_text('{"hyperparameters": {"width": 4}}')
    (folder / "runs").mkdir()
    (folder / "runs" / "log.txt").write_text("the user's")
    card = (folder / "README.md").read_text()
    os.chmod(folder, 0o750)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Generator.from_pretrained(folder).save_pretrained(folder)  # the same model: its card and record are true
    assert (folder / "README.md").read_text() == card and (folder / "training.json").is_file()
    update_card_metrics(folder / "README.md", "default", {"fid_c": 5.0, "num_samples": 100, "reference": "test"})

    with pytest.warns(UserWarning, match="held the training.json of the model saved there before"):  # other weights
        Generator(**TINY).save_pretrained(folder, model_card_kwargs={"card": "---\nlicense: mit\n---\n# Mine\n"})
    assert (folder / "README.md").read_text() == "---\nlicense: mit\n---\n# Mine\n"  # a card given is written
    assert not (folder / "training.json").exists()

    (folder / "README.md").write_text(card)
    (folder / "training.json").write_text('{"hyperparameters": {"width": 4}}')
    with pytest.warns(UserWarning, match="README.md and training.json of the model saved there before.*template card"):
        Generator(arch="seed", latent_dim=16, num_classes=0, width=4).save_pretrained(folder)
    new = ModelCard((folder / "README.md").read_text())
    assert "ganaug_metrics" not in new.data.to_dict() and 'labeller="reference")' in new.text
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors", "runs"]
    assert (folder / "runs" / "log.txt").read_text() == "the user's" and folder.stat().st_mode & 0o777 == 0o750


def test_a_folder_that_cannot_be_renamed_is_saved_into_in_place(tmp_path, monkeypatch):
    # a mount point (a container's volume) cannot be swapped for a new folder: the files go in one by one
    from ganaug.models import Generator

    folder = tmp_path / "volume"
    Generator(**TINY).save_pretrained(folder)
    (folder / "training.json").write_text("{}")
    (folder / "notes.txt").write_text("the user's")
    inode = folder.stat().st_ino
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == folder or real(p))
    with pytest.warns(UserWarning, match="README.md and training.json of the model saved there before"):
        Generator(arch="seed", latent_dim=16, num_classes=0, width=4).save_pretrained(folder)
    assert folder.stat().st_ino == inode and not Generator.from_pretrained(folder).conditional
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors", "notes.txt"]
    assert 'labeller="reference")' in (folder / "README.md").read_text()


def test_saving_into_the_folder_a_process_runs_from_keeps_that_folder(tmp_path, monkeypatch):
    # `cd proj && python save.py` with save_pretrained("."): the folder was swapped for a new one, and the shell that
    # ran it was left in a deleted folder ("touch: cannot touch 'x': No such file or directory"). Now the files go in
    # one by one there; from elsewhere the save is still all or nothing (a new folder takes its place)
    from ganaug.models import Generator

    folder = tmp_path / "proj"
    Generator(**TINY).save_pretrained(folder)
    (folder / "sub").mkdir()
    (folder / "notes.txt").write_text("the user's")
    inode = folder.stat().st_ino
    other = Generator(arch="seed", latent_dim=16, num_classes=0, width=4)
    for cwd, target in ((folder, "."), (folder / "sub", str(folder))):
        monkeypatch.chdir(cwd)
        other.save_pretrained(target)
        assert folder.stat().st_ino == inode and Path.cwd() == cwd, cwd
        assert not Generator.from_pretrained(folder).conditional and (folder / "notes.txt").read_text() == "the user's"
        assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors",
                                                           "notes.txt", "sub"]
    monkeypatch.chdir(tmp_path)
    Generator(**TINY).save_pretrained(folder)
    assert folder.stat().st_ino != inode and Generator.from_pretrained(folder).conditional
    # an empty name was the current folder; a file where a parent folder must go gave a bare "File exists"
    with pytest.raises(ValueError, match="save_directory='' is empty"):
        other.save_pretrained("")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(FileExistsError, match=r"'afile/sub' cannot be made: '.*afile' is a file, not a folder"):
        other.save_pretrained("afile/sub")


def test_the_hub_probe_goes_through_all_proxy(monkeypatch):
    # with ALL_PROXY only (which the HTTP client honours), ganaug took the Hub for unreachable and served the cache
    import socket

    from huggingface_hub import constants

    from ganaug._hub import endpoint_reachable

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    hub_port = closed.getsockname()[1]
    closed.close()  # nothing listens there: only the proxy answers
    proxy = socket.socket()
    proxy.bind(("127.0.0.1", 0))
    proxy.listen(4)
    for var in [k for k in os.environ if k.lower().endswith("_proxy")]:
        monkeypatch.delenv(var)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", f"https://127.0.0.1:{hub_port}")
    try:
        assert not endpoint_reachable(timeout=2)
        monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
        assert endpoint_reachable(timeout=2)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # bypassed, as the HTTP client bypasses it
        assert not endpoint_reachable(timeout=2)
    finally:
        proxy.close()


def test_a_download_that_breaks_off_is_a_connection_error_that_says_to_retry(monkeypatch):
    # a dropped connection mid-download came out as a raw httpx2.ReadTimeout traceback
    import huggingface_hub

    import ganaug._hub
    from ganaug.models import Generator

    httpx2 = pytest.importorskip("httpx2")  # huggingface_hub 2.x's HTTP client

    def broken(**kwargs):
        raise httpx2.ReadTimeout("timed out")

    monkeypatch.setattr(ganaug._hub, "endpoint_reachable", lambda timeout=3.0: True)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", broken)
    with pytest.raises(ConnectionError, match=r"Downloading config.json of Hub repo 'org/gen@v1' failed .*timed out"
                                              r"\). Retry, or use a copy in the local cache.*HF_HUB_OFFLINE=1"):
        Generator.from_pretrained("org/gen", revision="v1")
