"""Neural-network building blocks, named as in PyTorch so that code ports both ways.

* :mod:`~tinygrad_edu.nn.module`: ``Module`` (parameters, train/eval, JSON state dicts), ``Sequential``
* :mod:`~tinygrad_edu.nn.init`: initialisers and their variance formulas
* :mod:`~tinygrad_edu.nn.linear`: ``linear`` (``F.linear``), ``Linear``, ``MLP``
* :mod:`~tinygrad_edu.nn.activations`: identity, sigmoid, tanh, relu, leaky relu, PReLU, ELU, softplus
* the losses of :mod:`tinygrad_edu.losses` (mse, binary cross-entropy from logits, softmax cross-entropy),
  also here, as in ``torch.nn.functional``
* :mod:`~tinygrad_edu.nn.optim`: ``SGD`` (momentum, Nesterov), ``Adam``
* :mod:`~tinygrad_edu.nn.clip`: ``clip_grad_norm``, ``clip_grad_value``
* :mod:`~tinygrad_edu.nn.batchnorm`: ``BatchNorm1d`` and its closed-form backward
* :mod:`~tinygrad_edu.nn.residual`: ``Residual``
* :mod:`~tinygrad_edu.nn.recurrent`: ``RNNCell``, ``LSTMCell``, ``GRUCell``, ``unroll``
* :mod:`~tinygrad_edu.nn.torch_compat`: ``to_torch_state_dict``, ``from_torch_state_dict`` (PyTorch's names and layouts)
* :mod:`~tinygrad_edu.nn.train`: ``fit`` (history of losses and per-layer gradient norms), ``accuracy``

>>> import random
>>> from tinygrad_edu.matrix import Matrix
>>> from tinygrad_edu import nn
>>> model = nn.MLP([2, 4, 1], activation="relu", init="he_normal", rng=random.Random(0))
>>> loss = nn.mse(model(Matrix([[1.0, 2.0]])), Matrix([[0.5]]))
>>> loss.backward()
>>> [name for name, p in model.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
"""

from . import init
from .activations import (
    ELU,
    Identity,
    LeakyReLU,
    PReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
    elu,
    identity,
    leaky_relu,
    prelu,
    relu,
    sigmoid,
    softplus,
    tanh,
)
from .batchnorm import BatchNorm1d, batch_norm_backward
from .clip import clip_grad_norm, clip_grad_value, grad_norm
from .linear import MLP, Linear, linear
from ..losses import binary_cross_entropy_with_logits, cross_entropy, log_softmax, mse, softmax
from .module import Module, Sequential, StateDictError
from .optim import SGD, Adam, Optimizer
from .recurrent import GRUCell, LSTMCell, RNNCell, unroll
from .residual import Residual
from .torch_compat import from_torch_state_dict, to_torch_state_dict
from .train import History, accuracy, fit, predict, train_step

__all__ = [
    "Adam", "BatchNorm1d", "ELU", "GRUCell", "History", "Identity", "LSTMCell", "LeakyReLU", "Linear",
    "MLP", "Module", "Optimizer", "PReLU", "RNNCell", "ReLU", "Residual", "SGD", "Sequential", "Sigmoid",
    "Softplus", "StateDictError", "Tanh", "accuracy", "batch_norm_backward",
    "binary_cross_entropy_with_logits", "clip_grad_norm", "clip_grad_value", "cross_entropy", "elu", "fit",
    "from_torch_state_dict", "grad_norm", "identity", "init", "leaky_relu", "linear", "log_softmax", "mse", "predict",
    "prelu", "relu",
    "sigmoid", "softmax", "softplus", "tanh", "to_torch_state_dict", "train_step", "unroll",
]
