"""Imports an ONNX graph into PyTorch as a trainable nn.Module, and writes trained weights back.

Written for the fast-plate-ocr CCT recognisers (Keras exported by tf2onnx) and PlateDesk's own LPRNet
export: only the ops those graphs use are implemented, each as plain torch code, so gradients flow
through the whole graph. The module walks the ONNX nodes in order (they are topologically sorted);
shape arithmetic (Shape/Gather/Slice/Concat/Cast on int tensors) runs eagerly on small int tensors,
so any batch size works.

Weights: every float initializer becomes an nn.Parameter except the graph's fixed constants, which
stay buffers (they are not weights in the original model either):
  * scalars not read from a variable (tf2onnx names variables ...ReadVariableOp...): the 1/255 input
    rescale, the attention scale 1/sqrt(d), GELU's 0.5 / 1 / 1/sqrt(2);
  * the kernels of bias-less convolutions: the anti-aliasing blur of MaxBlurPooling and the identity
    patch-extraction kernel (Keras layers with weights always have a bias here).
`export_onnx` writes the original graph back with only the initializer values replaced, so the
exported model has exactly the base's inputs, outputs, names, dtypes and ops.
"""
from __future__ import annotations

import copy
from typing import Dict, List, Optional

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

# ONNX TensorProto element type -> torch dtype (only the ones these graphs cast to)
_DTYPES = {
    1: torch.float32,
    2: torch.uint8,
    3: torch.int8,
    6: torch.int32,
    7: torch.int64,
    9: torch.bool,
    10: torch.float16,
    11: torch.float64,
}


def _attrs(node: onnx.NodeProto) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _ints(t: torch.Tensor) -> List[int]:
    return [int(v) for v in t.reshape(-1).tolist()]


def _pads_2d(pads: List[int]) -> tuple:
    """ONNX pads [top, left, bottom, right] -> F.pad order (left, right, top, bottom)."""
    top, left, bottom, right = pads
    return (left, right, top, bottom)


def _op_conv(x, w, b=None, *, attrs):
    pads = attrs.get("pads", [0, 0, 0, 0])
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise NotImplementedError("Conv auto_pad")
    if any(pads):
        x = F.pad(x, _pads_2d(pads))
    return F.conv2d(x, w, b, stride=attrs.get("strides", [1, 1]), dilation=attrs.get("dilations", [1, 1]), groups=attrs.get("group", 1))


def _op_maxpool(x, *, attrs):
    if attrs.get("ceil_mode", 0) or attrs.get("dilations", [1, 1]) != [1, 1]:
        raise NotImplementedError("MaxPool ceil_mode/dilations")
    pads = attrs.get("pads", [0, 0, 0, 0])
    if any(pads):
        x = F.pad(x, _pads_2d(pads), value=float("-inf"))  # padded cells never win a max
    return F.max_pool2d(x, attrs["kernel_shape"], stride=attrs.get("strides", [1, 1]))


def _op_avgpool(x, *, attrs):
    if attrs.get("ceil_mode", 0) or any(attrs.get("pads", [0, 0, 0, 0])):
        raise NotImplementedError("AveragePool with pads/ceil_mode")
    return F.avg_pool2d(x, attrs["kernel_shape"], stride=attrs.get("strides", attrs["kernel_shape"]))


def _op_pad(x, pads, value=None, *, attrs):
    mode = attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    p = _ints(pads)
    n = len(p) // 2
    # ONNX: [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; F.pad: last dim first, (begin, end)
    tp = []
    for d in reversed(range(n)):
        tp += [p[d], p[d + n]]
    v = float(value.reshape(-1)[0]) if value is not None and value.numel() else 0.0
    if mode == "constant":
        return F.pad(x, tp, value=v)
    return F.pad(x, tp, mode=mode)


def _op_reshape(x, shape, *, attrs):
    s = _ints(shape)
    if not attrs.get("allowzero", 0):
        s = [x.shape[i] if v == 0 else v for i, v in enumerate(s)]
    return x.reshape(s)


def _op_gather(x, idx, *, attrs):
    axis = attrs.get("axis", 0)
    axis = axis % x.dim()
    i = idx.long()
    i = torch.where(i < 0, i + x.shape[axis], i)
    out = torch.index_select(x, axis, i.reshape(-1))
    return out.reshape(tuple(x.shape[:axis]) + tuple(i.shape) + tuple(x.shape[axis + 1 :]))


