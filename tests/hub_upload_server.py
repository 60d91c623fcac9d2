"""A loopback server that speaks the Hugging Face Hub's classic (LFS) upload protocol.

It answers the calls ``huggingface_hub`` makes to publish files, and nothing more:

    POST /api/repos/create                          create a model repo (409 if it exists)
    POST /api/models/{repo}/branch/{branch}         create a branch from main (409 if it exists)
    POST /api/validate-yaml                         check a model card's YAML metadata
    POST /api/models/{repo}/preupload/{rev}         say which files go through LFS
    POST /{repo}.git/info/lfs/objects/batch         LFS batch API: where to PUT each object
    PUT  /lfs-objects/{repo}/{oid}?signature=...    one LFS object (signed URL; sha256 checked)
    POST /lfs-verify/{repo}/{oid}                   LFS verify action
    POST /api/models/{repo}/commit/{rev}            the commit itself, as NDJSON

Commits are real git commits in ``MIRRORS/models/ORG/NAME`` (the layout olah serves in offline
mode): regular files become blobs, LFS files become pointer blobs with their objects under
``.git/lfs/objects/aa/bb/OID``, exactly as ``git lfs`` stores them. So an upload can be read back
through olah by the real client.

Not covered: Xet storage (huggingface_hub 2.x uses it whenever hf_xet is installed; clients of this
server must set HF_HUB_DISABLE_XET=1), multipart LFS uploads, pull requests, and copies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".onnx")
LFS_MIN_SIZE = 10 * 1024 * 1024
KNOWN_LICENSES = {"apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "gpl-3.0", "other"}
REPO = r"(?P<repo>[\w.-]+/[\w.-]+)"

_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "hub-upload-server",
    "GIT_AUTHOR_EMAIL": "server@example.invalid",
    "GIT_COMMITTER_NAME": "hub-upload-server",
    "GIT_COMMITTER_EMAIL": "server@example.invalid",
}


class HubError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _git(repo: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, input=stdin, capture_output=True, env={**os.environ, **_GIT_ENV, **(env or {})}
    )
    if done.returncode != 0:
        raise HubError(500, f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode().strip()


def lfs_pointer(oid: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode()


class UploadHub:
    """The server state: git repos under ``mirrors/models``, a request log, the accepted token."""

    def __init__(self, mirrors: Path, token: str) -> None:
        self.mirrors = Path(mirrors)
        self.token = token
        self.requests: list[tuple[str, str]] = []
        self.commit_payloads: list[list[dict]] = []
        self._lock = threading.Lock()
        self._secret = os.urandom(16)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> UploadHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- repos -------------------------------------------------------------------------------
    def repo_dir(self, repo_id: str) -> Path:
        return self.mirrors / "models" / repo_id

    def _existing(self, repo_id: str) -> Path:
        path = self.repo_dir(repo_id)
        if not (path / ".git").is_dir():
            raise HubError(404, f"Repository not found: {repo_id}")
        return path

    def _head(self, repo: Path, branch: str) -> str | None:
        done = subprocess.run(["git", "rev-parse", "--verify", "-q", f"refs/heads/{branch}"], cwd=repo,
                              capture_output=True, env={**os.environ, **_GIT_ENV})
        return done.stdout.decode().strip() or None

    def create_repo(self, body: dict) -> tuple[int, dict]:
        if body.get("type", "model") != "model":
            raise HubError(400, "this server hosts model repos only")
        repo_id = f"{body['organization']}/{body['name']}" if body.get("organization") else body.get("name", "")
        if not re.fullmatch(REPO, repo_id):
            raise HubError(400, f"invalid repo id {repo_id!r}: expected 'org/name'")
        path = self.repo_dir(repo_id)
        with self._lock:
            if (path / ".git").is_dir():
                return 409, {"error": "You already created this model repo", "url": f"{self.endpoint}/{repo_id}"}
            path.mkdir(parents=True)
            _git(path, "init", "-q")
            _git(path, "symbolic-ref", "HEAD", "refs/heads/main")
            # The Hub starts every repo with a .gitattributes commit on main.
            self._commit(path, "main", "initial commit", {".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"}, [])
        return 200, {"url": f"{self.endpoint}/{repo_id}", "name": repo_id, "id": repo_id}

    def create_branch(self, repo_id: str, branch: str, body: dict) -> tuple[int, dict]:
        repo = self._existing(repo_id)
        with self._lock:
            if self._head(repo, branch):
                return 409, {"error": f"Reference already exists: refs/heads/{branch}"}
            start = body.get("startingPoint") or "main"
            sha = _git(repo, "rev-parse", "--verify", f"{start}^{{commit}}")
            _git(repo, "update-ref", f"refs/heads/{branch}", sha, "0" * 40)
        return 200, {}

    # -- uploads -----------------------------------------------------------------------------
    def preupload(self, repo_id: str, body: dict) -> dict:
        self._existing(repo_id)
        files = []
        for f in body.get("files", []):
            lfs = f["path"].endswith(LFS_SUFFIXES) or int(f["size"]) >= LFS_MIN_SIZE
            files.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False})
        return {"files": files, "commitOid": None}

    def _object_path(self, repo: Path, oid: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", oid):
            raise HubError(400, f"invalid sha256 oid {oid!r}")
        return repo / ".git" / "lfs" / "objects" / oid[:2] / oid[2:4] / oid

    def lfs_batch(self, repo_id: str, body: dict) -> dict:
        repo = self._existing(repo_id)
        if body.get("operation") != "upload":
            raise HubError(400, "only the upload operation is supported")
        if "basic" not in body.get("transfers", ["basic"]):
            raise HubError(400, f"no common transfer adapter: client offers {body.get('transfers')}, server has 'basic'")
        objects = []
        for obj in body.get("objects", []):
            oid, size = obj["oid"], int(obj["size"])
            entry = {"oid": oid, "size": size}
            if not self._object_path(repo, oid).is_file():  # absent: ask for it (present: no actions)
                entry["actions"] = {  # like the Hub's presigned storage URLs: signed, no token needed
                    "upload": {"href": f"{self.endpoint}/lfs-objects/{repo_id}/{oid}?signature={self.sign(repo_id, oid)}"},
                    "verify": {"href": f"{self.endpoint}/lfs-verify/{repo_id}/{oid}"},
                }
            objects.append(entry)
        return {"transfer": "basic", "objects": objects, "hash_algo": "sha256"}

    def sign(self, repo_id: str, oid: str) -> str:
        return hmac.new(self._secret, f"{repo_id}/{oid}".encode(), hashlib.sha256).hexdigest()

    def put_object(self, repo_id: str, oid: str, data: bytes, signature: str) -> None:
        repo = self._existing(repo_id)
        if not hmac.compare_digest(signature, self.sign(repo_id, oid)):
            raise HubError(403, "bad or missing upload signature")
        target = self._object_path(repo, oid)
        if hashlib.sha256(data).hexdigest() != oid:
            raise HubError(400, f"object content does not hash to {oid}")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)

    def verify_object(self, repo_id: str, oid: str, body: dict) -> dict:
        path = self._object_path(self._existing(repo_id), oid)
        if not path.is_file() or path.stat().st_size != int(body.get("size", -1)):
            raise HubError(404, f"object {oid} was not uploaded (or has the wrong size)")
        return {}

    def commit(self, repo_id: str, revision: str, lines: list[dict]) -> dict:
        repo = self._existing(repo_id)
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "the first NDJSON line must be the commit header")
        header = lines[0]["value"]
        adds: dict[str, bytes] = {}
        deletes: list[str] = []
        for line in lines[1:]:
            key, value = line.get("key"), line.get("value", {})
            if key == "file":
                if value.get("encoding") != "base64":
                    raise HubError(400, f"unsupported encoding {value.get('encoding')!r}")
                adds[value["path"]] = base64.b64decode(value["content"])
            elif key == "lfsFile":
                if value.get("algo") != "sha256":
                    raise HubError(400, f"unsupported LFS algorithm {value.get('algo')!r}")
                obj = self._object_path(repo, value["oid"])
                if not obj.is_file():
                    raise HubError(422, f"LFS object {value['oid']} for {value['path']} was never uploaded")
                adds[value["path"]] = lfs_pointer(value["oid"], obj.stat().st_size)
            elif key in ("deletedFile", "deletedFolder"):
                deletes.append(value["path"])
            else:
                raise HubError(400, f"unsupported commit operation {key!r}")
        with self._lock:
            parent = header.get("parentCommit")
            if parent and parent != self._head(repo, revision):
                raise HubError(412, f"parentCommit {parent} is not the head of {revision}")
            sha = self._commit(repo, revision, header.get("summary") or "upload", adds, deletes,
                               description=header.get("description") or "")
        self.commit_payloads.append(lines)
        return {"commitUrl": f"{self.endpoint}/{repo_id}/commit/{sha}", "commitOid": sha, "success": True}

    def _commit(self, repo: Path, branch: str, summary: str, adds: dict[str, bytes], deletes: list[str],
                description: str = "") -> str:
        parent = self._head(repo, branch)
        if parent is None and branch != "main":
            raise HubError(404, f"Revision not found: {branch}")
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if parent:
                _git(repo, "read-tree", parent, env=env)
            for path in deletes:
                _git(repo, "rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", path, env=env)
            for path, data in adds.items():
                blob = _git(repo, "hash-object", "-w", "--stdin", stdin=data)
                _git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = _git(repo, "write-tree", env=env)
        message = summary + (f"\n\n{description}" if description else "")
        sha = _git(repo, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message)
        _git(repo, "update-ref", f"refs/heads/{branch}", sha, parent or "0" * 40)
        return sha


def validate_card(body: dict) -> tuple[int, dict]:
    content = body.get("content", "")
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n", content, re.S)
    if not match:
        return 200, {"errors": [], "warnings": [{"message": "empty or missing yaml metadata in repo card"}]}
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as e:
        return 400, {"errors": [{"message": f"Invalid YAML metadata: {e}"}], "warnings": []}
    if not isinstance(meta, dict):
        return 400, {"errors": [{"message": "YAML metadata must be a mapping"}], "warnings": []}
    # Two of the Hub's schema checks, enough to refuse a card the way the Hub does.
    errors = []
    if "license" in meta and meta["license"] not in KNOWN_LICENSES:
        errors.append({"message": f'"license" must be one of the Hub\'s license ids, got {meta["license"]!r}'})
    for key in ("tags", "datasets"):
        if key in meta and not isinstance(meta[key], list):
            errors.append({"message": f'"{key}" must be an array'})
    if errors:
        return 400, {"errors": errors, "warnings": []}
    return 200, {"errors": [], "warnings": []}


def _handler(hub: UploadHub) -> type[BaseHTTPRequestHandler]:
    routes = [
        ("POST", r"/api/repos/create", "create"),
        ("POST", rf"/api/models/{REPO}/branch/(?P<rev>[^/]+)", "branch"),
        ("POST", r"/api/validate-yaml", "validate"),
        ("POST", rf"/api/models/{REPO}/preupload/(?P<rev>[^/]+)", "preupload"),
        ("POST", rf"/{REPO}\.git/info/lfs/objects/batch", "batch"),
        ("PUT", rf"/lfs-objects/{REPO}/(?P<oid>[^/]+)", "put"),
        ("POST", rf"/lfs-verify/{REPO}/(?P<oid>[^/]+)", "verify"),
        ("POST", rf"/api/models/{REPO}/commit/(?P<rev>[^/]+)", "commit"),
    ]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args) -> None:  # keep pytest output clean
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, payload: dict | str) -> None:
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(payload, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            path = unquote(url.path)
            body = self._body()
            hub.requests.append((method, path))
            try:
                for m, pattern, name in routes:
                    match = re.fullmatch(pattern, path)
                    if m == method and match:
                        break
                else:
                    raise HubError(404, f"no route for {method} {path}")
                g = match.groupdict()
                if name in ("create", "branch", "commit", "preupload", "batch") and \
                        self.headers.get("Authorization") != f"Bearer {hub.token}":
                    raise HubError(401, "Invalid credentials in Authorization header")
                if name == "put":
                    hub.put_object(g["repo"], g["oid"], body, parse_qs(url.query).get("signature", [""])[0])
                    return self._send(200, {})
                if name == "commit":
                    lines = [json.loads(x) for x in body.decode().splitlines() if x.strip()]
                    return self._send(200, hub.commit(g["repo"], g["rev"], lines))
                data = json.loads(body or b"{}")
                if name == "create":
                    return self._send(*hub.create_repo(data))
                if name == "branch":
                    return self._send(*hub.create_branch(g["repo"], g["rev"], data))
                if name == "validate":
                    return self._send(*validate_card(data))
                if name == "preupload":
                    return self._send(200, hub.preupload(g["repo"], data))
                if name == "batch":
                    return self._send(200, hub.lfs_batch(g["repo"], data))
                if name == "verify":
                    return self._send(200, hub.verify_object(g["repo"], g["oid"], data))
            except HubError as e:
                self._send(e.status, {"error": str(e)})
            except Exception as e:  # a bug here must show up in the test, not hang the client
                self._send(500, {"error": f"{type(e).__name__}: {e}"})

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        def do_GET(self) -> None:
            self._dispatch("GET")

    return Handler
