"""The npm files the rendered pages load: require.js and the Jupyter widget manager's html-manager bundle.

No PyPI package ships the html-manager bundle, so `fetch_assets` gets the two tarballs with ``npm pack``
at pinned versions and checks them against pinned sha512 integrity values (what ``npm ci`` checks,
without installing the html-manager's 200-odd build dependencies: only its prebuilt ``dist/`` is needed).
Once unpacked in the cache they are not fetched again, so builds are offline after the first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from labkit.exceptions import SiteBuildError

STATIC = "_static"
"""Folder of the site that holds the copied npm files."""


@dataclass(frozen=True)
class Asset:
    """An npm package whose files the pages load, pinned by version and by the registry's sha512 integrity."""

    package: str
    version: str
    integrity: str
    """npm's ``dist.integrity`` of the tarball (``sha512-<base64>``)."""
    files: tuple[str, ...]
    """Patterns (inside the package folder) of the files the pages need."""
    folder: str
    """Where under ``_static/`` the files go."""
    entry: str
    """The file a page loads, relative to ``folder``."""


HTML_MANAGER = Asset(
    "@jupyter-widgets/html-manager",
    "1.0.15",  # the release paired with ipywidgets 8.1 (widget protocol 2)
    "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
    (
        "package.json",
        "dist/embed-amd.js",
        "dist/*.woff2",
        "dist/*.woff",
        "dist/*.ttf",
        "dist/*.eot",
        "dist/*.svg",
    ),
    "html-manager",
    "dist/embed-amd.js",
)
REQUIREJS = Asset(
    "requirejs",
    "2.3.8",
    "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
    ("package.json", "require.js"),
    "requirejs",
    "require.js",
)
ASSETS = (HTML_MANAGER, REQUIREJS)

# --- assets -------------------------------------------------------------------------------------------


def _asset_dir(cache: Path, asset: Asset) -> Path:
    return cache / f"{asset.package.replace('@', '').replace('/', '-')}-{asset.version}"


def check_integrity(tarball: bytes, asset: Asset) -> None:
    """Raise `SiteBuildError` unless ``tarball`` is exactly the pinned release of ``asset``."""
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if digest != asset.integrity:
        raise SiteBuildError(
            f"{asset.package}@{asset.version}: the downloaded tarball has integrity {digest}, "
            f"expected {asset.integrity}; refusing to use it"
        )


def missing_assets(cache: Path, assets: Iterable[Asset] = ASSETS) -> list[Asset]:
    """The assets not yet unpacked in ``cache`` at their pinned integrity."""
    stamps = [(asset, _asset_dir(cache, asset) / ".integrity") for asset in assets]
    return [asset for asset, stamp in stamps if not stamp.is_file() or stamp.read_text() != asset.integrity]


def fetch_assets(cache: Path, assets: Iterable[Asset] = ASSETS) -> Path:
    """Make sure ``cache`` holds every pinned asset (fetching missing ones with ``npm pack``); returns it.

    An asset already unpacked (its integrity recorded beside it) is not fetched again, so this is quick
    and offline after the first time.
    """
    for asset in missing_assets(cache, assets):
        target = _asset_dir(cache, asset)
        with tempfile.TemporaryDirectory(prefix="labkit-npm-") as tmp:
            tarball = _npm_pack(asset, Path(tmp))
            check_integrity(tarball.read_bytes(), asset)
            shutil.rmtree(target, ignore_errors=True)
            with tarfile.open(tarball) as archive:
                archive.extractall(target, filter="data")
        (target / ".integrity").write_text(asset.integrity)
    return cache


def _npm_pack(asset: Asset, into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SiteBuildError(
            "npm is needed once to fetch the widget manager and require.js for the site "
            "(apt-get install -y npm, or install Node.js)"
        )
    spec = f"{asset.package}@{asset.version}"
    command = [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(into)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SiteBuildError(f"npm pack {spec} failed:\n{done.stderr.strip()}")
    filename: str = json.loads(done.stdout)[0]["filename"]
    return into / filename


def _asset_files(cache: Path, asset: Asset) -> list[Path]:
    package = _asset_dir(cache, asset) / "package"
    if not package.is_dir():
        raise SiteBuildError(
            f"{asset.package}@{asset.version} is not in {cache}: run `python -m labkit.lab.site assets` "
            "(make docs and make test do it)"
        )
    files = [p for p in sorted(package.rglob("*")) if p.is_file()]
    return [p for p in files if any(fnmatch(p.relative_to(package).as_posix(), f) for f in asset.files)]


def copy_assets(cache: Path, site: Path) -> None:
    """Copy every pinned asset's files from ``cache`` into ``site``/_static."""
    for asset in ASSETS:
        package = _asset_dir(cache, asset) / "package"
        for file in _asset_files(cache, asset):
            copy = site / STATIC / asset.folder / file.relative_to(package)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, copy)