def _op_slice(x, starts, ends, axes=None, steps=None, *, attrs):
    st, en = _ints(starts), _ints(ends)
    ax = _ints(axes) if axes is not None else list(range(len(st)))
    sp = _ints(steps) if steps is not None else [1] * len(st)
    idx = [slice(None)] * x.dim()
    for s, e, a, k in zip(st, en, ax, sp):
        if k <= 0:
            raise NotImplementedError("Slice with a non-positive step")
        n = x.shape[a]
        s = max(0, min(n, s + n if s < 0 else s))
        e = max(0, min(n, e + n if e < 0 else e))
        idx[a] = slice(s, e, k)
    return x[tuple(idx)]


def _op_squeeze(x, axes=None, *, attrs):
    if axes is None and "axes" not in attrs:
        return x.squeeze()
    ax = _ints(axes) if axes is not None else attrs["axes"]
    for a in sorted((a % x.dim() for a in ax), reverse=True):
        x = x.squeeze(a)
    return x


def _op_unsqueeze(x, axes=None, *, attrs):
    ax = _ints(axes) if axes is not None else attrs["axes"]
    rank = x.dim() + len(ax)
    for a in sorted(a % rank for a in ax):
        x = x.unsqueeze(a)
    return x


def _op_reduce(fn):
    def op(x, axes=None, *, attrs):
        ax = _ints(axes) if axes is not None else attrs.get("axes")
        keep = bool(attrs.get("keepdims", 1))
        if ax is None:
            ax = list(range(x.dim()))
        out = x
        for a in sorted((a % x.dim() for a in ax), reverse=True):
            out = fn(out, a, keep)
        return out

    return op


def _op_gemm(a, b, c=None, *, attrs):
    if attrs.get("transA", 0):
        a = a.t()
    if attrs.get("transB", 0):
        b = b.t()
    y = attrs.get("alpha", 1.0) * (a @ b)
    if c is not None and attrs.get("beta", 1.0) != 0:
        y = y + attrs.get("beta", 1.0) * c
    return y


def _op_expand(x, shape, *, attrs):
    return x.expand(torch.broadcast_shapes(tuple(x.shape), tuple(_ints(shape))))


def _op_softmax(x, *, attrs):
    return torch.softmax(x, dim=attrs.get("axis", -1))


OPS = {
    "Add": lambda a, b, *, attrs: a + b,
    "Sub": lambda a, b, *, attrs: a - b,
    "Mul": lambda a, b, *, attrs: a * b,
    "Div": lambda a, b, *, attrs: a / b,
    "MatMul": lambda a, b, *, attrs: torch.matmul(a, b),
    "Gemm": _op_gemm,
    "Relu": lambda x, *, attrs: torch.relu(x),
    "Sigmoid": lambda x, *, attrs: torch.sigmoid(x),
    "Tanh": lambda x, *, attrs: torch.tanh(x),
    "Erf": lambda x, *, attrs: torch.erf(x),
    "Softmax": _op_softmax,
    "Conv": _op_conv,
    "MaxPool": _op_maxpool,
    "AveragePool": _op_avgpool,
    "Pad": _op_pad,
    "Transpose": lambda x, *, attrs: x.permute(*attrs["perm"]) if "perm" in attrs else x.permute(*reversed(range(x.dim()))),
    "Reshape": _op_reshape,
    "Shape": lambda x, *, attrs: torch.tensor(list(x.shape), dtype=torch.int64),
    "Cast": lambda x, *, attrs: x.to(_DTYPES[attrs["to"]]),
    "Gather": _op_gather,
    "Slice": _op_slice,
    "Concat": lambda *xs, attrs: torch.cat(xs, dim=attrs["axis"]),
    "Squeeze": _op_squeeze,
    "Unsqueeze": _op_unsqueeze,
    "Expand": _op_expand,
    "Tile": lambda x, reps, *, attrs: x.repeat(*_ints(reps)),
    "ReduceProd": _op_reduce(lambda t, a, k: torch.prod(t, dim=a, keepdim=k)),
    "ReduceMean": _op_reduce(lambda t, a, k: torch.mean(t, dim=a, keepdim=k)),
    "ReduceSum": _op_reduce(lambda t, a, k: torch.sum(t, dim=a, keepdim=k)),
    "Identity": lambda x, *, attrs: x,
}


class UnsupportedOp(ValueError):
    pass


def _fixed_initializers(graph: onnx.GraphProto) -> set:
    """Float initializers that are constants of the architecture, not weights (see module doc)."""
    fixed = set()
    for node in graph.node:
        if node.op_type == "Conv" and len(node.input) == 2:
            fixed.add(node.input[1])
    for init in graph.initializer:
        dims = list(init.dims)
        if (not dims or int(np.prod(dims)) == 1) and "ReadVariableOp" not in init.name:
            fixed.add(init.name)
    return fixed


