"""The shared generator: manual_seed makes rng-free code reproducible, an explicit rng always wins."""

import random

import pytest

import tinygrad_edu
from tinygrad_edu import Matrix, manual_seed, nn
from tinygrad_edu.seeding import DEFAULT_SEED, default_generator


def test_manual_seed_reseeds_the_generator_everything_without_rng_draws_from():
    def draws():
        return (nn.Linear(3, 2).state_dict(), nn.init.he_normal(2, 2).data, Matrix.randn(1, 3).data,
                nn.MLP([2, 3, 1]).state_dict(), nn.GRUCell(1, 2).state_dict())

    assert manual_seed(5) is default_generator()
    first = draws()
    manual_seed(5)
    assert draws() == first
    manual_seed(6)
    assert draws() != first


def test_an_explicit_rng_wins_and_leaves_the_shared_generator_alone():
    manual_seed(1)
    state = default_generator().getstate()
    layer = nn.Linear(3, 2, rng=random.Random(1))
    assert default_generator().getstate() == state
    assert layer.weight.data == nn.Linear(3, 2).weight.data  # the same seed: the same draws


def test_the_shared_generator_starts_from_a_fixed_seed_like_pytorchs():
    assert tinygrad_edu.seeding.DEFAULT_SEED == DEFAULT_SEED == 0
    manual_seed(DEFAULT_SEED)
    assert default_generator().random() == random.Random(DEFAULT_SEED).random()


def test_fit_shuffles_with_the_shared_generator_when_no_rng_is_given():
    def run():
        model = nn.Linear(1, 1, init="zeros")
        history = nn.fit(model, [[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.0]], nn.mse,
                         nn.SGD(model.parameters(), lr=0.05), epochs=3, batch_size=1)
        return history.loss

    manual_seed(2)
    first = run()
    manual_seed(2)
    assert run() == first


@pytest.mark.parametrize("seed", [1.5, "1", None, True])
def test_manual_seed_takes_an_int_only(seed):
    state = default_generator().getstate()
    with pytest.raises(TypeError, match="manual_seed: the seed must be an int"):
        manual_seed(seed)
    assert default_generator().getstate() == state
