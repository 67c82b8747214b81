"""Training speed of NB201 cells on the present device, the CPU speed knobs, and a one-command GPU check.

Default: images/s of the full NB201 network (C=16, N=5, batch 256) and the extrapolated time of one
12-epoch architecture, then a smoke run of the given config. ``--knobs`` measures, in one run and
in alternating rounds, what ``channels_last``, ``torch.compile`` and the torch thread count change
(images/s of training steps, as a ratio to the Trainer's defaults). ``--device-check`` is the
GPU-day command (under 5 minutes on one GPU): images/s, the measured time of one epoch of the
NB201 12-epoch recipe (25,000 images), and the Spearman correlation of 20 random cells trained
with a recipe sized to the time left against NB201's 12-epoch table (``val12``). The figures go into
docs/performance.md unless ``--no-doc``.

    python bench/train_speed.py                  # speed probe + tiny smoke run
    python bench/train_speed.py --knobs          # CPU: channels_last / torch.compile / threads
    python bench/train_speed.py --device-check   # GPU: images/s, epoch time, Spearman of 20 cells
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np
import torch
from perf_doc import Figure, record

from nas_gym.spaces.nb201 import NB201SearchSpace, string_to_codes
from nas_gym.training import TrainConfig, Trainer, cifar10_splits

OPTIMUM = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
SEARCH_IMAGES = 25_000
CHECK_BUDGET_S, CHECK_CELLS = 300.0, 20


def images_per_second(trainer: Trainer, images: int, seed: int = 0) -> float:
    """Training images/s of the full NB201 network on ``images`` images (after a warm-up run)."""
    codes = string_to_codes(OPTIMUM)
    probe = TrainConfig(epochs=1, train_subset=images, eval_subset=256)
    warm_up = dataclasses.replace(probe, train_subset=min(256, images))  # allocator, cuDNN autotuning
    trainer.fit(trainer.build(codes, warm_up, seed), warm_up, seed)
    start = time.perf_counter()
    trainer.fit(trainer.build(codes, probe, seed), probe, seed)
    return images / (time.perf_counter() - start)


def knobs(data, images: int, rounds: int) -> list[Figure]:
    """Images/s of each CPU setting in alternating rounds, as a ratio to the defaults (1 thread is
    the reference: the setting tiny-MLP agents need, and the fairest on a shared machine)."""
    threads = sorted({1, torch.get_num_threads()})
    settings = {f"{t} thread(s)": (t, False, False) for t in threads}
    settings["channels_last, 1 thread"] = (1, True, False)
    settings["torch.compile, 1 thread"] = (1, False, True)
    rates: dict[str, list[float]] = {name: [] for name in settings}
    for _ in range(rounds):
        for name, (t, channels_last, compile_) in settings.items():
            torch.set_num_threads(t)
            try:
                rates[name].append(
                    images_per_second(Trainer(data, "cpu", channels_last=channels_last, compile=compile_), images)
                )
            except Exception as err:  # torch.compile needs a working C++ toolchain; say so and go on
                print(f"  {name}: failed ({type(err).__name__}: {str(err).splitlines()[0][:120]})")
                rates[name].append(float("nan"))
    torch.set_num_threads(threads[-1])
    reference = "1 thread(s)"
    figures = []
    for name, r in rates.items():
        ratio = statistics.median(x / y for x, y in zip(r, rates[reference], strict=True))
        print(f"  {name:28s} {statistics.median(r):8.1f} images/s  {ratio:5.2f}x the 1-thread default")
        figures.append(
            Figure(
                f"CPU training, full NB201 net, {name} vs 1 thread defaults, images/s",
                f"{statistics.median(r):.1f}",
                f"{statistics.median(rates[reference]):.1f}",
                f"{ratio:.2f}x",
            )
        )
    return figures


def device_check(trainer: Trainer, cache: str | None, seed: int) -> list[Figure]:
    """Images/s, one real epoch of the 12-epoch recipe, and 20 cells' Spearman vs ``val12``, within 5 minutes."""
    from scipy.stats import spearmanr

    from nas_gym.benchmarks.nb201 import NB201Benchmark

    start = time.perf_counter()
    rate = images_per_second(trainer, 4096 if trainer.device.type == "cuda" else 512, seed)
    print(f"images/s (full NB201 network, batch 256): {rate:,.0f}")
    epoch_images = SEARCH_IMAGES if SEARCH_IMAGES / rate < CHECK_BUDGET_S / 5 else 1024
    one_epoch = TrainConfig(epochs=1, train_subset=epoch_images)
    t = time.perf_counter()
    trainer.fit(trainer.build(string_to_codes(OPTIMUM), one_epoch, seed), one_epoch, seed)
    epoch_s = (time.perf_counter() - t) * SEARCH_IMAGES / epoch_images
    how = "measured" if epoch_images == SEARCH_IMAGES else f"extrapolated from {epoch_images} images (too slow here)"
    print(f"one epoch of the NB201 12-epoch recipe (25,000 images): {epoch_s:.1f} s ({how}); 12: {12 * epoch_s:.0f} s")

    left = CHECK_BUDGET_S - (time.perf_counter() - start)
    recipe = budget_recipe(rate, 0.8 * left / CHECK_CELLS)
    print(f"{CHECK_CELLS} random cells with {recipe.to_json()} (sized to the {left:.0f} s left)")
    table = NB201Benchmark("cifar10", cache)
    archs = NB201SearchSpace().sample(CHECK_CELLS, np.random.default_rng(seed))
    t = time.perf_counter()
    trained = np.array([trainer.train(a, recipe, seed).val_acc for a in archs])
    rho = float(spearmanr(trained, table.query(archs, "val12")).statistic)
    total = time.perf_counter() - start
    print(f"Spearman(trained val_acc, table val12) = {rho:.3f} ({time.perf_counter() - t:.0f} s); check: {total:.0f} s")
    device = torch.cuda.get_device_name(trainer.device) if trainer.device.type == "cuda" else "CPU"
    return [
        Figure(f"device check on {device}: training images/s (full NB201 net, batch 256)", f"{rate:,.0f}"),
        Figure(f"device check on {device}: one epoch of the 12-epoch recipe, s ({how})", f"{epoch_s:.1f}"),
        Figure(
            f"device check on {device}: Spearman of {CHECK_CELLS} cells ({recipe.epochs} epochs on "
            f"{recipe.train_subset or SEARCH_IMAGES} images) vs table val12",
            f"{rho:.3f}",
        ),
        Figure(f"device check on {device}: wall time, s", f"{total:.0f}", target="< 300 s on one GPU", met=total < 300),
    ]