class OnnxModule(nn.Module):
    """An ONNX graph as a torch module: forward(*inputs) -> tuple of the graph outputs, in order.

    `logits` (a dict, filled on each forward) holds the input of every Softmax whose output is a graph
    output, so training can use a numerically stable cross-entropy on the pre-softmax scores.
    """

    def __init__(self, model: onnx.ModelProto):
        super().__init__()
        self.model = model
        g = model.graph
        unsupported = sorted({n.op_type for n in g.node if n.op_type not in OPS and n.op_type != "Constant"})
        if unsupported:
            raise UnsupportedOp(f"ONNX ops not supported by training/onnx2torch.py: {', '.join(unsupported)}")
        fixed = _fixed_initializers(g)
        self._names: Dict[str, str] = {}  # ONNX initializer name -> attribute name
        self.params = nn.ParameterDict()
        self._consts: Dict[str, torch.Tensor] = {}
        for i, init in enumerate(g.initializer):
            arr = numpy_helper.to_array(init).copy()
            t = torch.from_numpy(arr)
            key = f"p{i}"
            self._names[init.name] = key
            if arr.dtype.kind == "f" and init.name not in fixed:
                self.params[key] = nn.Parameter(t)
            else:
                self.register_buffer(key, t)
        for node in g.node:
            if node.op_type == "Constant":
                a = _attrs(node)
                if "value" not in a:
                    raise UnsupportedOp(f"Constant node {node.name} without a tensor value")
                self._consts[node.output[0]] = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
        init_names = set(self._names)
        self.input_names = [i.name for i in g.input if i.name not in init_names]
        self.output_names = [o.name for o in g.output]
        self._nodes = [(n.op_type, list(n.input), list(n.output), _attrs(n)) for n in g.node if n.op_type != "Constant"]
        outs = set(self.output_names)
        self._softmax_outputs = {n.output[0] for n in g.node if n.op_type == "Softmax" and n.output[0] in outs}
        self.logits: Dict[str, torch.Tensor] = {}

    def tensor(self, onnx_name: str) -> torch.Tensor:
        key = self._names[onnx_name]
        return self.params[key] if key in self.params else getattr(self, key)

    def trainable_names(self) -> List[str]:
        return [n for n, k in self._names.items() if k in self.params]

    def forward(self, *inputs: torch.Tensor):
        env: Dict[str, Optional[torch.Tensor]] = {"": None}
        for name, x in zip(self.input_names, inputs):
            env[name] = x
        for name in self._names:
            env[name] = self.tensor(name)
        dev = inputs[0].device
        for k, v in self._consts.items():
            env[k] = v.to(dev)
        self.logits = {}
        for op, ins, outs, attrs in self._nodes:
            args = [env[i] for i in ins]
            while args and args[-1] is None:  # trailing optional inputs
                args.pop()
            if op == "Shape":
                y = OPS[op](*args, attrs=attrs).to(dev)
            else:
                y = OPS[op](*args, attrs=attrs)
            if op == "Softmax" and outs[0] in self._softmax_outputs:
                self.logits[outs[0]] = args[0]
            env[outs[0]] = y
        return tuple(env[o] for o in self.output_names)

    def export_onnx(self, path: str) -> None:
        """Writes the original graph with the current weights (same inputs, outputs and ops)."""
        m = copy.deepcopy(self.model)
        for init in m.graph.initializer:
            key = self._names[init.name]
            if key in self.params:
                arr = self.params[key].detach().cpu().numpy().astype(numpy_helper.to_array(init).dtype)
                init.CopyFrom(numpy_helper.from_array(arr, init.name))
        onnx.checker.check_model(m)
        onnx.save(m, path)


def load_onnx(path: str) -> OnnxModule:
    return OnnxModule(onnx.load(path))


def main() -> None:
    """Runs an ONNX file through the import on raw inputs, for the parity test against ONNX Runtime.

    /usr/bin/python3 -m training.onnx2torch MODEL.onnx IN.bin DTYPE N,H,W,C OUT_PREFIX
    writes OUT_PREFIX.<i>.f32 (float32 little-endian) for each graph output, and prints their shapes.
    """
    import json
    import sys

    path, src, dtype, shape, prefix = sys.argv[1:6]
    torch.set_num_threads(1)
    net = load_onnx(path).eval()
    x = np.fromfile(src, dtype=np.dtype(dtype)).reshape([int(v) for v in shape.split(",")])
    with torch.no_grad():
        outs = net(torch.from_numpy(x.copy()))
    shapes = []
    for i, o in enumerate(outs):
        o.detach().numpy().astype("<f4").tofile(f"{prefix}.{i}.f32")
        shapes.append(list(o.shape))
    print(json.dumps({"outputs": net.output_names, "shapes": shapes, "trainable": len(net.params)}))


if __name__ == "__main__":
    main()
