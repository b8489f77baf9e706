"""A student's dilations (how far its blocks hear) from the command line through the
exported file and back, and a fine-tune that would silently change them refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tutor.scoring.features import FeatureConfig
from tutor.train.distil_whisper_args import build_parser
from tutor.train.export import export_acoustic
from tutor.train.models import ConvNetConfig, ConvPhoneNet, parse_dilations, receptive_field
from tutor.train.onnx_student import start_weights, student_from_onnx

REQUIRED = ["--data", "d", "--teacher", "t", "--models", "m", "--out", "o"]


def test_dilations_parse_from_the_command_line() -> None:
    assert parse_dilations("1,2,4") == (1, 2, 4)
    args = build_parser().parse_args([*REQUIRED, "--dilations", "1,3,9"])
    assert args.dilations == (1, 3, 9)
    assert build_parser().parse_args(REQUIRED).dilations == ConvNetConfig().dilations


@pytest.mark.parametrize("bad", ["", "1,,2", "0,1", "a", "1,-2"])
def test_bad_dilations_are_refused_with_a_message(bad: str, capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*REQUIRED, "--dilations", bad])
    assert "dilation" in capsys.readouterr().err


def test_the_receptive_field_counts_every_block() -> None:
    assert receptive_field(ConvNetConfig(blocks=8)) == 1 + 4 * 15  # 1,2,3,1,2,3,1,2
    assert receptive_field(ConvNetConfig(blocks=12)) == 1 + 4 * 24
    assert receptive_field(ConvNetConfig(blocks=12, dilations=(1, 2, 4))) == 1 + 4 * 28


def _export(config: ConvNetConfig, path: Path) -> Path:
    settings = json.dumps({"student": config.to_dict()})
    return export_acoustic(
        ConvPhoneNet(config).eval(), path, FeatureConfig(), {"settings": settings}
    )


def test_a_wide_field_student_is_read_back_from_its_file(tmp_path: Path) -> None:
    torch.manual_seed(0)
    config = ConvNetConfig(channels=16, blocks=3, dropout=0.0, dilations=(1, 4))
    path = _export(config, tmp_path / "acoustic.onnx")
    x = torch.randn(1, 120, 40)
    net = student_from_onnx(path, [x])
    with torch.no_grad():
        again = torch.log_softmax(net(x), dim=-1)[0].numpy()
    from tutor.scoring.model import AcousticModel

    out = AcousticModel.load(path).log_posteriors(x[0].numpy())
    assert np.abs(again - out).max() < 1e-3
    # the same weights under the default dilations hear something else
    plain = ConvPhoneNet(ConvNetConfig(channels=16, blocks=3, dropout=0.0)).eval()
    plain.load_state_dict(net.state_dict())
    with torch.no_grad():
        assert not torch.allclose(torch.log_softmax(plain(x), dim=-1)[0], torch.from_numpy(out))


def test_a_checkpoint_of_other_dilations_is_refused_by_name(tmp_path: Path) -> None:
    trained = ConvNetConfig(channels=16, blocks=3, dilations=(1, 2, 4))
    _export(trained, tmp_path / "acoustic.onnx")
    torch.save({"model": ConvPhoneNet(trained).state_dict()}, tmp_path / "ckpt.pt")
    with pytest.raises(ValueError, match=r"dilations \(1, 2, 4\)"):
        start_weights(tmp_path / "ckpt.pt", ConvNetConfig(channels=16, blocks=3), [])
    same = start_weights(tmp_path / "ckpt.pt", trained, [])
    assert set(same) == set(ConvPhoneNet(trained).state_dict())
