#!/usr/bin/env python3
"""Rewrite a MediaPipe / TOCO .tflite file so that tract-tflite 0.23.9 can load it.

Usage: python3 tflite_rewrite.py IN.tflite OUT.tflite

tract-tflite does not implement a handful of TFLite builtins that the face
models use.  Every rewrite below keeps the model a plain .tflite file and keeps
its float32 results exactly equal to the original under LiteRT:

* DEQUANTIZE / DENSIFY whose input is a constant (fp16 weights, sparse fp16
  weights) are evaluated here and replaced by float32 constant tensors.  fp16 ->
  fp32 is exact, and densifying only moves values, so the folded weights are
  bit-for-bit the values the interpreter would compute.
* PRELU(x, a)            -> r = RELU(x); n = SUB(x, r); m = MUL(n, a); y = ADD(r, m)
* DEPTH_TO_SPACE(b)      -> RESHAPE [N,H,W,b,b,C'] -> TRANSPOSE [0,1,3,2,4,5]
                            -> RESHAPE [N,H*b,W*b,C']
* CAST bool -> float32   -> SELECT_V2(cond, 1.0, 0.0)
* FULLY_CONNECTED whose input is not rank 2 gets a RESHAPE to [batch, in] first;
  a missing bias becomes an explicit zero bias.

Tensors and buffers nobody references afterwards (the fp16 / sparse weights)
are dropped, and so are operator codes nobody uses.  Activations share the
empty buffer 0, weight buffers are 16-byte aligned, and a scalar tensor stored
without a shape vector gets an explicit empty one (tract requires it).  The
output depends only on the input bytes: same input, byte-identical output.

Only the flatbuffer schema bundled in the `ai-edge-litert` wheel is used (the
object API of `ai_edge_litert.schema_py_generated`); TensorFlow is not needed.
"""

import sys

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as tfl

BO = tfl.BuiltinOperator
TT = tfl.TensorType

# numpy dtypes of the TFLite tensor types this tool reads or writes.
NP_DTYPE = {
    TT.FLOAT32: np.dtype("<f4"),
    TT.FLOAT16: np.dtype("<f2"),
    TT.INT32: np.dtype("<i4"),
    TT.INT64: np.dtype("<i8"),
    TT.INT16: np.dtype("<i2"),
    TT.INT8: np.dtype("i1"),
    TT.UINT8: np.dtype("u1"),
    TT.BOOL: np.dtype("?"),
}

# Builtin operator names by code, for messages.
OP_NAMES = {v: k for k, v in vars(BO).items() if not k.startswith("_")}

BUFFER_ALIGNMENT = 16


class AlignedBufferT(tfl.BufferT):
    """BufferT whose data vector starts on a 16-byte boundary of the file."""

    def Pack(self, builder):
        data = None
        if self.data is not None and len(self.data) > 0:
            payload = bytes(np.asarray(self.data, dtype=np.uint8).tobytes())
            builder.StartVector(1, len(payload), BUFFER_ALIGNMENT)
            builder.head = builder.head - len(payload)
            builder.Bytes[builder.head:builder.head + len(payload)] = payload
            data = builder.EndVector()
        tfl.BufferStart(builder)
        if data is not None:
            tfl.BufferAddData(builder, data)
        tfl.BufferAddOffset(builder, self.offset)
        tfl.BufferAddSize(builder, self.size)
        return tfl.BufferEnd(builder)


def opcode_of(model, op):
    oc = model.operatorCodes[op.opcodeIndex]
    # Codes > 127 live in builtinCode; older files only fill the deprecated field.
    return max(oc.deprecatedBuiltinCode, oc.builtinCode)


def dims(tensor):
    """Shape of a TensorT as a list of ints (an absent shape is a scalar)."""
    return [] if tensor.shape is None else [int(d) for d in tensor.shape]


def i32(values):
    return np.asarray(list(values), dtype=np.int32)