def budget_recipe(rate: float, seconds_per_cell: float) -> TrainConfig:
    """The NB201 recipe cut to ``seconds_per_cell``: fewer training images first, then fewer epochs."""
    images = rate * seconds_per_cell * 0.8  # the rest: evaluation on the validation subset
    epochs = int(min(12, max(1, images // SEARCH_IMAGES)))
    subset = int(min(SEARCH_IMAGES, max(256, images // epochs)))
    return TrainConfig(
        epochs=epochs, train_subset=None if subset == SEARCH_IMAGES else subset, eval_subset=min(5000, 4 * subset)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=None, help="data cache with cifar10 (and nb201 for the correlation)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=int, default=1024, help="training images of the speed probe")
    parser.add_argument("--knobs", action="store_true", help="CPU: measure channels_last, torch.compile, threads")
    parser.add_argument("--rounds", type=int, default=3, help="--knobs: alternating rounds")
    parser.add_argument("--device-check", action="store_true", help="images/s, epoch time, Spearman of 20 cells")
    parser.add_argument("--epochs", type=int, default=1, help="smoke config: epochs")
    parser.add_argument("--channels", type=int, default=4, help="smoke config: C")
    parser.add_argument("--cells", type=int, default=1, help="smoke config: N")
    parser.add_argument("--train-subset", type=int, default=1024, help="smoke config (0: all 25k)")
    parser.add_argument("--eval-subset", type=int, default=1000, help="smoke config (0: all 25k)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()

    data = cifar10_splits(args.cache)
    if args.knobs:
        print(f"CPU knobs, {args.images} training images per probe, {args.rounds} alternating rounds")
        figures = knobs(data, args.images, args.rounds)
        if not args.no_doc:
            record("train_speed.py --knobs", figures)
        return
    trainer = Trainer(data, device=args.device)
    device = trainer.device
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {device} ({name}); amp={trainer.amp} channels_last={trainer.channels_last}")
    if args.device_check:
        figures = device_check(trainer, args.cache, args.seed)
        if not args.no_doc:
            record(f"train_speed.py --device-check ({device.type})", figures)
        return

    rate = images_per_second(trainer, args.images, args.seed)
    print(f"full NB201 network (C=16, N=5), batch 256: {rate:.0f} images/s ({args.images} images)")
    print(f"one 12-epoch architecture (12 x 25,000 images), extrapolated: {12 * SEARCH_IMAGES / rate / 60:.1f} min")
    config = TrainConfig(
        epochs=args.epochs,
        channels=args.channels,
        cells_per_stage=args.cells,
        train_subset=args.train_subset or None,
        eval_subset=args.eval_subset or None,
    )
    print(f"config: {config.to_json()}")
    result = trainer.train(string_to_codes(OPTIMUM), config, args.seed, evaluate_test=True)
    print(
        f"smoke run, CIFAR-10 optimum: {result.status}, val_acc {result.val_acc:.2f} %, "
        f"test_acc {result.test_acc:.2f} %, params {result.params / 1e6:.6f} M, {result.train_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
