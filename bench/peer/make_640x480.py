#!/usr/bin/env python3
"""Make an exactly 640x480 JPEG from a photo, for the side-by-side benchmark inputs.

Usage: python make_640x480.py SRC DST [--quality Q]

The photo is converted to RGB, cropped to a 4:3 window (horizontally centred,
vertically at 40% so a portrait's head stays in frame) and resized to 640x480 with
Lanczos, then saved as a baseline JPEG (default quality 92). Needs Pillow (it is in
bench/peer/requirements.txt).
"""

import argparse
import sys

from PIL import Image, ImageOps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--quality", type=int, default=92)
    args = ap.parse_args(argv)
    with Image.open(args.src) as im:
        out = ImageOps.fit(im.convert("RGB"), (640, 480), method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out.save(args.dst, format="JPEG", quality=args.quality)
    print(f"{args.dst}: {out.size[0]}x{out.size[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
