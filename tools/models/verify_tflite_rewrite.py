#!/usr/bin/env python3
"""Check a tflite_rewrite.py output against its original with the LiteRT interpreter.

Usage: python3 verify_tflite_rewrite.py ORIGINAL.tflite REWRITTEN.tflite [RUNS]

Feeds both files the same seeded random float32 inputs (uniform in [-1, 1],
RUNS of them, default 3) under LiteRT's default (XNNPACK), builtin and
reference kernels, and requires bit-identical outputs.  Also checks that none
of the ops tract-tflite 0.23.9 cannot load is left in the rewritten file.
Exits non-zero on any difference.  Needs only tools/models/requirements.txt.
"""

import sys

import numpy as np
from ai_edge_litert import schema_py_generated as tfl
from ai_edge_litert.interpreter import Interpreter, OpResolverType

BO = tfl.BuiltinOperator
UNSUPPORTED = {BO.DEQUANTIZE, BO.DENSIFY, BO.PRELU, BO.DEPTH_TO_SPACE, BO.CAST}
RESOLVERS = [
    ("default", OpResolverType.AUTO),
    ("builtin", OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES),
    ("reference", OpResolverType.BUILTIN_REF),
]


def run(path, inputs, resolver):
    it = Interpreter(model_path=path, num_threads=1, experimental_op_resolver_type=resolver)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [(d["name"], it.get_tensor(d["index"]).copy()) for d in it.get_output_details()]


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    original, rewritten = argv[1], argv[2]
    runs = int(argv[3]) if len(argv) == 4 else 3

    with open(rewritten, "rb") as f:
        model = tfl.ModelT.InitFromPackedBuf(bytearray(f.read()), 0)
    left = sorted({max(oc.deprecatedBuiltinCode, oc.builtinCode) for oc in model.operatorCodes}
                  & UNSUPPORTED)
    ok = not left
    if left:
        print(f"FAIL: rewritten file still uses builtin codes {left}")

    probe = Interpreter(model_path=original)
    details = probe.get_input_details()
    rng = np.random.default_rng(20240601)
    for r in range(runs):
        inputs = [rng.uniform(-1.0, 1.0, size=d["shape"]).astype(d["dtype"]) for d in details]
        for label, resolver in RESOLVERS:
            a = run(original, inputs, resolver)
            b = run(rewritten, inputs, resolver)
            if [n for n, _ in a] != [n for n, _ in b]:
                print(f"FAIL: output names differ: {[n for n, _ in a]} vs {[n for n, _ in b]}")
                return 1
            for (name, x), (_, y) in zip(a, b):
                same = x.shape == y.shape and x.tobytes() == y.tobytes()
                if not same:
                    ok = False
                    diff = np.abs(x.astype(np.float64) - y.astype(np.float64)).max()
                    print(f"FAIL: run {r} {label} {name}: max abs diff {diff:.3g}")
    print(("OK" if ok else "FAILED") + f": {rewritten} vs {original}, {runs} random inputs x "
          f"{len(RESOLVERS)} kernel sets")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
