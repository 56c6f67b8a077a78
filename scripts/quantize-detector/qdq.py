#!/usr/bin/python3
"""Builds the statically quantised (QDQ) plate detector from its float32 form and calibration ranges.

    /usr/bin/python3 scripts/quantize-detector/qdq.py FLOAT.onnx RANGES.json OUT.onnx
    /usr/bin/python3 scripts/quantize-detector/qdq.py --outputs FLOAT.onnx OUT.onnx

Run through scripts/quantize-detector/quantize.ts, which makes FLOAT.onnx (the upstream int8 model
with its weights folded back to float, src/main/engine/float-model.ts) and RANGES.json (min/max of
every activation over calibration frames). `--outputs` writes the calibration model: every float
tensor made a graph output, so onnxruntime reports its range.

What it writes, and why (measured on 2-core AMD EPYC with AVX-512 VNNI, onnxruntime 1.30):
- x * Sigmoid(x) (SiLU, 179 of them) becomes com.microsoft QuickGelu(alpha=1), the same function in
  one fused pass. onnxruntime fuses it by itself in a float graph but not between Q/DQ nodes.
- every Conv gets QuantizeLinear/DequantizeLinear on its activation input and output (uint8,
  asymmetric, per tensor, min/max range), int8 symmetric per-output-channel weights and int32 bias,
  the pattern onnxruntime fuses into QLinearConv (u8s8, VNNI kernels). The upstream model's
  dynamic quantisation (DynamicQuantizeLinear + ConvInteger + Cast + Mul per conv) costs a range pass
  and three float passes per conv; this runs 13 vs 20 ms CPU per 416x256 frame.
- the min/max ranges beat MSE-clipped ones here: clipping the rare large activations lost plates
  (fixtures 28/31 vs 31/31), which suggests that in a detector they carry the objectness.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference


def calibration_model(src: str, dst: str) -> None:
    m = onnx.load(src)
    types = {v.name: v.type.tensor_type.elem_type for v in shape_inference.infer_shapes(m).graph.value_info}
    inits = {i.name for i in m.graph.initializer}
    have = {o.name for o in m.graph.output} | {i.name for i in m.graph.input}
    seen = set()
    for n in m.graph.node:
        for t in list(n.input) + list(n.output):
            if t and t not in inits and t not in have and t not in seen and types.get(t) == TensorProto.FLOAT:
                seen.add(t)
                m.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    onnx.save(m, dst)
    print(f"calibration model: {len(seen)} tensors as outputs")


def fuse_silu(g: onnx.GraphProto) -> int:
    """x * Sigmoid(x) -> QuickGelu(x, alpha=1) where the Sigmoid feeds only that Mul."""
    uses: dict = {}
    for n in g.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1
    prod = {o: n for n in g.node for o in n.output}
    drop, repl = set(), {}
    for n in g.node:
        if n.op_type != "Mul" or len(n.input) != 2:
            continue
        for a, b in ((0, 1), (1, 0)):
            sg = prod.get(n.input[b])
            if sg is not None and sg.op_type == "Sigmoid" and sg.input[0] == n.input[a] and uses[sg.output[0]] == 1:
                drop.add(id(sg))
                repl[id(n)] = helper.make_node("QuickGelu", [n.input[a]], [n.output[0]], name=n.name + "_silu", domain="com.microsoft", alpha=1.0)
                break
    nodes = [repl.get(id(n), n) for n in g.node if id(n) not in drop]
    del g.node[:]
    g.node.extend(nodes)
    return len(repl)


def quantize(src: str, ranges_path: str, dst: str) -> None:
    ranges = json.load(open(ranges_path))
    m = onnx.load(src)
    g = m.graph
    silu = fuse_silu(g)
    if not any(o.domain == "com.microsoft" for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    inits = {i.name: i for i in g.initializer}
    new_inits, after, dq_of = [], {}, {}
    weights_first = []

    def act_params(t: str):
        r = ranges[t]
        lo, hi = min(0.0, r["min"]), max(0.0, r["max"])
        if hi - lo < 1e-8:
            hi = lo + 1e-8
        scale = (hi - lo) / 255.0
        return scale, int(min(255, max(0, round(-lo / scale))))

    def qdq(t: str) -> str:
        if t not in dq_of:
            s, zp = act_params(t)
            new_inits.append(numpy_helper.from_array(np.array(s, dtype=np.float32), t + "_qscale"))
            new_inits.append(numpy_helper.from_array(np.array(zp, dtype=np.uint8), t + "_qzp"))
            after[t] = [
                helper.make_node("QuantizeLinear", [t, t + "_qscale", t + "_qzp"], [t + "_q"], name=t + "_Q"),
                helper.make_node("DequantizeLinear", [t + "_q", t + "_qscale", t + "_qzp"], [t + "_dq"], name=t + "_DQ"),
            ]
            dq_of[t] = t + "_dq"
        return dq_of[t]

    convs = [n for n in g.node if n.op_type == "Conv"]
    for n in convs:
        for t in (n.input[0], n.output[0]):
            if t not in ranges:
                raise SystemExit(f"no calibration range for {t}")
            qdq(t)
    for n in g.node:  # every consumer of a quantised tensor reads its DQ
        for k, i in enumerate(n.input):
            if i in dq_of:
                n.input[k] = dq_of[i]
    for n in convs:
        w = numpy_helper.to_array(inits[n.input[1]])
        cout = w.shape[0]
        amax = np.abs(w.reshape(cout, -1)).max(axis=1)
        amax[amax == 0] = 1e-8
        ws = (amax / 127.0).astype(np.float32)
        wq = np.clip(np.round(w / ws.reshape(-1, *[1] * (w.ndim - 1))), -127, 127).astype(np.int8)
        wn = n.input[1]
        new_inits += [numpy_helper.from_array(wq, wn + "_i8"), numpy_helper.from_array(ws, wn + "_ws"), numpy_helper.from_array(np.zeros(cout, np.int8), wn + "_wzp")]
        weights_first.append(helper.make_node("DequantizeLinear", [wn + "_i8", wn + "_ws", wn + "_wzp"], [wn + "_dqw"], name=wn + "_DQW", axis=0))
        n.input[1] = wn + "_dqw"
        if len(n.input) > 2 and n.input[2]:
            xs, _ = act_params(n.input[0][: -len("_dq")])
            b = numpy_helper.to_array(inits[n.input[2]])
            bs = (ws * xs).astype(np.float32)
            bn = n.input[2]
            new_inits += [numpy_helper.from_array(np.round(b / bs).astype(np.int32), bn + "_i32"), numpy_helper.from_array(bs, bn + "_bs"), numpy_helper.from_array(np.zeros(cout, np.int32), bn + "_bzp")]
            weights_first.append(helper.make_node("DequantizeLinear", [bn + "_i32", bn + "_bs", bn + "_bzp"], [bn + "_dqb"], name=bn + "_DQB", axis=0))
            n.input[2] = bn + "_dqb"
    # topological order: weight DQs first, each tensor's Q/DQ right after its producer
    out = weights_first + after.pop(g.input[0].name, [])
    for n in g.node:
        out.append(n)
        for o in n.output:
            out += after.pop(o, [])
    used = {i for n in out for i in n.input}
    keep = [i for i in list(g.initializer) + new_inits if i.name in used]
    del g.node[:]
    g.node.extend(out)
    del g.initializer[:]
    g.initializer.extend(keep)
    m.producer_name = "platedesk scripts/quantize-detector"
    onnx.save(m, dst)
    print(f"QDQ model: {len(convs)} convs quantised, {silu} SiLU fused, {len(dq_of)} activations")


if __name__ == "__main__":
    if sys.argv[1] == "--outputs":
        calibration_model(sys.argv[2], sys.argv[3])
    else:
        quantize(sys.argv[1], sys.argv[2], sys.argv[3])
