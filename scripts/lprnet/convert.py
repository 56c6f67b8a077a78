#!/usr/bin/python3
"""Converts the upstream LPRNet weights (Chinese plates) to the ONNX file PlateDesk ships.

    /usr/bin/python3 scripts/lprnet/convert.py [WEIGHTS] [OUT]

WEIGHTS defaults to ../shared/models/upstream/lprnet/Final_LPRNet_model.pth, OUT to
models/lprnet_china.onnx. Needs PyTorch and onnx (Debian: python3-torch python3-onnx). The exported
graph takes [N, 3, 24, 94] float32 BGR, (pixel - 127.5) / 128, and returns CTC logits [N, 68, 18]
(classes x time steps, blank = 67), each crop normalised on its own (see lprnet.py). After writing,
update models/manifest.json's size and sha256 (the script prints them).
"""
import hashlib
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lprnet import INPUT_H, INPUT_W, load  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main() -> None:
    weights = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "models", "upstream", "lprnet", "Final_LPRNet_model.pth")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "models", "lprnet_china.onnx")
    torch.manual_seed(0)
    net = load(weights, per_sample=True)
    dummy = torch.zeros(1, 3, INPUT_H, INPUT_W)
    torch.onnx.export(
        net,
        dummy,
        out,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=13,
        do_constant_folding=True,
    )
    model = onnx.load(out)
    onnx.checker.check_model(model)
    data = open(out, "rb").read()
    print(f"{out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
