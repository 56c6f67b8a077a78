#!/usr/bin/python3
"""The upstream model's logits for given input tensors, for the conversion test.

    /usr/bin/python3 scripts/lprnet/reference.py WEIGHTS IN.f32 OUT.f32

IN.f32 holds N crops as raw little-endian float32 [N, 3, 24, 94] (already normalised); OUT.f32 gets
the logits [N, 68, 18]. Each crop runs alone (batch size 1) through the upstream formulation
(per_sample=False: the batch-wide mean), which is exactly what upstream computes for one crop.
"""
import sys

import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from lprnet import INPUT_H, INPUT_W, load  # noqa: E402


def main() -> None:
    weights, src, dst = sys.argv[1:4]
    x = np.fromfile(src, dtype="<f4").reshape(-1, 3, INPUT_H, INPUT_W)
    torch.set_num_threads(1)
    net = load(weights, per_sample=False)
    outs = []
    with torch.no_grad():
        for i in range(x.shape[0]):
            outs.append(net(torch.from_numpy(x[i : i + 1].copy())).numpy())
    np.concatenate(outs).astype("<f4").tofile(dst)


if __name__ == "__main__":
    main()
