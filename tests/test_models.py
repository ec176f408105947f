"""The architecture registry: output shapes, parameter counts from the layer formulas, activations."""

from __future__ import annotations

import pytest
import torch

from mnist_pad.core.models import ARCHS, ArchConfig, build, get_arch, init_weights, parameter_count, with_overrides


def conv_params(k: int, c_in: int, c_out: int, batchnorm: bool, bias: bool) -> int:
    """Weights, a bias, and batchnorm's scale and shift."""
    return k * k * c_in * c_out + (c_out if bias else 0) + (2 * c_out if batchnorm else 0)


def fc_params(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def expected_parameters(cfg: ArchConfig) -> int:
    """The parameter count of ``cfg`` worked out from its layer sizes, independently of ConvNet."""
    total, c_in, size = 0, cfg.in_channels, cfg.in_size
    bias = cfg.conv_bias and not (cfg.batchnorm and not cfg.bn_after_pool)  # batchnorm right after: no bias
    for spec in cfg.convs:
        c_out = max(1, round(spec.channels * cfg.width))
        total += conv_params(spec.kernel, c_in, c_out, cfg.batchnorm, bias)
        size = (size + 2 * spec.padding - spec.kernel) // spec.stride + 1
        if spec.pool:
            size //= 2
        c_in = c_out
    n = c_in if cfg.global_pool else c_in * size * size
    for h in cfg.hidden:
        h = max(1, round(h * cfg.width))
        total += fc_params(n, h) + (2 * h if cfg.hidden_batchnorm else 0)
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
    # article 000's code: conv3x3x64 same with bias (28->14), conv3x3x128 same with bias (14->7),
    # fc 128*7*7 -> 1024, fc 1024 -> 10
    "seed-convnet": (9 * 64 + 64) + (9 * 64 * 128 + 128) + (128 * 7 * 7 * 1024 + 1024) + (1024 * 10 + 10),
    # article 000's design: the same, with a batchnorm (scale and shift) after each pool and after fc1
    "seed-convnet-bn": (9 * 64 + 64 + 2 * 64) + (9 * 64 * 128 + 128 + 2 * 128) + (128 * 7 * 7 * 1024 + 1024 + 2 * 1024)
    + (1024 * 10 + 10),
    # conv5x5x6 same (28->14), conv5x5x16 valid (14->10->5), fc 400 -> 120 -> 84 -> 10
    "lenet5": (25 * 6 + 6) + (25 * 6 * 16 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10),
}

SEED_NETS = {"seed-convnet", "seed-convnet-bn", "seed-torch", "seed-keras", "seed-dense128"}


def test_registry_has_the_seed_nets_and_ours():
    assert SEED_NETS | {"lenet5", "default", "small"} <= set(ARCHS)


@pytest.mark.parametrize("name", list(ARCHS))
def test_output_shape_and_parameter_count(name):
    model = build(name).eval()
    with torch.no_grad():
        out = model(torch.rand(3, *ARCHS[name].input_shape))
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
    x = torch.rand(2, *ARCHS[name].input_shape)
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


def _layers(module: torch.nn.Module) -> list[str]:
    return [type(m).__name__ for m in module.children()]


def test_seed_convnet_code_and_design_versions_layer_for_layer():
    """Article 000's code: no batchnorm, conv biases, one dropout (after fc1); its design: batchnorm after each
    pooling and after fc1, conv biases kept."""
    code, design = build("seed-convnet"), build("seed-convnet-bn")
    assert _layers(code.features["conv1"]) == ["Conv2d", "Identity", "ReLU", "MaxPool2d", "Identity"]
    assert _layers(code.classifier) == ["Linear", "ReLU", "Dropout", "Linear"]
    assert _layers(design.features["conv2"]) == ["Conv2d", "Identity", "ReLU", "MaxPool2d", "BatchNorm2d"]
    assert _layers(design.classifier) == ["Linear", "ReLU", "BatchNorm1d", "Dropout", "Linear"]
    for net in (code, design):
        assert all(c.bias is not None and c.padding == (1, 1) for c in net.conv_layers().values())
        assert [m.p for m in net.classifier if isinstance(m, torch.nn.Dropout)] == [0.5]


