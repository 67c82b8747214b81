"""CIFAR-10 import (a small tar built here, then the real one once), the search split and augmentation."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from nas_gym.data import cifar10
from nas_gym.data.download import download_dataset
from nas_gym.data.store import DataError, load_arrays, read_manifest
from nas_gym.training.data import PAD, augment, cifar10_splits, subset_rows

SMALL = {"train": 2, "test": 1}


def write_tar(path, per_class=SMALL, skip: str | None = None, extra: str | None = None):
    """A tar laid out like the real one: solid-colour JPEGs whose colour encodes (class, number)."""
    with tarfile.open(path, "w") as tar:

        def add(name: str, data: bytes):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        add("README.md", b"CIFAR-10 images\n")
        for part, n in per_class.items():
            for c, cls in enumerate(cifar10.CLASSES):
                for k in range(n):
                    name = f"{part}/{cls}/{k:04d}.jpg"
                    if name == skip:
                        continue
                    buf = io.BytesIO()
                    Image.new("RGB", (32, 32), (20 * c, 100 + 50 * k, 7)).save(buf, "JPEG", quality=100)
                    add(name, buf.getvalue())
        if extra:
            add(extra, b"x")


def test_decoder_reads_every_image_in_class_order(tmp_path):
    write_tar(tmp_path / "c.tar")
    arrays = cifar10.decode_tar(tmp_path / "c.tar", SMALL)
    assert arrays["train_images"].shape == (20, 32, 32, 3) and arrays["test_images"].shape == (10, 32, 32, 3)
    assert arrays["train_labels"].tolist() == [c for c in range(10) for _ in range(2)]
    # row 5 is train/bird/0001.jpg: colour (40, 150, 7), up to JPEG rounding
    assert np.abs(arrays["train_images"][5].astype(int) - (40, 150, 7)).max() <= 2


@pytest.mark.parametrize(
    ("skip", "extra", "match"),
    [("test/cat/0000.jpg", None, "test/cat/0000.jpg is missing"), (None, "train/cow/0000.jpg", "unexpected member")],
)
def test_decoder_refuses_an_incomplete_or_foreign_tar(tmp_path, skip, extra, match):
    write_tar(tmp_path / "c.tar", skip=skip, extra=extra)
    with pytest.raises(ValueError, match=match):
        cifar10.decode_tar(tmp_path / "c.tar", SMALL)


def test_search_split_halves_every_class_deterministically():
    labels = np.repeat(np.arange(10, dtype=np.uint8), 5000)
    train, valid = cifar10.search_split(labels)
    assert len(train) == len(valid) == 25_000
    assert np.intersect1d(train, valid).size == 0 and np.union1d(train, valid).size == 50_000
    assert np.bincount(labels[train]).tolist() == [2500] * 10
    assert train[:5].tolist() == [0, 1, 3, 5, 6] and valid[:5].tolist() == [2, 4, 7, 9, 10]


def test_download_names_the_recipe_because_no_url_serves_the_tar(tmp_path):
    with pytest.raises(DataError, match="git -C CIFAR-10-images archive --format=tar d7d0561"):
        download_dataset(cifar10.SPEC, tmp_path)


def test_real_cifar10_import(real_data):
    cache = real_data.require("cifar10")
    meta = read_manifest("cifar10", cache)["metadata"]
    assert meta["train"] == 50_000 and meta["test"] == 10_000
    assert meta["train_channel_mean"] == [0.4913, 0.4821, 0.4465]  # data README §12
    arrays = load_arrays("cifar10", cifar10.ARRAYS, cache)
    assert np.bincount(arrays["test_labels"]).tolist() == [1000] * 10
    splits = cifar10_splits(cache)
    assert len(splits.train_labels) == len(splits.valid_labels) == 25_000 and len(splits.test_labels) == 10_000


def test_subsets_are_fixed_and_sorted():
    rows = subset_rows(1000, 10)
    assert rows.tolist() == subset_rows(1000, 10).tolist() and np.all(np.diff(rows) > 0)
    assert subset_rows(5, None).tolist() == subset_rows(5, 99).tolist() == [0, 1, 2, 3, 4]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2 * PAD), st.integers(0, 2 * PAD), st.booleans(), st.integers(0, 2**32 - 1))
def test_augment_is_a_padded_crop_and_flip(oy, ox, flip, seed):
    images = np.random.default_rng(seed).integers(0, 256, (1, 32, 32, 3), dtype=np.uint8)
    out = augment(torch.from_numpy(images), torch.tensor([[oy, ox]]), torch.tensor([flip])).numpy()
    expected = np.pad(images, ((0, 0), (PAD, PAD), (PAD, PAD), (0, 0)))[:, oy : oy + 32, ox : ox + 32]
    if flip:
        expected = expected[:, :, ::-1]
    assert np.array_equal(out, expected)
