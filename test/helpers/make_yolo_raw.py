# Test helper (run with /usr/bin/python3 + onnx): wraps the real end2end plate detector into an
# Ultralytics-style raw head, so the tests run PlateDesk's raw-YOLO code path (decode + NMS + letterbox
# inverse) with real inference. The end2end output [N, 7] (batch, x1, y1, x2, y2, class, score) is
# re-emitted as output0 [1, 5, N] = (cx, cy, w, h, score) in input pixels, and the file carries the
# metadata an Ultralytics export writes (names, imgsz, task, stride).
# usage: make_yolo_raw.py SRC_END2END.onnx DEST.onnx
import sys
import onnx
from onnx import helper, TensorProto

src, dest = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
old = g.output[0]
inner = 'e2e_' + old.name
for n in g.node:
    n.output[:] = [inner if o == old.name else o for o in n.output]
del g.output[:]

def const(name, vals):
    g.initializer.append(helper.make_tensor(name, TensorProto.INT64, [len(vals)], vals))

const('ax1', [1])
const('ax0', [0])
for i in range(7):
    const(f'c{i}', [i])
    const(f'c{i}e', [i + 1])
nodes = []
col = {}
for i, name in [(1, 'x1'), (2, 'y1'), (3, 'x2'), (4, 'y2'), (6, 'score')]:
    nodes.append(helper.make_node('Slice', [inner, f'c{i}', f'c{i}e', 'ax1'], [name]))
g.initializer.append(helper.make_tensor('half', TensorProto.FLOAT, [], [0.5]))
nodes += [
    helper.make_node('Add', ['x1', 'x2'], ['sx']),
    helper.make_node('Mul', ['sx', 'half'], ['cx']),
    helper.make_node('Add', ['y1', 'y2'], ['sy']),
    helper.make_node('Mul', ['sy', 'half'], ['cy']),
    helper.make_node('Sub', ['x2', 'x1'], ['w']),
    helper.make_node('Sub', ['y2', 'y1'], ['h']),
    helper.make_node('Concat', ['cx', 'cy', 'w', 'h', 'score'], ['rows'], axis=1),
    helper.make_node('Transpose', ['rows'], ['cols'], perm=[1, 0]),
    helper.make_node('Unsqueeze', ['cols', 'ax0'], ['output0']),
]
g.node.extend(nodes)
g.output.append(helper.make_tensor_value_info('output0', TensorProto.FLOAT, [1, 5, 'anchors']))
del m.metadata_props[:]
for k, v in {'names': "{0: 'license-plate'}", 'imgsz': '[416, 416]', 'task': 'detect', 'stride': '32',
             'description': 'PlateDesk test: end2end detector re-emitted as a raw YOLO head'}.items():
    p = m.metadata_props.add()
    p.key, p.value = k, v
onnx.checker.check_model(m)
onnx.save(m, dest)