def test_descriptions_older_than_conv_bias_build_the_net_they_were_trained_as():
    """seed-convnet before issue 15 (batchnorm after pooling, no conv bias, dropout before fc1 too): its
    checkpoints' descriptions still build that net."""
    old = {k: v for k, v in get_arch("seed-convnet-bn").to_dict().items()
           if k not in ("conv_bias", "hidden_batchnorm", "dropout_features")}
    model = build(ArchConfig.from_dict(old))
    assert all(c.bias is None for c in model.conv_layers().values())
    assert _layers(model.classifier) == ["Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert parameter_count(model) == (
        (9 * 64 + 2 * 64) + (9 * 64 * 128 + 2 * 128) + (128 * 7 * 7 * 1024 + 1024) + (1024 * 10 + 10))
    plain = {k: v for k, v in get_arch("seed-torch").to_dict().items() if k != "conv_bias"}
    assert ArchConfig.from_dict(plain) == get_arch("seed-torch")  # without batchnorm, convs had biases


def test_stride_override_changes_the_feature_maps():
    base = get_arch("seed-keras")
    strided = with_overrides(base, stride=(2,))
    assert [c.stride for c in strided.convs] == [2, 2] and strided.convs[0].channels == base.convs[0].channels
    model = build(strided).eval()
    with torch.no_grad():
        _, maps = model.forward_with_activations(torch.rand(2, 1, 28, 28))
    # (28 - 3) // 2 + 1 = 13, pooled 6; (6 - 3) // 2 + 1 = 2
    assert maps["conv1"].shape[-1] == 13 and maps["conv2"].shape[-1] == 2
    assert parameter_count(model) == expected_parameters(strided) < parameter_count(build(base))
    assert [c.stride for c in with_overrides(base, stride=(1, 2)).convs] == [1, 2]
    with pytest.raises(ValueError, match="conv4: its 1x1 input leaves 0x0"):
        with_overrides(get_arch("default"), stride=(2,))
    with pytest.raises(ValueError, match="one for all or one per layer"):
        with_overrides(base, stride=(1, 2, 1))


def test_dropout_and_batchnorm_overrides():
    on = build(with_overrides(get_arch("seed-torch"), batchnorm=True, dropout=0.3))
    assert isinstance(on.features["conv1"].norm, torch.nn.BatchNorm2d)
    assert on.features["conv1"].conv.bias is None
    assert [m.p for m in on.classifier if isinstance(m, torch.nn.Dropout)] == [0.3, 0.3]
    off = build(with_overrides(get_arch("seed-convnet-bn"), batchnorm=False))
    assert not any(isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)) for m in off.modules())
    assert _layers(build(with_overrides(get_arch("default"), dropout=0.2)).classifier) == ["Dropout", "Linear"]


def test_glorot_initialisation_is_keras_default():
    """glorot-uniform: weights within +-sqrt(6 / (fan_in + fan_out)), biases 0; "torch" leaves them as built."""
    torch.manual_seed(0)
    model = init_weights(build("seed-keras"), "glorot")
    conv = model.conv_layers()["conv2"]
    bound = (6 / (9 * 32 + 9 * 64)) ** 0.5
    assert conv.weight.abs().max() <= bound and conv.weight.abs().max() > 0.9 * bound
    assert all(m.bias.abs().sum() == 0 for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))
    torch.manual_seed(0)
    plain = build("seed-keras")
    before = {k: v.clone() for k, v in plain.state_dict().items()}
    init_weights(plain, "torch")
    assert all(torch.equal(before[k], v) for k, v in plain.state_dict().items())
    assert plain.classifier[-1].bias.abs().sum() > 0
    with pytest.raises(ValueError, match="unknown initialisation"):
        init_weights(plain, "he")
