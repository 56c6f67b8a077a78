# Test helper (run with /usr/bin/python3 + onnx): a grayscale fast-plate-ocr model from the real RGB one.
# The new input is [N, H, W, 1] uint8 (image_color_mode: grayscale); the graph repeats the one channel
# three times and runs the original network, so a grey crop reads as the RGB model reads its grey copy.
# usage: make_gray_ocr.py SRC.onnx DEST.onnx
import sys
import onnx
from onnx import helper, TensorProto

src, dest = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
inp = g.input[0]
dims = [d.dim_value or d.dim_param for d in inp.type.tensor_type.shape.dim]
rgb = inp.name + '_rgb'
for n in g.node:
    n.input[:] = [rgb if i == inp.name else i for i in n.input]
g.node.insert(0, helper.make_node('Concat', [inp.name, inp.name, inp.name], [rgb], axis=3))
del g.input[0]
g.input.insert(0, helper.make_tensor_value_info(inp.name, TensorProto.UINT8, [dims[0], dims[1], dims[2], 1]))
onnx.checker.check_model(m)
onnx.save(m, dest)
