#!/usr/bin/env python3
"""Convert face-api's FaceRecognitionNet (dlib ResNet v1 weights) to ONNX.

Usage: python3 faceapi_to_onnx.py MANIFEST.json WEIGHTS.bin OUT.onnx

Input:  the tfjs weights manifest + shard from npm `@vladmandic/face-api`
        (model/face_recognition_model-weights_manifest.json and
        model/face_recognition_model.bin).
Output: an ONNX graph (opset 17) with
        input  "input"      float32 [1,150,150,3], NHWC, RGB in 0..255
        output "descriptor" float32 [1,128], not normalised (compare by L2).

The network is rebuilt from what face-api's FaceRecognitionNet does:
  (x - [122.782, 117.001, 104.298]) / 255, then NHWC -> NCHW
  conv 7x7 /2 'valid' + ReLU, max-pool 3x3 /2 'valid'
  3 x residual(32); residual-down(64), 3 x residual(64);
  residual-down(128), 2 x residual(128); residual-down(256), 2 x residual(256);
  residual-down(256)
  global average pool, matmul with fc [256,128]
A conv layer is conv + bias, then a "scale" layer (x * w + b); both are folded
into the conv weights here.  residual: conv3x3+ReLU, conv3x3, + input, ReLU.
residual-down: main path conv3x3 /2 'valid' + ReLU, conv3x3; shortcut 2x2 /2
average pool, zero-padded in channels up to the main path's channel count.
When the main path is one pixel smaller than the shortcut (3 vs 4, 1 vs 2),
face-api appends one zero row at the bottom and then one zero column at the
right of the main path (after its bias and scale) before the addition.

Weights are dequantized exactly as tfjs does: float32(q * scale + min),
computed in double precision.  The file is deterministic: fixed opset and IR
version, fixed names, no timestamps, deterministic protobuf serialisation.
"""

import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
MEAN_RGB = [122.782, 117.001, 104.298]
INPUT_SIZE = 150

# (block name, kind, output channels) in forward order.
BLOCKS = (
    [("conv32_%d" % i, "residual", 32) for i in (1, 2, 3)]
    + [("conv64_down", "down", 64)] + [("conv64_%d" % i, "residual", 64) for i in (1, 2, 3)]
    + [("conv128_down", "down", 128)] + [("conv128_%d" % i, "residual", 128) for i in (1, 2)]
    + [("conv256_down", "down", 256)] + [("conv256_%d" % i, "residual", 256) for i in (1, 2)]
    + [("conv256_down_out", "down", 256)]
)


def load_weights(manifest_path, bin_path):
    """Read a tfjs weights manifest + its shards into {name: float32 array}."""
    with open(manifest_path, "r", encoding="utf-8") as f:
        manifest = json.load(f)
    with open(bin_path, "rb") as f:
        data = f.read()
    if len(manifest) != 1 or len(manifest[0]["paths"]) != 1:
        raise ValueError("expected one weight group in one shard")
    weights = {}
    offset = 0
    for entry in manifest[0]["weights"]:
        shape = [int(d) for d in entry["shape"]]
        count = int(np.prod(shape)) if shape else 1
        if entry["dtype"] != "float32":
            raise ValueError(f"{entry['name']}: unsupported dtype {entry['dtype']}")
        q = entry.get("quantization")
        if q is None:
            raw = np.frombuffer(data, dtype="<f4", count=count, offset=offset)
            offset += 4 * count
            value = raw.astype(np.float32)
        elif q["dtype"] in ("uint8", "uint16"):
            dt = np.dtype("u1") if q["dtype"] == "uint8" else np.dtype("<u2")
            raw = np.frombuffer(data, dtype=dt, count=count, offset=offset)
            offset += dt.itemsize * count
            value = (raw.astype(np.float64) * float(q["scale"]) + float(q["min"])).astype(np.float32)
        elif q["dtype"] == "float16":
            raw = np.frombuffer(data, dtype="<f2", count=count, offset=offset)
            offset += 2 * count
            value = raw.astype(np.float32)
        else:
            raise ValueError(f"{entry['name']}: unsupported quantization {q['dtype']}")
        weights[entry["name"]] = value.reshape(shape)
    if offset != len(data):
        raise ValueError(f"manifest covers {offset} bytes, shard has {len(data)}")
    return weights


