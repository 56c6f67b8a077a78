#!/usr/bin/python3
"""The upstream model's logits for given input tensors, for the conversion test.

    /usr/bin/python3 scripts/lprnet/reference.py WEIGHTS IN.f32 OUT.f32

IN.f32 holds N crops as raw little-endian float32 [N, 3, 24, 94] (already normalised); OUT.f32 gets
the logits [N, 68, 18]. Each crop runs alone (batch size 1) through the upstream formulation: the
original nn.MaxPool3d layers on 4-D tensors and the batch-wide mean (per_sample=False), which is
exactly what upstream computes for one crop.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lprnet import INPUT_H, INPUT_W, ChannelStridedMaxPool, load  # noqa: E402


def main() -> None:
    weights, src, dst = sys.argv[1:4]
    x = np.fromfile(src, dtype="<f4").reshape(-1, 3, INPUT_H, INPUT_W)
    torch.set_num_threads(1)
    # denormals in the intermediate maps make the CPU kernels ~10x slower; flushing them moves no logit
    torch.set_flush_denormal(True)
    net = load(weights, per_sample=False)
    # put upstream's own pooling back (MaxPool3d on an (N, C, H, W) tensor pools channels as depth)
    for i, layer in enumerate(net.backbone):
        if isinstance(layer, ChannelStridedMaxPool):
            w_step = layer.pool.stride[1]
            net.backbone[i] = torch.nn.MaxPool3d(kernel_size=(1, 3, 3), stride=(layer.channel_step, 1, w_step))
    outs = []
    with torch.no_grad():
        for i in range(x.shape[0]):
            outs.append(net(torch.from_numpy(x[i : i + 1].copy())).numpy())
    np.concatenate(outs).astype("<f4").tofile(dst)


if __name__ == "__main__":
    main()
