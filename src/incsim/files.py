"""Results folders on disk: atomic files, staged folders, sealed manifests and their verification.

Every command that writes a folder (run, sweep, replay, drill, calibrate, review) writes it the
same way: each file into a staging folder (``.incsim-*`` inside the target) under a temporary
name, then the whole set moved into place as one change, its sealed ``run.json`` last; and every
reader checks that manifest before it trusts a byte. A failure or a stop at any moment leaves
either the earlier folder or the new one, never half of each.

This module knows nothing of incsim's models: it moves bytes and hashes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from importlib import metadata
from pathlib import Path


class OutputError(Exception):
    """A results folder that cannot be used or a results file that is damaged; one line naming it."""


STAGING_PREFIX = ".incsim-"
"""Staging folders (``.incsim-*``) hold files while they are written; one left behind by a killed
command is not part of any results and is removed by the next command writing into that folder."""

MANIFEST = "run.json"
"""The manifest every results folder carries."""

MANIFEST_NAMES = (MANIFEST, "sweep.json", "manifest.json")
"""The files that list a folder's outputs, in the order ``check_seal`` looks for them."""

SEAL_KEY = "self_sha256"


def atomic_write(path: Path, data: str | bytes, make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: all or nothing."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the name points at them
        os.chmod(tmp, 0o666 & ~UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_umask() -> int:
    """The process umask: from ``/proc`` where the kernel shows it, else by setting and restoring it.

    Read once, when this module is imported: setting the umask to learn it changes process-wide
    state, and another thread creating a file meanwhile would get mode 0o666 or 0o777.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _read_umask()
"""The umask files are written with (a temporary file from ``mkstemp`` starts at 0o600)."""


# -- the target folder ------------------------------------------------------------------------


def _stale_staging(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.is_dir() and p.name.startswith(STAGING_PREFIX)]


def check_dir(out: Path, force: bool, allowed: Iterable[str] = ()) -> None:
    """Refuse an ``out`` that cannot receive results (a file, or a non-empty folder without
    ``force``; files named in ``allowed`` do not count), without creating anything: a command
    stopped before it writes leaves no folder."""
    allowed = set(allowed)
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder")
        if out.is_dir() and not force:
            stale = set(_stale_staging(out))
            if any(p not in stale and p.name not in allowed for p in out.iterdir()):
                raise OutputError(
                    f"{out}: folder is not empty (earlier results?); choose another -o or pass --force"
                )
        parent = next((p for p in [out, *out.parents] if p.exists()), None)
        if parent is not None and not (parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)):
            raise OutputError(f"{out}: cannot create the results folder: {parent} is not a writable folder")
    except OSError as exc:
        raise OutputError(f"{out}: cannot use the results folder: {exc.strerror or exc}") from None


def prepare_dir(out: Path, force: bool, allowed: Iterable[str] = ()) -> None:
    """Make sure ``out`` can receive results: new or empty (but for ``allowed`` files), or
    ``force`` given; create it and remove staging folders a killed command left behind."""
    check_dir(out, force, allowed)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for stale in _stale_staging(out):
            shutil.rmtree(stale, ignore_errors=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the results folder: {exc.strerror or exc}") from None


# -- manifests: every file with its size and sha256 ----------------------------------------------


def sha256_bytes(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def file_entry(rel: str, data: bytes) -> dict:
    """A manifest entry: the path relative to the folder, the size in bytes and the sha256."""
    return {"path": rel, "size": len(data), "sha256": sha256_bytes(data)}


def _canonical(record: dict) -> bytes:
    body = {k: v for k, v in record.items() if k != SEAL_KEY}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode(
        "utf-8"
    )


def sealed_json(record: dict) -> str:
    """``record`` as indented JSON with ``self_sha256``: a hash of its own content, so a damaged
    or edited JSON file is recognised even when it still parses."""
    body = {k: v for k, v in record.items() if k != SEAL_KEY}
    return json.dumps({**body, SEAL_KEY: sha256_bytes(_canonical(body))}, indent=2, default=str) + "\n"


def _read_bytes(path: Path, what: str) -> bytes:
    """The bytes of ``path``; ``OutputError`` in one line when it is missing (``what`` it is) or unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise OutputError(f"{path}: missing ({what})") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_sealed_json(path: Path, what: str = "file") -> dict:
    """The record in a sealed JSON file; ``OutputError`` naming the file if it is damaged."""
    data = _read_bytes(path, what)
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise OutputError(f"{path}: damaged ({what} is not valid JSON; cut short or overwritten?)") from None
    if not isinstance(record, dict):
        raise OutputError(f"{path}: damaged ({what} is not a JSON object)")
    if SEAL_KEY not in record:
        raise OutputError(
            f"{path}: has no {SEAL_KEY}: written by an older incsim or by hand; "
            "rerun the command that wrote it"
        )
    if record[SEAL_KEY] != sha256_bytes(_canonical(record)):
        raise OutputError(f"{path}: damaged ({what} does not match its {SEAL_KEY})")
    return record


def manifest_text(record: dict, entries: Iterable[dict]) -> str:
    """A manifest as sealed JSON: ``record`` plus ``files``, its ``file_entry`` rows sorted by path.

    The one shape of every folder's ``run.json`` (and a sweep's ``sweep.json``): ``write_manifest``
    reads the files back from disk, ``publish`` takes the bytes it is about to move into place."""
    return sealed_json({**record, "files": sorted(entries, key=lambda e: e["path"])})


def write_manifest(
    folder: Path, files: Iterable[Path | str], name: str = "manifest.json", record: dict | None = None
) -> Path:
    """Write ``folder/name`` (sealed JSON): ``record`` plus ``files``, each written file with its
    size and sha256, read back from disk."""
    folder = Path(folder)
    entries = []
    for f in files:
        p = Path(f)
        p = p if p.is_absolute() else folder / p
        entries.append(file_entry(p.relative_to(folder).as_posix(), p.read_bytes()))
    path = folder / name
    atomic_write(path, manifest_text(record or {}, entries))
    return path


def find_manifest(folder: Path) -> Path | None:
    """The manifest of ``folder`` (run.json, sweep.json or manifest.json), if it has one."""
    return next((folder / n for n in MANIFEST_NAMES if (folder / n).is_file()), None)


def check_not_half_replaced(folder: Path, manifests: Iterable[str] = MANIFEST_NAMES) -> None:
    """Refuse a folder without its manifest whose earlier manifest sits in a staging folder: a
    write was killed while it moved files (SIGKILL cannot be held back), leaving a mix."""
    manifests = tuple(manifests)
    if folder.is_dir() and any((stale / n).is_file() for stale in _stale_staging(folder) for n in manifests):
        raise OutputError(
            f"{folder}: half replaced by an interrupted write (its earlier manifest is in a "
            f"{STAGING_PREFIX}* folder); rerun the command that wrote it, with --force"
        )


def check_seal(folder: Path | str, name: str | None = None) -> dict:
    """Check every file the folder's manifest lists (present, same size, same sha256) and that no
    unlisted file sits in a folder the manifest owns (``events/``, ``points/``: a mixed folder).
    Returns the manifest; raises ``OutputError`` naming the first bad file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder")
    path = folder / name if name else find_manifest(folder)
    if path is None or not path.is_file():
        check_not_half_replaced(folder, (name,) if name else MANIFEST_NAMES)
    if path is None:
        raise OutputError(f"{folder}: not an incsim results folder (no {' or '.join(MANIFEST_NAMES)})")
    record = read_sealed_json(path, "the manifest")
    entries = record.get("files")
    if not isinstance(entries, list):
        raise OutputError(
            f"{path}: lists no files (written by an older incsim, or not finished); "
            "rerun the command that wrote it"
        )
    listed: set[str] = set()
    for e in entries:
        if (
            not (
                isinstance(e, dict)
                and isinstance(e.get("path"), str)
                and isinstance(e.get("size"), int)
                and isinstance(e.get("sha256"), str)
            )
            or ".." in Path(e["path"]).parts
            or Path(e["path"]).is_absolute()
        ):
            raise OutputError(f"{path}: damaged (a malformed entry in 'files')")
        listed.add(e["path"])
        f = folder / e["path"]
        data = _read_bytes(f, f"listed in {path.name}")
        if len(data) != e["size"]:
            raise OutputError(
                f"{f}: damaged ({len(data):,} bytes, {path.name} says {e['size']:,}; cut short?)"
            )
        if sha256_bytes(data) != e["sha256"]:
            raise OutputError(f"{f}: damaged or from another run (its sha256 differs from {path.name})")
    owned = {Path(p).parent for p in listed} - {Path(".")}
    for sub in sorted(owned):
        for f in sorted((folder / sub).iterdir()):
            rel = f.relative_to(folder).as_posix()
            if f.is_file() and not f.name.startswith(".") and rel not in listed:
                raise OutputError(
                    f"{f}: not written by this run (a mixed folder; {path.name} does not list it)"
                )
    return record


# -- publishing a staged folder ----------------------------------------------------------------


verify_manifest = check_seal  # the old name, kept for a release


def _listed(out: Path) -> list[str]:
    """The files an earlier manifest in ``out`` lists (none when it is absent or unreadable)."""
    found = []
    for name in MANIFEST_NAMES:
        try:
            record = json.loads((out / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        entries = record.get("files") if isinstance(record, dict) else None
        if isinstance(entries, list):
            found += [
                e["path"]
                for e in entries
                if isinstance(e, dict)
                and isinstance(e.get("path"), str)
                and ".." not in Path(e["path"]).parts
                and not Path(e["path"]).is_absolute()
            ]
        elif isinstance(entries, dict):  # an older calibrate's manifest.json: name -> size and hash
            found += [k for k in entries if isinstance(k, str) and ".." not in Path(k).parts]
    return found


def _old_files(out: Path, new: Sequence[str], stale: Sequence[str], keep: Collection[str] = ()) -> list[str]:
    """What of ``out`` the new folder replaces: its manifests first, then the files they list, the
    new names that exist already and the earlier files matching a ``stale`` pattern (but for the
    files in ``keep``, which stay where they are)."""
    names = [n for n in MANIFEST_NAMES if (out / n).is_file()]
    names += _listed(out) + list(new)
    for pattern in stale:
        names += sorted(p.relative_to(out).as_posix() for p in out.glob(pattern))
    seen: dict[str, None] = {}
    for n in names:
        if n not in seen and n not in keep and (out / n).is_file() and not (out / n).is_symlink():
            seen[n] = None
    return list(seen)


def publish(
    out: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    stale: Sequence[str] = (),
    keep: Collection[str] = (),
    hold: Callable[[], AbstractContextManager] = contextlib.nullcontext,
) -> list[Path]:
    """Write ``files`` (path relative to ``out``, bytes; the manifest last) into ``out`` as one change.

    Every file is first written to a staging folder (``.incsim-*``) inside ``out``. Then, inside
    ``hold()`` (which may hold stop signals back), the earlier folder's manifest, the files it
    lists (but for those in ``keep``), the files the new ones replace and those matching a
    ``stale`` glob are moved aside, and the new files moved in, the manifest last. A failure at any point puts the earlier files
    back: ``out`` holds either the earlier results or the new ones, never a mix. Returns the
    paths written.
    """
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    aside = None
    done = False
    try:
        for rel, data in files:
            atomic_write(staging / rel, data, make_parents=True)
        for rel, _ in files:  # every folder first, so a failure here changes nothing
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
        aside = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + "old-", dir=out))
        try:
            with hold():
                _swap(out, staging, aside, [rel for rel, _ in files], stale, keep)
                done = True
        except BaseException as exc:
            if done:
                exc.published = out  # type: ignore[attr-defined]  # honoured only once all was moved
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if aside is not None and (done or not any(aside.rglob("*"))):
            shutil.rmtree(aside, ignore_errors=True)
    return [out / rel for rel, _ in files]


def _swap(
    out: Path, staging: Path, aside: Path, new: list[str], stale: Sequence[str], keep: Collection[str]
) -> None:
    moved: list[str] = []
    placed: list[str] = []
    try:
        for rel in _old_files(out, new, stale, keep):
            (aside / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(out / rel, aside / rel)
            moved.append(rel)
        for rel in new:
            os.replace(staging / rel, out / rel)
            placed.append(rel)
    except BaseException:
        for rel in reversed(placed):
            with contextlib.suppress(OSError):
                (out / rel).unlink()
        for rel in reversed(moved):
            with contextlib.suppress(OSError):
                os.replace(aside / rel, out / rel)
        raise


def write_folder(
    out: Path,
    files: Sequence[tuple[str, bytes]],
    record: dict,
    *,
    force: bool = False,
    allowed: Iterable[str] = (),
    stale: Sequence[str] = (),
    hold: Callable[[], AbstractContextManager] = contextlib.nullcontext,
) -> list[Path]:
    """Write ``files`` and a sealed ``run.json`` (``record`` plus every file's size and sha256)
    into ``out`` through ``publish``: new, empty (but for ``allowed`` files) or ``force``.

    A folder this call created is removed again on failure; one that existed keeps its content.
    """
    created = not out.exists()
    prepare_dir(out, force, allowed)
    entries = [file_entry(rel, data) for rel, data in files]
    whole = [*files, (MANIFEST, manifest_text(record, entries).encode("utf-8"))]
    try:
        return publish(out, whole, stale=stale, hold=hold)
    except OSError as exc:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise OutputError(
            f"{out}: cannot write results: {exc.strerror or exc} "
            f"({getattr(exc, 'filename', '') or out}); nothing was changed"
        ) from None
    except BaseException as exc:
        if created and getattr(exc, "published", None) is None:
            shutil.rmtree(out, ignore_errors=True)
        raise


def add_to_folder(
    out: Path,
    files: Sequence[tuple[str, bytes]],
    hold: Callable[[], AbstractContextManager] = contextlib.nullcontext,
) -> list[Path]:
    """Add ``files`` to the sealed folder ``out`` (checked first): they and a ``run.json`` that
    lists them beside the folder's own files are published as one change; the rest stays."""
    record = check_seal(out, MANIFEST)
    names = {rel for rel, _ in files}
    kept = [e for e in record["files"] if e["path"] not in names]
    body = {k: v for k, v in record.items() if k not in ("files", SEAL_KEY)}
    text = manifest_text(body, [*kept, *(file_entry(rel, data) for rel, data in files)])
    try:
        return publish(
            out, [*files, (MANIFEST, text.encode("utf-8"))], keep={e["path"] for e in kept}, hold=hold
        )
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write results: {exc.strerror or exc} "
            f"({getattr(exc, 'filename', '') or out}); nothing was changed"
        ) from None


PACKAGES = ("incsim", "simpy", "numpy", "pandas", "scipy", "pydantic", "ruamel.yaml", "typer")
"""The packages whose versions every sealed ``run.json`` records."""


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of the packages results depend on."""
    return {"python": platform.python_version(), **{n: _version(n) for n in names}}


@functools.cache
def _version(name: str) -> str:
    # read once per process: a sweep writes a manifest per point, and each reading parses the
    # package's metadata file (0.4 s of the serial work of a 13-point sweep when read every time)
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


__all__ = [
    "MANIFEST",
    "MANIFEST_NAMES",
    "PACKAGES",
    "SEAL_KEY",
    "STAGING_PREFIX",
    "UMASK",
    "OutputError",
    "add_to_folder",
    "atomic_write",
    "check_dir",
    "check_not_half_replaced",
    "file_entry",
    "find_manifest",
    "manifest_text",
    "package_versions",
    "prepare_dir",
    "publish",
    "read_sealed_json",
    "sealed_json",
    "sha256_bytes",
    "check_seal",
    "verify_manifest",
    "write_folder",
    "write_manifest",
]