class GraphBuilder:
    def __init__(self, weights):
        self.w = weights
        self.used = set()
        self.nodes = []
        self.initializers = []

    def take(self, name):
        self.used.add(name)
        return self.w[name]

    def const(self, name, array):
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x, prefix, stride, pad, relu):
        """face-api convLayer: conv, + bias, * scale.weights + scale.biases, [ReLU]."""
        filters = self.take(f"{prefix}/conv/filters").astype(np.float64)  # HWIO
        bias = self.take(f"{prefix}/conv/bias").astype(np.float64)
        s_w = self.take(f"{prefix}/scale/weights").astype(np.float64)
        s_b = self.take(f"{prefix}/scale/biases").astype(np.float64)
        w = np.transpose(filters * s_w, (3, 2, 0, 1)).astype(np.float32)  # OIHW
        b = (bias * s_w + s_b).astype(np.float32)
        k = int(w.shape[2])
        y = self.node(
            "Conv",
            [x, self.const(f"{prefix}/weight", w), self.const(f"{prefix}/bias", b)],
            f"{prefix}/conv",
            kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4,
            dilations=[1, 1], group=1,
        )
        return self.node("Relu", [y], f"{prefix}/relu") if relu else y

    def pad(self, x, name, pads):
        return self.node("Pad", [x, self.const(f"{name}/pads", np.asarray(pads, dtype=np.int64))],
                         name, mode="constant")

    def residual(self, x, name):
        out = self.conv(x, f"{name}/conv1", 1, 1, True)   # 3x3 'same'
        out = self.conv(out, f"{name}/conv2", 1, 1, False)
        out = self.node("Add", [out, x], f"{name}/add")
        return self.node("Relu", [out], f"{name}/relu")

    def residual_down(self, x, name, in_shape, out_channels):
        """in_shape: (C, H, W) of x.  Returns (output, (C, H, W))."""
        c_in, h_in, w_in = in_shape
        out = self.conv(x, f"{name}/conv1", 2, 0, True)   # 3x3 /2 'valid'
        out = self.conv(out, f"{name}/conv2", 1, 1, False)
        h_main = (h_in - 3) // 2 + 1
        h_pool = h_in // 2
        w_main = (w_in - 3) // 2 + 1
        w_pool = w_in // 2
        if (h_main, w_main) != (h_pool, w_pool):
            if (h_pool - h_main, w_pool - w_main) != (1, 1):
                raise ValueError(f"{name}: unexpected spatial sizes")
            # one zero row at the bottom, one zero column at the right (NCHW ends)
            out = self.pad(out, f"{name}/pad_hw", [0, 0, 0, 0, 0, 0, 1, 1])
        pooled = self.node("AveragePool", [x], f"{name}/avgpool",
                           kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0])
        if c_in != out_channels:
            if out_channels != 2 * c_in:
                raise ValueError(f"{name}: face-api pads channels with a copy-shaped zero block")
            pooled = self.pad(pooled, f"{name}/pad_c", [0, 0, 0, 0, 0, out_channels - c_in, 0, 0])
        out = self.node("Add", [out, pooled], f"{name}/add")
        return self.node("Relu", [out], f"{name}/relu"), (out_channels, h_pool, w_pool)


def build(weights):
    g = GraphBuilder(weights)
    x = "input"
    mean = np.asarray(MEAN_RGB, dtype=np.float32).reshape(1, 1, 1, 3)
    x = g.node("Sub", [x, g.const("mean_rgb", mean)], "normalize/sub_mean")
    x = g.node("Div", [x, g.const("scale_255", np.asarray(255.0, dtype=np.float32))], "normalize/div_255")
    x = g.node("Transpose", [x], "to_nchw", perm=[0, 3, 1, 2])

    x = g.conv(x, "conv32_down", 2, 0, True)   # 7x7 /2 'valid'
    size = (INPUT_SIZE - 7) // 2 + 1
    x = g.node("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 0, 0])
    size = (size - 3) // 2 + 1
    shape = (32, size, size)

    for name, kind, channels in BLOCKS:
        if kind == "residual":
            x = g.residual(x, name)
        else:
            x, shape = g.residual_down(x, name, shape, channels)

    x = g.node("GlobalAveragePool", [x], "global_avg_pool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    fc = g.take("fc")
    g.nodes.append(helper.make_node("MatMul", [x, g.const("fc/weight", fc)], ["descriptor"], name="fc"))

    unused = sorted(set(weights) - g.used)
    if unused:
        raise ValueError(f"weights not used by the graph: {unused}")

    graph = helper.make_graph(
        g.nodes,
        "faceapi_face_recognition_net",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, INPUT_SIZE, INPUT_SIZE, 3])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, [1, 128])],
        initializer=g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="ekyc-gateway tools/models/faceapi_to_onnx.py",
        producer_version="1",
        doc_string="dlib ResNet v1 face descriptor (weights: davisking/dlib-models, CC0) "
                   "from @vladmandic/face-api FaceRecognitionNet. Input NHWC RGB 0..255, "
                   "150x150 dlib face chip; output 128-d descriptor, compare by L2.",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    model = build(load_weights(argv[1], argv[2]))
    data = model.SerializeToString(deterministic=True)
    with open(argv[3], "wb") as f:
        f.write(data)
    print(f"{argv[3]}: {len(data)} bytes, {len(model.graph.node)} nodes, "
          f"{len(model.graph.initializer)} initializers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
