"""LPRNet (Zherzdev & Gruzdev 2018, arXiv:1806.10447) as sirius-ai/LPRNet_Pytorch trained it.

Written for PlateDesk from the paper and the upstream layout, so that the upstream state dict
(Final_LPRNet_model.pth, keys backbone.<i>.* and container.0.*) loads unchanged. Two deliberate
differences from the upstream module, both exact rewrites that keep its weights and its numbers:

* Upstream applies nn.MaxPool3d to 4-D tensors, which PyTorch reads as one unbatched (C, D, H, W)
  volume: the "depth" axis is then the channel axis, so MaxPool3d((1, 3, 3), stride=(s, 1, w)) is a
  3x3 max pool with stride (1, w) followed by keeping every s-th channel. We write it that way
  (MaxPool2d + a strided channel slice): the ONNX export of MaxPool3d on 4-D input does not load in
  onnxruntime ("MaxPool strides has incorrect size").
* Upstream normalises each global-context branch by the mean of its squares over the WHOLE batch,
  so a crop's reading depends on the other crops in the batch. With per_sample=True (the default,
  what we export) the mean is taken per crop; at batch size 1 both are identical.
"""
import torch
from torch import nn

# index -> character; index 67 ('-') is the CTC blank (upstream data/load_data.py)
PROVINCES = "京沪津渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新"
ALPHABET = PROVINCES + "0123456789" + "ABCDEFGHJKLMNPQRSTUVWXYZ" + "IO" + "-"
BLANK = len(ALPHABET) - 1
INPUT_W, INPUT_H = 94, 24


class ChannelStridedMaxPool(nn.Module):
    """MaxPool3d((1, 3, 3), stride=(channel_step, 1, w_step)) on an (N, C, H, W) tensor, re-expressed."""

    def __init__(self, channel_step: int, w_step: int):
        super().__init__()
        self.channel_step = channel_step
        self.pool = nn.MaxPool2d(kernel_size=3, stride=(1, w_step))

    def forward(self, x):
        x = self.pool(x)
        return x[:, :: self.channel_step] if self.channel_step > 1 else x


class Bottleneck(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        mid = c_out // 4
        self.block = nn.Sequential(
            nn.Conv2d(c_in, mid, 1), nn.ReLU(),
            nn.Conv2d(mid, mid, (3, 1), padding=(1, 0)), nn.ReLU(),
            nn.Conv2d(mid, mid, (1, 3), padding=(0, 1)), nn.ReLU(),
            nn.Conv2d(mid, c_out, 1),
        )

    def forward(self, x):
        return self.block(x)


class LPRNet(nn.Module):
    # backbone outputs kept for the global context: after the 1st, 2nd and 3rd stage and the class map
    CONTEXT_TAPS = (2, 6, 13, 22)

    def __init__(self, classes: int = len(ALPHABET), per_sample: bool = True):
        super().__init__()
        self.per_sample = per_sample
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), nn.ReLU(),               # 0-2
            ChannelStridedMaxPool(1, 1),                                      # 3
            Bottleneck(64, 128), nn.BatchNorm2d(128), nn.ReLU(),              # 4-6
            ChannelStridedMaxPool(2, 2),                                      # 7: 128 -> 64 channels
            Bottleneck(64, 256), nn.BatchNorm2d(256), nn.ReLU(),              # 8-10
            Bottleneck(256, 256), nn.BatchNorm2d(256), nn.ReLU(),             # 11-13
            ChannelStridedMaxPool(4, 2),                                      # 14: 256 -> 64 channels
            nn.Dropout(0.5),                                                  # 15
            nn.Conv2d(64, 256, (1, 4)), nn.BatchNorm2d(256), nn.ReLU(),       # 16-18
            nn.Dropout(0.5),                                                  # 19
            nn.Conv2d(256, classes, (13, 1)), nn.BatchNorm2d(classes), nn.ReLU(),  # 20-22
        )
        self.container = nn.Sequential(nn.Conv2d(64 + 128 + 256 + classes, classes, 1))
        # every tap is pooled down to the class map's 4 x 18 grid
        self.context_pools = [nn.AvgPool2d(5, 5), nn.AvgPool2d(5, 5), nn.AvgPool2d((4, 10), (4, 2)), None]

    def forward(self, x):
        taps = []
        for i, layer in enumerate(self.backbone):
            x = layer(x)
            if i in self.CONTEXT_TAPS:
                taps.append(x)
        context = []
        for pool, f in zip(self.context_pools, taps):
            if pool is not None:
                f = pool(f)
            sq = f * f
            scale = sq.mean(dim=(1, 2, 3), keepdim=True) if self.per_sample else sq.mean()
            context.append(f / scale)
        x = self.container(torch.cat(context, 1))
        return x.mean(dim=2)  # [N, classes, 18]


def load(weights: str, per_sample: bool = True) -> LPRNet:
    net = LPRNet(per_sample=per_sample)
    state = torch.load(weights, map_location="cpu")
    net.load_state_dict(state, strict=True)
    return net.eval()