def densify(tensor, values):
    """Expand a sparse constant (TFLite SparsityParameters) to a dense array.

    dim_metadata is given in traversal order.  A DENSE level contributes
    `dense_size` children per parent; a SPARSE_CSR level gives parent p the
    children array_indices[array_segments[p]:array_segments[p+1]].  The leaf
    position is the index into the stored values.  The first len(shape)
    traversal entries are original dimensions (possibly holding block counts);
    the remaining ones are block dimensions mapped back by block_map.
    """
    sp = tensor.sparsity
    shape = dims(tensor)
    rank = len(shape)
    order = [int(d) for d in sp.traversalOrder]
    block_map = [] if sp.blockMap is None else [int(d) for d in sp.blockMap]
    levels = sp.dimMetadata
    if len(order) != rank + len(block_map) or len(levels) != len(order):
        raise ValueError(f"inconsistent sparsity parameters on {tensor.name!r}")

    block_size = [1] * rank
    for k, dim in enumerate(block_map):
        meta = levels[order.index(rank + k)]
        if meta.format != tfl.DimensionType.DENSE:
            raise NotImplementedError("sparse block dimension")
        block_size[dim] = int(meta.denseSize)

    pos = np.zeros(1, dtype=np.int64)  # position of each node at this level
    coords = np.zeros((1, len(order)), dtype=np.int64)  # per traversal level
    for level, meta in enumerate(levels):
        if meta.format == tfl.DimensionType.DENSE:
            size = int(meta.denseSize)
            child = np.arange(size, dtype=np.int64)
            pos = (pos[:, None] * size + child[None, :]).reshape(-1)
            coords = np.repeat(coords, size, axis=0)
            coords[:, level] = np.tile(child, len(coords) // size)
        elif meta.format == tfl.DimensionType.SPARSE_CSR:
            seg = np.asarray(meta.arraySegments.values, dtype=np.int64)
            idx = np.asarray(meta.arrayIndices.values, dtype=np.int64)
            counts = seg[pos + 1] - seg[pos]
            new_pos = np.concatenate(
                [np.arange(seg[p], seg[p + 1], dtype=np.int64) for p in pos]
            ) if len(pos) else np.zeros(0, dtype=np.int64)
            coords = np.repeat(coords, counts, axis=0)
            coords[:, level] = idx[new_pos]
            pos = new_pos
        else:
            raise NotImplementedError(f"dimension format {meta.format}")

    if len(pos) != len(values):
        raise ValueError(f"sparse {tensor.name!r}: {len(pos)} slots, {len(values)} values")
    full = np.zeros((len(pos), rank), dtype=np.int64)
    for level, dim in enumerate(order):
        if dim < rank:
            full[:, dim] += coords[:, level] * block_size[dim]
        else:
            full[:, block_map[dim - rank]] += coords[:, level]
    dense = np.zeros(shape, dtype=values.dtype)
    dense[tuple(full.T)] = values[pos]
    return dense


class Rewriter:
    def __init__(self, model):
        self.m = model
        self.opcode_index = {}  # builtin code -> index into m.operatorCodes
        for i, oc in enumerate(model.operatorCodes):
            code = max(oc.deprecatedBuiltinCode, oc.builtinCode)
            if oc.customCode is None and code not in self.opcode_index:
                self.opcode_index[code] = i
        self.stats = {}

    # -- helpers -----------------------------------------------------------
    def count(self, what):
        self.stats[what] = self.stats.get(what, 0) + 1

    def get_opcode(self, code, version=1):
        key = code
        if key in self.opcode_index:
            oc = self.m.operatorCodes[self.opcode_index[key]]
            oc.version = max(oc.version, version)
            return self.opcode_index[key]
        oc = tfl.OperatorCodeT()
        oc.deprecatedBuiltinCode = min(code, BO.PLACEHOLDER_FOR_GREATER_OP_CODES)
        oc.builtinCode = code
        oc.version = version
        self.m.operatorCodes.append(oc)
        self.opcode_index[key] = len(self.m.operatorCodes) - 1
        return self.opcode_index[key]

    def const_value(self, sg, folded, t):
        """numpy value of tensor t if it is a constant, else None."""
        if t < 0:
            return None
        if t in folded:
            return folded[t]
        tensor = sg.tensors[t]
        buf = self.m.buffers[tensor.buffer]
        if tensor.buffer == 0 or buf.data is None or len(buf.data) == 0:
            return None
        raw = np.frombuffer(np.asarray(buf.data, dtype=np.uint8).tobytes(),
                            dtype=NP_DTYPE[tensor.type])
        if tensor.sparsity is not None:
            return densify(tensor, raw)
        return raw.reshape(dims(tensor))

    def set_const(self, tensor, value):
        """Give `tensor` its own buffer holding `value` (already of the right dtype)."""
        buf = AlignedBufferT()
        buf.data = np.frombuffer(np.ascontiguousarray(value).tobytes(), dtype=np.uint8)
        self.m.buffers.append(buf)
        tensor.buffer = len(self.m.buffers) - 1
        tensor.sparsity = None
        tensor.quantization = None

    def new_tensor(self, sg, name, ttype, shape, value=None):
        t = tfl.TensorT()
        t.name = name
        t.type = ttype
        t.shape = i32(shape)
        t.buffer = 0
        if value is not None:
            self.set_const(t, np.asarray(value, dtype=NP_DTYPE[ttype]).reshape(shape))
        sg.tensors.append(t)
        return len(sg.tensors) - 1

    def new_op(self, code, inputs, outputs, options_type, options, version=1):
        op = tfl.OperatorT()
        op.opcodeIndex = self.get_opcode(code, version)
        op.inputs = i32(inputs)
        op.outputs = i32(outputs)
        op.builtinOptionsType = options_type
        op.builtinOptions = options
        return op

    def reshape_op(self, sg, x, y, new_shape, tag):
        name = sg.tensors[y].name + b"/" + tag + b"_shape"
        shape_t = self.new_tensor(sg, name, TT.INT32, [len(new_shape)], new_shape)
        opts = tfl.ReshapeOptionsT()
        opts.newShape = i32(new_shape)
        return self.new_op(BO.RESHAPE, [x, shape_t], [y], tfl.BuiltinOptions.ReshapeOptions, opts)

    @staticmethod
    def binary_options(kind):
        opts = {"ADD": tfl.AddOptionsT, "SUB": tfl.SubOptionsT, "MUL": tfl.MulOptionsT}[kind]()
        opts.fusedActivationFunction = tfl.ActivationFunctionType.NONE
        return opts

    # -- op rewrites -------------------------------------------------------
    def rewrite_subgraph(self, sg):
        folded = {}
        new_ops = []
        for op in sg.operators:
            code = opcode_of(self.m, op)
            ins = [int(t) for t in op.inputs]
            outs = [int(t) for t in op.outputs]
            if code in (BO.DEQUANTIZE, BO.DENSIFY):
                value = self.const_value(sg, folded, ins[0])
                if value is None:
                    raise NotImplementedError(
                        f"{OP_NAMES[code]} of a non-constant tensor ({sg.tensors[ins[0]].name!r})")
                out = sg.tensors[outs[0]]
                if code == BO.DEQUANTIZE:
                    src = sg.tensors[ins[0]]
                    if src.type != TT.FLOAT16 or out.type != TT.FLOAT32:
                        raise NotImplementedError(
                            f"DEQUANTIZE {src.type}->{out.type} on {src.name!r}: only fp16->fp32")
                    value = value.astype(np.float32)  # exact widening
                folded[outs[0]] = value.astype(NP_DTYPE[out.type]).reshape(
                    dims(out))
                self.count(OP_NAMES[code])
                continue
            if code == BO.PRELU:
                new_ops.extend(self.prelu(sg, ins, outs))
                self.count("PRELU")
                continue
            if code == BO.DEPTH_TO_SPACE:
                new_ops.extend(self.depth_to_space(sg, op, ins, outs))
                self.count("DEPTH_TO_SPACE")
                continue
            if code == BO.CAST:
                new_ops.append(self.cast(sg, ins, outs))
                self.count("CAST")
                continue
            if code == BO.FULLY_CONNECTED:
                new_ops.extend(self.fully_connected(sg, op, ins, outs))
                continue
            new_ops.append(op)

        # Folded values used by the remaining ops become float32 constants.
        used = {int(t) for op in new_ops for t in op.inputs if t >= 0}
        used |= {int(t) for t in sg.outputs}
        for t in sorted(folded):
            if t in used:
                self.set_const(sg.tensors[t], folded[t])
        sg.operators = new_ops

    def prelu(self, sg, ins, outs):
        x, alpha = ins
        y = outs[0]
        xt = sg.tensors[x]
        if xt.type != TT.FLOAT32:
            raise NotImplementedError("PRELU on non-float32 input")
        shape = dims(xt)
        base = sg.tensors[y].name
        r = self.new_tensor(sg, base + b"/prelu_pos", TT.FLOAT32, shape)
        n = self.new_tensor(sg, base + b"/prelu_neg", TT.FLOAT32, shape)
        m = self.new_tensor(sg, base + b"/prelu_scaled", TT.FLOAT32, shape)
        return [
            self.new_op(BO.RELU, [x], [r], tfl.BuiltinOptions.NONE, None),
            self.new_op(BO.SUB, [x, r], [n], tfl.BuiltinOptions.SubOptions, self.binary_options("SUB")),
            self.new_op(BO.MUL, [n, alpha], [m], tfl.BuiltinOptions.MulOptions, self.binary_options("MUL")),
            self.new_op(BO.ADD, [r, m], [y], tfl.BuiltinOptions.AddOptions, self.binary_options("ADD")),
        ]

    def depth_to_space(self, sg, op, ins, outs):
        b = int(op.builtinOptions.blockSize)
        x, y = ins[0], outs[0]
        n, h, w, c = dims(sg.tensors[x])
        if c % (b * b):
            raise ValueError("DEPTH_TO_SPACE: channels not divisible by block^2")
        c2 = c // (b * b)
        ttype = sg.tensors[x].type
        base = sg.tensors[y].name
        split = [n, h, w, b, b, c2]
        moved = [n, h, b, w, b, c2]
        t1 = self.new_tensor(sg, base + b"/d2s_split", ttype, split)
        t2 = self.new_tensor(sg, base + b"/d2s_moved", ttype, moved)
        perm = self.new_tensor(sg, base + b"/d2s_perm", TT.INT32, [6], [0, 1, 3, 2, 4, 5])
        # TFLite versions TRANSPOSE by rank; 6 dimensions need version 6.
        transpose = self.new_op(BO.TRANSPOSE, [t1, perm], [t2],
                                tfl.BuiltinOptions.TransposeOptions, tfl.TransposeOptionsT(), version=6)
        return [
            self.reshape_op(sg, x, t1, split, b"d2s_split"),
            transpose,
            self.reshape_op(sg, t2, y, [n, h * b, w * b, c2], b"d2s_merge"),
        ]

    def cast(self, sg, ins, outs):
        x, y = ins[0], outs[0]
        src, dst = sg.tensors[x], sg.tensors[y]
        if src.type != TT.BOOL or dst.type != TT.FLOAT32:
            raise NotImplementedError(f"CAST {src.type}->{dst.type}: only bool->float32")
        ones = [1] * len(dims(dst))
        one = self.new_tensor(sg, dst.name + b"/cast_one", TT.FLOAT32, ones, [1.0])
        zero = self.new_tensor(sg, dst.name + b"/cast_zero", TT.FLOAT32, ones, [0.0])
        return self.new_op(BO.SELECT_V2, [x, one, zero], [y],
                           tfl.BuiltinOptions.SelectV2Options, tfl.SelectV2OptionsT())

    def fully_connected(self, sg, op, ins, outs):
        opts = op.builtinOptions
        x, w = ins[0], ins[1]
        xt, wt = sg.tensors[x], sg.tensors[w]
        changed = False
        prefix = []
        if len(dims(xt)) != 2:
            if opts.keepNumDims:
                raise NotImplementedError("FULLY_CONNECTED keep_num_dims on rank != 2")
            depth = dims(wt)[1]
            total = int(np.prod(dims(xt)))
            flat = [total // depth, depth]
            xf = self.new_tensor(sg, sg.tensors[outs[0]].name + b"/fc_input_2d", xt.type, flat)
            xf_t = sg.tensors[xf]
            xf_t.quantization = xt.quantization
            prefix.append(self.reshape_op(sg, x, xf, flat, b"fc_input_2d"))
            ins[0] = xf
            changed = True
        if len(ins) < 3 or ins[2] < 0:
            if wt.type != TT.FLOAT32:
                raise NotImplementedError("bias-less quantized FULLY_CONNECTED")
            units = dims(wt)[0]
            bias = self.new_tensor(sg, sg.tensors[outs[0]].name + b"/fc_zero_bias",
                                   TT.FLOAT32, [units], np.zeros(units))
            ins = ins[:2] + [bias]
            changed = True
        if changed:
            op.inputs = i32(ins)
            self.count("FULLY_CONNECTED")
        return prefix + [op]

    # -- clean-up ----------------------------------------------------------
    def compact(self):
        m = self.m
        keep_buffers = {0}
        for md in m.metadata or []:
            keep_buffers.add(int(md.buffer))
        for b in m.metadataBuffer if m.metadataBuffer is not None else []:
            keep_buffers.add(int(b))

        for si, sg in enumerate(m.subgraphs):
            used = set()
            for op in sg.operators:
                used |= {int(t) for t in op.inputs if t >= 0}
                used |= {int(t) for t in op.outputs if t >= 0}
                if op.intermediates is not None:
                    used |= {int(t) for t in op.intermediates if t >= 0}
            used |= {int(t) for t in sg.inputs} | {int(t) for t in sg.outputs}
            for sd in m.signatureDefs or []:
                if sd.subgraphIndex == si:
                    used |= {int(tm.tensorIndex) for tm in (sd.inputs or []) + (sd.outputs or [])}
            order = sorted(used)
            remap = {old: new for new, old in enumerate(order)}
            sg.tensors = [sg.tensors[t] for t in order]

            def rm(ts):
                return i32(remap[int(t)] if t >= 0 else int(t) for t in ts)

            for op in sg.operators:
                op.inputs = rm(op.inputs)
                op.outputs = rm(op.outputs)
                if op.intermediates is not None:
                    op.intermediates = rm(op.intermediates)
            sg.inputs = rm(sg.inputs)
            sg.outputs = rm(sg.outputs)
            for sd in m.signatureDefs or []:
                if sd.subgraphIndex == si:
                    for tm in (sd.inputs or []) + (sd.outputs or []):
                        tm.tensorIndex = remap[int(tm.tensorIndex)]
            for t in sg.tensors:
                if t.shape is None:
                    t.shape = i32([])  # tract needs the (empty) shape vector of a scalar
                buf = m.buffers[t.buffer]
                has_data = buf.data is not None and len(buf.data) > 0
                if has_data or t.isVariable or buf.size:
                    keep_buffers.add(int(t.buffer))
                else:
                    t.buffer = 0  # activations all share the empty buffer 0

        border = sorted(keep_buffers)
        bremap = {old: new for new, old in enumerate(border)}
        new_buffers = []
        for b in border:
            nb = AlignedBufferT()
            ob = m.buffers[b]
            nb.data, nb.offset, nb.size = ob.data, ob.offset, ob.size
            new_buffers.append(nb)
        m.buffers = new_buffers
        for sg in m.subgraphs:
            for t in sg.tensors:
                t.buffer = bremap[int(t.buffer)]
        for md in m.metadata or []:
            md.buffer = bremap[int(md.buffer)]
        if m.metadataBuffer is not None:
            m.metadataBuffer = i32(bremap[int(b)] for b in m.metadataBuffer)

        # Drop operator codes that no operator uses any more.
        used_codes = sorted({int(op.opcodeIndex) for sg in m.subgraphs for op in sg.operators})
        cremap = {old: new for new, old in enumerate(used_codes)}
        m.operatorCodes = [m.operatorCodes[c] for c in used_codes]
        for sg in m.subgraphs:
            for op in sg.operators:
                op.opcodeIndex = cremap[int(op.opcodeIndex)]


def rewrite(data):
    """Return (rewritten .tflite bytes, {op: count}) for the bytes of a .tflite file."""
    model = tfl.ModelT.InitFromPackedBuf(bytearray(data), 0)
    rw = Rewriter(model)
    for sg in model.subgraphs:
        rw.rewrite_subgraph(sg)
    rw.compact()
    builder = flatbuffers.Builder(len(data) * 2)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), rw.stats


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    out, stats = rewrite(data)
    with open(argv[2], "wb") as f:
        f.write(out)
    done = ", ".join(f"{k} x{v}" for k, v in sorted(stats.items())) or "nothing"
    print(f"{argv[2]}: {len(out)} bytes; rewrote {done}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
