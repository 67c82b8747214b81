"""Training NB201 architectures for real: recipe, data, trainer, result cache and evaluators."""

from nas_gym.training.cache import ResultCache, result_key
from nas_gym.training.config import TrainConfig
from nas_gym.training.data import ImageSplits, cifar10_splits
from nas_gym.training.evaluators import Evaluator, LocalEvaluator, RayEvaluator, TrainJob
from nas_gym.training.trainer import Trainer, TrainResult

__all__ = [
    "Evaluator",
    "ImageSplits",
    "LocalEvaluator",
    "RayEvaluator",
    "ResultCache",
    "TrainConfig",
    "TrainJob",
    "TrainResult",
    "Trainer",
    "cifar10_splits",
    "result_key",
]
