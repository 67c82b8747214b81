"""Training speed of NB201 cells on the present device, and (optionally) agreement with NB201's table.

Prints images/s of the full NB201 network (C=16, N=5, batch 256) and the seconds one 12-epoch
architecture takes (12 x 25,000 images; measured directly with ``--full``, else extrapolated
from ``--images`` training images), then a smoke run of the given config. With
``--correlate N`` it trains N random cells with the given config and prints the Spearman
correlation of their validation accuracy with the table's 12-epoch ``val12`` (needs the nb201
data; meaningful with the real 12-epoch recipe, i.e. on a GPU).

    python bench/train_speed.py                        # CPU: measured speed + tiny smoke run
    python bench/train_speed.py --full --correlate 20  # GPU: real 12-epoch runs vs val12
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch

from nas_gym.spaces.nb201 import NB201SearchSpace, string_to_codes
from nas_gym.training import TrainConfig, Trainer, cifar10_splits

OPTIMUM = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
SEARCH_IMAGES = 25_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=None, help="data cache with cifar10 (and nb201 for --correlate)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=int, default=1024, help="training images of the speed probe")
    parser.add_argument("--full", action="store_true", help="time one real 12-epoch run instead of extrapolating")
    parser.add_argument("--correlate", type=int, default=0, help="train N random cells and compare with val12")
    parser.add_argument("--epochs", type=int, default=1, help="smoke / correlation config: epochs")
    parser.add_argument("--channels", type=int, default=4, help="smoke / correlation config: C")
    parser.add_argument("--cells", type=int, default=1, help="smoke / correlation config: N")
    parser.add_argument("--train-subset", type=int, default=1024, help="smoke / correlation config (0: all 25k)")
    parser.add_argument("--eval-subset", type=int, default=1000, help="smoke / correlation config (0: all 25k)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = cifar10_splits(args.cache)
    trainer = Trainer(data, device=args.device)
    device = trainer.device
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {device} ({name}); amp={trainer.amp} channels_last={trainer.channels_last}")

    codes = string_to_codes(OPTIMUM)
    if args.full:
        result = trainer.train(codes, TrainConfig(), args.seed)
        print(f"full NB201 12-epoch run of the CIFAR-10 optimum: {result.train_seconds:.1f} s")
        print(f"its val_acc: {result.val_acc:.2f} %")
        print(f"images/s: {12 * SEARCH_IMAGES / result.train_seconds:.0f}")
    else:
        probe = TrainConfig(epochs=1, train_subset=args.images, eval_subset=256)
        trainer.train(codes, dataclasses.replace(probe, train_subset=256), args.seed)  # warm-up (allocator, cuDNN)
        start = time.perf_counter()
        trainer.fit(trainer.build(codes, probe, args.seed), probe, args.seed)
        seconds = time.perf_counter() - start
        rate = args.images / seconds
        print(
            f"full NB201 network (C=16, N=5), batch 256: {rate:.0f} images/s ({args.images} images in {seconds:.2f} s)"
        )
        print(f"one 12-epoch architecture (12 x 25,000 images), extrapolated: {12 * SEARCH_IMAGES / rate / 60:.1f} min")

    config = TrainConfig(
        epochs=args.epochs,
        channels=args.channels,
        cells_per_stage=args.cells,
        train_subset=args.train_subset or None,
        eval_subset=args.eval_subset or None,
    )
    print(f"config: {config.to_json()}")
    result = trainer.train(codes, config, args.seed, evaluate_test=True)
    print(
        f"smoke run, CIFAR-10 optimum: {result.status}, val_acc {result.val_acc:.2f} %, "
        f"test_acc {result.test_acc:.2f} %, params {result.params / 1e6:.6f} M, {result.train_seconds:.2f} s"
    )
    if args.correlate:
        correlate(trainer, config, args)


def correlate(trainer: Trainer, config: TrainConfig, args: argparse.Namespace) -> None:
    from scipy.stats import spearmanr

    from nas_gym.benchmarks.nb201 import NB201Benchmark

    table = NB201Benchmark("cifar10", args.cache)
    archs = NB201SearchSpace().sample(args.correlate, np.random.default_rng(args.seed))
    val12 = table.query(archs, "val12")
    start = time.perf_counter()
    trained = np.array([trainer.train(a, config, args.seed).val_acc for a in archs])
    rho = spearmanr(trained, val12).statistic
    print(
        f"{args.correlate} random cells in {time.perf_counter() - start:.1f} s: "
        f"Spearman(trained val_acc, table val12) = {rho:.3f}"
    )
    for a, mine, ref in zip(table.search_space.to_string(archs), trained, val12, strict=True):
        print(f"  {mine:6.2f} {ref:6.2f}  {a}")


if __name__ == "__main__":
    main()
