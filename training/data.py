"""Training data: a PlateDesk OCR export (fast-plate-ocr CSV + crops) or a folder of crops named by text.

* OCR export (`platedesk export --format ocr`): labels.csv / train.csv / val.csv / test.csv with the
  header `image_path,plate_text[,plate_region]`, paths relative to the CSV (crops/p12_f0.jpg). The
  export's own split is by source image, so crops of one car never sit on both sides: it is used when
  train.csv and val.csv both have rows.
* A folder of crops named by their text (LPRNet test style `京PL3N67.jpg`, `…_2.jpg` / `…-2.jpg`): the
  text is the file stem up to the first '_' or '-' (as `platedesk import-labels --format crops`).
Otherwise the split is by a hash of each crop's file name: deterministic, independent of the seed and
of the order of the files, and a crop keeps its side when others are added.
"""
from __future__ import annotations

import csv
import hashlib
import os
import unicodedata
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


class DataError(ValueError):
    """Bad training data: the message names the file and the cause."""


@dataclass
class Sample:
    path: str
    text: str
    region: Optional[str] = None


def normalize_text(text: str) -> str:
    """PlateDesk's plate text rules: NFC, upper case, no spaces; two rows top first on one line."""
    t = unicodedata.normalize("NFC", text).replace("\r", "").replace("\n", "")
    return "".join(t.split()).upper()


def crop_name_text(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return normalize_text(stem.split("-")[0].split("_")[0])


def read_csv(path: str) -> List[Sample]:
    base = os.path.dirname(os.path.abspath(path))
    out: List[Sample] = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return out
        cols = [h.strip() for h in header]
        if "image_path" not in cols or "plate_text" not in cols:
            raise DataError(f"{path}: not a fast-plate-ocr CSV (header must have image_path,plate_text; got {','.join(cols)})")
        ip, tp = cols.index("image_path"), cols.index("plate_text")
        rp = cols.index("plate_region") if "plate_region" in cols else None
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) <= max(ip, tp):
                raise DataError(f"{path}:{line}: expected image_path,plate_text, got {row!r}")
            img = row[ip] if os.path.isabs(row[ip]) else os.path.join(base, row[ip])
            region = row[rp].strip() if rp is not None and rp < len(row) and row[rp].strip() else None
            out.append(Sample(img, normalize_text(row[tp]), region))
    return out


def read_crop_folder(path: str) -> List[Sample]:
    files = sorted(f for f in os.listdir(path) if os.path.splitext(f)[1].lower() in IMAGE_EXTS)
    return [Sample(os.path.join(path, f), crop_name_text(f)) for f in files]


def hash_fraction(path: str) -> float:
    """A stable number in [0, 1) from the file name (not the folder: the split survives a move)."""
    h = hashlib.sha1(os.path.basename(path).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def split_by_hash(samples: List[Sample], holdout: float) -> Tuple[List[Sample], List[Sample]]:
    train = [s for s in samples if hash_fraction(s.path) >= holdout]
    val = [s for s in samples if hash_fraction(s.path) < holdout]
    return train, val


def load_dataset(path: str, holdout: float) -> Tuple[List[Sample], List[Sample], str]:
    """(train, val, how it was split) from an OCR export folder, a CSV file or a folder of named crops."""
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file or folder")
    if os.path.isfile(path):
        if not path.lower().endswith(".csv"):
            raise DataError(f"{path}: expected an OCR export folder, a fast-plate-ocr CSV or a folder of plate crops")
        train, val = split_by_hash(read_csv(path), holdout)
        return train, val, f"hash of file names, holdout {holdout}"
    labels = os.path.join(path, "labels.csv")
    if os.path.isfile(labels):
        tr, va = os.path.join(path, "train.csv"), os.path.join(path, "val.csv")
        if os.path.isfile(tr) and os.path.isfile(va):
            train, val = read_csv(tr), read_csv(va)
            if train and val:
                return train, val, "the export's split (train.csv / val.csv)"
        train, val = split_by_hash(read_csv(labels), holdout)
        return train, val, f"hash of file names, holdout {holdout}"
    samples = read_crop_folder(path)
    if not samples:
        raise DataError(f"{path}: no labels.csv (OCR export) and no plate crops (.jpg/.png named by their text)")
    train, val = split_by_hash(samples, holdout)
    return train, val, f"hash of file names, holdout {holdout}"


def load_image(path: str, width: int, height: int) -> torch.Tensor:
    """The crop stretched to width x height, RGB float 0..255, [3, H, W] (bilinear, half-pixel
    centres, no antialiasing: what the engine's cropResize does)."""
    try:
        with Image.open(path) as im:
            arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except Exception as e:  # PIL raises many types; the message must name the file
        raise DataError(f"{path}: cannot read the image ({e})") from e
    t = torch.from_numpy(arr.copy()).permute(2, 0, 1).float().unsqueeze(0)
    t = F.interpolate(t, size=(height, width), mode="bilinear", align_corners=False)
    return t[0].round().clamp(0, 255)


def load_images(samples: List[Sample], width: int, height: int) -> torch.Tensor:
    if not samples:
        return torch.zeros(0, 3, height, width)
    return torch.stack([load_image(s.path, width, height) for s in samples])


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Light augmentation of a [N, 3, H, W] 0..255 batch: a small affine warp (rotation +-3 deg,
    shear +-0.1, scale 0.93..1.05, shift +-3% / +-5%) and brightness / contrast +-20%."""
    n = x.shape[0]

    def u(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=gen) * (hi - lo) + lo

    a = u(-3, 3) * np.pi / 180
    sh, sc = u(-0.1, 0.1), u(0.93, 1.05)
    tx, ty = u(-0.03, 0.03), u(-0.05, 0.05)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.cos(a) / sc
    theta[:, 0, 1] = (-torch.sin(a) + sh) / sc
    theta[:, 1, 0] = torch.sin(a) / sc
    theta[:, 1, 1] = torch.cos(a) / sc
    theta[:, 0, 2] = tx
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    bright = u(-0.2, 0.2).to(x.device).view(n, 1, 1, 1) * 255
    contrast = u(0.8, 1.2).to(x.device).view(n, 1, 1, 1)
    mean = y.mean(dim=(1, 2, 3), keepdim=True)
    return ((y - mean) * contrast + mean + bright * 0.5).clamp(0, 255)
