"""Splits a folder of crops named by their text into train/ and test/ folders of symbolic links.

    /usr/bin/python3 -m training.split SRC OUT [--test 0.2]

A crop goes to test/ when a salted hash of its file name falls under --test: deterministic, and
independent of the unsalted hash finetune uses for its own validation holdout, so fine-tuning on
OUT/train still gets a validation share while OUT/test stays unseen.
"""
import argparse
import hashlib
import os
import sys

from .data import IMAGE_EXTS


def test_fraction(name: str) -> float:
    return int.from_bytes(hashlib.sha1(("test-split:" + name).encode("utf-8")).digest()[:8], "big") / 2**64


def main() -> int:
    p = argparse.ArgumentParser(prog="python3 -m training.split")
    p.add_argument("src")
    p.add_argument("out")
    p.add_argument("--test", type=float, default=0.2)
    a = p.parse_args()
    files = sorted(f for f in os.listdir(a.src) if os.path.splitext(f)[1].lower() in IMAGE_EXTS)
    counts = {"train": 0, "test": 0}
    for part in counts:
        os.makedirs(os.path.join(a.out, part), exist_ok=True)
    for f in files:
        part = "test" if test_fraction(f) < a.test else "train"
        dst = os.path.join(a.out, part, f)
        if not os.path.lexists(dst):
            os.symlink(os.path.abspath(os.path.join(a.src, f)), dst)
        counts[part] += 1
    print(f"{a.out}: train {counts['train']}, test {counts['test']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
