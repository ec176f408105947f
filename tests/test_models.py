"""The architecture registry: output shapes, parameter counts from the layer formulas, activations."""

from __future__ import annotations

import pytest
import torch

from mnist_pad.core.models import ARCHS, ArchConfig, build, get_arch, parameter_count


def conv_params(k: int, c_in: int, c_out: int, batchnorm: bool) -> int:
    """Weights, plus a bias without batchnorm or batchnorm's scale and shift with it."""
    return k * k * c_in * c_out + (2 * c_out if batchnorm else c_out)


def fc_params(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def expected_parameters(cfg: ArchConfig) -> int:
    """The parameter count of ``cfg`` worked out from its layer sizes, independently of ConvNet."""
    total, c_in, size = 0, 1, 28
    for spec in cfg.convs:
        c_out = max(1, round(spec.channels * cfg.width))
        total += conv_params(spec.kernel, c_in, c_out, cfg.batchnorm)
        size = size + 2 * spec.padding - spec.kernel + 1
        if spec.pool:
            size //= 2
        c_in = c_out
    n = c_in if cfg.global_pool else c_in * size * size
    for h in cfg.hidden:
        h = max(1, round(h * cfg.width))
        total += fc_params(n, h)
        n = h
    return total + fc_params(n, cfg.classes)


# Hand-worked counts of the seed nets, layer by layer (28 -> conv -> pool sizes in the comments).
HAND_COUNTS = {
    # conv5x5x32 (28->24->12), conv5x5x64 (12->8->4), fc 64*4*4 -> 1024, fc 1024 -> 10
    "seed-torch": (5 * 5 * 1 * 32 + 32) + (5 * 5 * 32 * 64 + 64) + (64 * 4 * 4 * 1024 + 1024) + (1024 * 10 + 10),
    # conv3x3x32 valid (28->26->13), conv3x3x64 valid (13->11->5), dense 64*5*5 -> 10
    "seed-keras": (9 * 32 + 32) + (9 * 32 * 64 + 64) + (64 * 5 * 5 * 10 + 10),
    # conv3x3x32 valid (28->26->13), dense 32*13*13 -> 128, dense 128 -> 10
    "seed-dense128": (9 * 32 + 32) + (32 * 13 * 13 * 128 + 128) + (128 * 10 + 10),
    # conv3x3x64 same + bn (28->14), conv3x3x128 same + bn (14->7), fc 128*7*7 -> 1024, fc 1024 -> 10
    "seed-convnet": (9 * 64 + 2 * 64) + (9 * 64 * 128 + 2 * 128) + (128 * 7 * 7 * 1024 + 1024) + (1024 * 10 + 10),
    # conv5x5x6 same (28->14), conv5x5x16 valid (14->10->5), fc 400 -> 120 -> 84 -> 10
    "lenet5": (25 * 6 + 6) + (25 * 6 * 16 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10),
}

SEED_NETS = {"seed-convnet", "seed-torch", "seed-keras", "seed-dense128"}


def test_registry_has_the_seed_nets_and_ours():
    assert SEED_NETS | {"lenet5", "default", "small"} <= set(ARCHS)


@pytest.mark.parametrize("name", list(ARCHS))
def test_output_shape_and_parameter_count(name):
    model = build(name).eval()
    with torch.no_grad():
        out = model(torch.rand(3, 1, 28, 28))
    assert out.shape == (3, 10) and torch.isfinite(out).all()
    assert parameter_count(model) == expected_parameters(ARCHS[name])


@pytest.mark.parametrize("name", sorted(HAND_COUNTS))
def test_seed_net_parameter_counts_by_hand(name):
    assert parameter_count(build(name)) == HAND_COUNTS[name]


def test_small_is_under_100k_parameters():
    assert parameter_count(build("small")) < 100_000


@pytest.mark.parametrize("name", list(ARCHS))
def test_forward_with_activations_gives_one_map_per_conv(name):
    model = build(name).eval()
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        logits, maps = model.forward_with_activations(x)
        assert torch.allclose(logits, model(x), atol=1e-5)
    convs = model.conv_layers()
    assert list(maps) == list(convs) == [f"conv{i}" for i in range(1, len(ARCHS[name].convs) + 1)]
    for layer, fmap in maps.items():
        assert fmap.shape[:2] == (2, convs[layer].out_channels)


def test_config_options_change_the_net():
    base = get_arch("seed-torch")
    tanh_avg = ArchConfig.from_dict({**base.to_dict(), "activation": "tanh", "pooling": "avg", "width": 0.5})
    model = build(tanh_avg)
    assert isinstance(model.features["conv1"].act, torch.nn.Tanh)
    assert isinstance(model.features["conv1"].pool, torch.nn.AvgPool2d)
    assert model.conv_layers()["conv1"].out_channels == 16
    assert parameter_count(model) == expected_parameters(tanh_avg)


@pytest.mark.parametrize("name", list(ARCHS))
def test_config_survives_a_dict_round_trip(name):
    assert ArchConfig.from_dict(ARCHS[name].to_dict()) == ARCHS[name]


def test_unknown_architecture_names_the_known_ones():
    with pytest.raises(ValueError, match="known: default"):
        get_arch("resnet")


def test_model_normalises_its_own_input():
    """The statistics are buffers of the model: feeding raw 0..1 images equals feeding pre-normalised
    images to the same weights with an identity normalisation."""
    model = build("fast", normalize=(0.5, 0.25)).eval()
    identity = build("fast", normalize=(0.0, 1.0)).eval()
    weights = {k: v for k, v in model.state_dict().items() if not k.startswith("input_")}
    identity.load_state_dict(weights, strict=False)
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(model(x), identity((x - 0.5) / 0.25), atol=1e-5)
        assert not torch.allclose(model(x), identity(x), atol=1e-3)


@pytest.mark.parametrize("name", ["default", "fast", "seed-convnet", "lenet5"])
def test_trunk_and_head_split_the_net_anywhere_and_fused_copies_agree(name):
    model = build(name).eval()
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        whole = model(x)
        for k in range(len(model.features) + 1):
            torch.testing.assert_close(model.head(model.trunk(x, k), k), whole)
        torch.testing.assert_close(model.fused()(x), whole, atol=1e-5, rtol=1e-4)
    assert model.fused() is not model and all(not isinstance(b.norm, torch.nn.BatchNorm2d) for b in model.fused().features.values())
