"""Fine-tunes a plate recogniser on reviewed crops and exports it for `platedesk models add`.

    /usr/bin/python3 -m training.finetune --data DIR --arch lprnet|cct --base PATH(.onnx|.pth)
        [--config plate_config.yaml|model.json] --out DIR --epochs N --seed S
        [--device auto|cpu|cuda] [--holdout 0.2] [--lr X] [--batch N]

Prints one JSON object per line on stdout (the interface `platedesk train` builds on; see
training/README.md): start, epoch (one per epoch), done, or error (exit status 1; 2 for bad
arguments). Everything else goes to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
import traceback
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
import yaml

from . import data as D
from .manifest import entry_for
from .onnx2torch import OnnxModule, load_onnx

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# LPRNet as PlateDesk ships it (models/manifest.json, entry lprnet-china)
LPRNET_INPUT = {
    "name": "input", "dtype": "float32", "layout": "NCHW", "width": 94, "height": 24, "channels": 3,
    "resize": "stretch", "channelOrder": "BGR", "mean": [127.5, 127.5, 127.5], "std": [128, 128, 128],
}
LPRNET_OUTPUT = {"layout": "ctc", "names": ["logits"], "axes": "NCT", "scores": "logits"}


def emit(event: str, **fields) -> None:
    # NaN / inf are not JSON: a diverged loss is reported as null
    clean = {k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in fields.items()}
    sys.stdout.write(json.dumps({"event": event, **clean}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class UsageError(ValueError):
    pass


# ------------------------------------------------------------------------------------------ models


class Task:
    """What differs between the architectures: input tensor, loss, decoding, export."""

    width: int
    height: int
    alphabet: str

    def encodable(self, s: D.Sample) -> Optional[str]:
        """None when the sample can be learnt, else why not."""
        raise NotImplementedError

    def loss(self, x: torch.Tensor, batch: List[D.Sample]) -> torch.Tensor:
        raise NotImplementedError

    def predict(self, x: torch.Tensor) -> List[str]:
        raise NotImplementedError

    def export(self, out: str) -> Tuple[str, str, dict]:
        raise NotImplementedError


class CctTask(Task):
    """fast-plate-ocr CCT: uint8 NHWC RGB in, softmax per slot (+ region) out; loss = cross-entropy
    per slot, pad char included (plus region cross-entropy where the label has a known region)."""

    def __init__(self, base: str, config: str, device: torch.device):
        if not base.lower().endswith(".onnx"):
            raise UsageError(f"--base {base}: the CCT models are fine-tuned from their ONNX file")
        with open(config, encoding="utf-8") as f:
            self.cfg = yaml.safe_load(f)
        for k in ("max_plate_slots", "alphabet", "pad_char", "img_height", "img_width"):
            if k not in self.cfg:
                raise D.DataError(f"{config}: missing {k} (expected a fast-plate-ocr plate_config.yaml)")
        if self.cfg.get("image_color_mode", "rgb") != "rgb":
            raise UsageError(f"{config}: only rgb models are supported (image_color_mode {self.cfg['image_color_mode']})")
        self.config_path = config
        self.net: OnnxModule = load_onnx(base).to(device)
        self.alphabet = self.cfg["alphabet"]
        self.slots = int(self.cfg["max_plate_slots"])
        self.pad = self.cfg["pad_char"]
        self.width, self.height = int(self.cfg["img_width"]), int(self.cfg["img_height"])
        self.regions: List[str] = list(self.cfg.get("plate_regions") or [])
        outs = self.net.output_names
        self.plate_out = "plate" if "plate" in outs else outs[0]
        self.region_out = "region" if "region" in outs else None
        self.index = {c: i for i, c in enumerate(self.alphabet)}

    def encodable(self, s: D.Sample) -> Optional[str]:
        if not s.text:
            return "empty text"
        if len(s.text) > self.slots:
            return f"{len(s.text)} characters, the model has {self.slots} slots"
        bad = sorted({c for c in s.text if c not in self.index or c == self.pad})
        return f"characters not in the model's alphabet: {''.join(bad)}" if bad else None

    def _forward(self, x: torch.Tensor):
        # the graph casts its uint8 input to float first: feeding 0..255 floats keeps augmentation exact
        nhwc = x.permute(0, 2, 3, 1).contiguous()
        self.net(nhwc)
        return self.net.logits

    def loss(self, x, batch):
        logits = self._forward(x)
        plate = logits[self.plate_out]  # [N, slots, classes]
        target = torch.tensor(
            [[self.index[c] for c in s.text.ljust(self.slots, self.pad)] for s in batch], device=x.device
        )
        loss = F.cross_entropy(plate.reshape(-1, plate.shape[-1]), target.reshape(-1))
        if self.region_out and self.regions:
            idx = [self.regions.index(s.region) if s.region in self.regions else -100 for s in batch]
            if any(i >= 0 for i in idx):
                loss = loss + 0.1 * F.cross_entropy(logits[self.region_out], torch.tensor(idx, device=x.device), ignore_index=-100)
        return loss

    def predict(self, x):
        plate = self._forward(x)[self.plate_out].argmax(-1).cpu().tolist()
        return ["".join(self.alphabet[i] for i in row if self.alphabet[i] != self.pad) for row in plate]

    def export(self, out):
        model = os.path.join(out, "model.onnx")
        self.net.export_onnx(model)
        config = os.path.join(out, "plate_config.yaml")
        shutil.copyfile(self.config_path, config)  # same alphabet, slots, size, regions as the base
        return model, config, entry_for(model, config)


class LprnetTask(Task):
    """LPRNet (CTC): float32 NCHW BGR (x - 127.5) / 128 in, logits [N, classes, T] out; CTC loss."""

    def __init__(self, base: str, config: Optional[str], device: torch.device):
        sys.path.insert(0, os.path.join(REPO, "scripts", "lprnet"))
        import lprnet as L  # noqa: E402  (the model definition the shipped ONNX was converted from)

        cfg = {}
        if config:
            with open(config, encoding="utf-8") as f:
                cfg = json.load(f)
        self.input = {**LPRNET_INPUT, **cfg.get("input", {})}
        self.output = {**LPRNET_OUTPUT, **cfg.get("output", {})}
        self.alphabet = cfg.get("alphabet", L.ALPHABET)
        self.blank = int(cfg.get("blank", len(self.alphabet) - 1))
        self.width, self.height = int(self.input["width"]), int(self.input["height"])
        self.mean = torch.tensor(self.input["mean"], device=device).view(1, 3, 1, 1)
        self.std = torch.tensor(self.input["std"], device=device).view(1, 3, 1, 1)
        self.bgr = self.input.get("channelOrder") == "BGR"
        self.device = device
        self.onnx: Optional[OnnxModule] = None
        if base.lower().endswith(".onnx"):
            self.onnx = load_onnx(base).to(device)
            self.net = self.onnx
        else:
            self.net = L.load(base, per_sample=True).to(device)
        self.index = {c: i for i, c in enumerate(self.alphabet) if i != self.blank}

    def train_mode(self):
        # a fine-tune moves the weights only: the base's batch-norm statistics stay (a few crops per
        # batch would make them noisy) and dropout stays off (with upstream's 0.5 dropout on, the
        # validation loss of the 424-crop fine-tune rose from the first epoch)
        self.net.eval()

    def encodable(self, s):
        if not s.text:
            return "empty text"
        bad = sorted({c for c in s.text if c not in self.index})
        return f"characters not in the model's alphabet: {''.join(bad)}" if bad else None

    def _logits(self, x):
        if self.bgr:
            x = x.flip(1)
        x = (x - self.mean) / self.std
        out = self.net(x)
        return out[0] if isinstance(out, tuple) else out  # [N, C, T]

    def loss(self, x, batch):
        logits = self._logits(x)
        logp = logits.permute(2, 0, 1).log_softmax(2)  # [T, N, C]
        t = logp.shape[0]
        targets = torch.tensor([self.index[c] for s in batch for c in s.text], dtype=torch.long)
        tl = torch.tensor([len(s.text) for s in batch], dtype=torch.long)
        il = torch.full((len(batch),), t, dtype=torch.long)
        # CTC on the CPU: deterministic (cuDNN's is not), and the tensors are tiny
        return F.ctc_loss(logp.cpu(), targets, il, tl, blank=self.blank, reduction="mean", zero_infinity=True)

    def predict(self, x):
        best = self._logits(x).argmax(1).cpu().tolist()  # [N, T]
        out = []
        for row in best:
            s, prev = [], None
            for k in row:
                if k != prev and k != self.blank:
                    s.append(self.alphabet[k])
                prev = k
            out.append("".join(s))
        return out

    def export(self, out):
        model = os.path.join(out, "model.onnx")
        self.net.eval()
        if self.onnx is not None:
            self.onnx.export_onnx(model)
        else:
            net = self.net.cpu()
            torch.onnx.export(
                net, torch.zeros(1, 3, self.height, self.width), model,
                input_names=[self.input["name"]], output_names=self.output["names"],
                dynamic_axes={self.input["name"]: {0: "batch"}, self.output["names"][0]: {0: "batch"}},
                opset_version=13, do_constant_folding=True,
            )
            self.net.to(self.device)
        entry = {"input": self.input, "output": self.output, "alphabet": self.alphabet, "blank": self.blank}
        config = os.path.join(out, "model.json")
        with open(config, "w", encoding="utf-8") as f:
            json.dump(entry, f, ensure_ascii=False, indent=2)
            f.write("\n")
        return model, config, entry


def default_cct_config(base: str) -> str:
    """fast-plate-ocr ships NAME.onnx with NAME_plate_config.yaml (or plate_config.yaml) beside it."""
    stem = os.path.splitext(base)[0]
    for c in (stem + "_plate_config.yaml", os.path.join(os.path.dirname(base), "plate_config.yaml")):
        if os.path.isfile(c):
            return c
    raise UsageError(f"--base {base}: no {os.path.basename(stem)}_plate_config.yaml or plate_config.yaml beside it; pass --config")


# ---------------------------------------------------------------------------------------- training


def pick_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device available to PyTorch")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def seed_everything(seed: int) -> None:
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    # tiny activations underflow to denormals in these nets; CPU kernels run ~6x slower on them
    torch.set_flush_denormal(True)


def evaluate(task: Task, x: torch.Tensor, samples: List[D.Sample], batch: int) -> Tuple[Optional[float], float]:
    """(exact-plate accuracy, mean loss) on samples, no augmentation."""
    if not samples:
        return None, float("nan")
    task.net.eval()
    right, total_loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(samples), batch):
            xb, sb = x[i : i + batch], samples[i : i + batch]
            right += sum(p == s.text for p, s in zip(task.predict(xb), sb))
            total_loss += float(task.loss(xb, sb)) * len(sb)
    return right / len(samples), total_loss / len(samples)


def run(args: argparse.Namespace) -> None:
    t0 = time.time()
    seed_everything(args.seed)
    device = pick_device(args.device)
    if not os.path.isfile(args.base):
        raise UsageError(f"--base {args.base}: no such file")
    # the data first: listing it is cheap, loading a model is not
    train, val, split = D.load_dataset(args.data, args.holdout)
    if args.arch == "cct":
        task: Task = CctTask(args.base, args.config or default_cct_config(args.base), device)
    else:
        task = LprnetTask(args.base, args.config, device)
    skipped = []
    for part in (train, val):
        keep = []
        for s in part:
            why = task.encodable(s)
            if why:
                skipped.append({"file": s.path, "text": s.text, "reason": why})
            else:
                keep.append(s)
        part[:] = keep
    if not train:
        raise D.DataError(f"{args.data}: no usable training crops ({len(skipped)} skipped)")
    for s in skipped:
        log(f"skipped {s['file']} ({s['text']!r}): {s['reason']}")
    xt = D.load_images(train, task.width, task.height).to(device)
    xv = D.load_images(val, task.width, task.height).to(device)
    base_acc, base_loss = evaluate(task, xv, val, args.batch)
    emit("start", arch=args.arch, base=os.path.abspath(args.base), device=str(device), seed=args.seed,
         epochs=args.epochs, train=len(train), val=len(val), split=split, skipped=len(skipped),
         baseValAccuracy=base_acc, baseValLoss=None if base_acc is None else base_loss)

    params = [p for p in task.net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(1, steps), pct_start=0.1) if steps > 1 else None
    gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(1, args.epochs + 1):
        if isinstance(task, LprnetTask):
            task.train_mode()
        else:
            task.net.train()
        order = torch.randperm(len(train), generator=gen).tolist()
        total, n = 0.0, 0
        for i in range(0, len(order), args.batch):
            idx = order[i : i + args.batch]
            xb = xt[idx]
            if not args.no_augment:
                xb = D.augment(xb, gen)
            loss = task.loss(xb, [train[j] for j in idx])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            if sched:
                sched.step()
            total += float(loss) * len(idx)
            n += len(idx)
        acc, vloss = evaluate(task, xv, val, args.batch)
        emit("epoch", epoch=epoch, epochs=args.epochs, loss=total / n, valAccuracy=acc,
             valLoss=None if acc is None else vloss, seconds=round(time.time() - t0, 1))

    os.makedirs(args.out, exist_ok=True)
    model, config, entry = task.export(args.out)
    emit("done", model=os.path.abspath(model), config=os.path.abspath(config), entry=entry,
         valAccuracy=acc, baseValAccuracy=base_acc, seconds=round(time.time() - t0, 1))


def parse_args(argv: List[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python3 -m training.finetune", description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="OCR export folder (labels.csv + crops/), a fast-plate-ocr CSV, or a folder of crops named by their text")
    p.add_argument("--arch", required=True, choices=["lprnet", "cct"])
    p.add_argument("--base", required=True, help="the model to start from: .onnx (cct, lprnet) or .pth (lprnet)")
    p.add_argument("--config", help="cct: the base's plate_config.yaml (default: beside --base); lprnet: a model.json (default: the shipped LPRNet's)")
    p.add_argument("--out", required=True, help="folder for model.onnx and its config")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--holdout", type=float, default=0.2, help="share of crops held out for validation when the data has no split (0..0.9)")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate (default: cct 3e-4, lprnet 5e-5)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--no-augment", action="store_true", help="train on the crops as they are")
    a = p.parse_args(argv)
    if a.epochs < 1 or a.batch < 1 or not 0 <= a.holdout <= 0.9:
        p.error("--epochs and --batch must be >= 1, --holdout from 0 to 0.9")
    if a.lr is None:
        a.lr = 3e-4 if a.arch == "cct" else 5e-5
    return a


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv)
    except SystemExit as e:  # argparse printed the usage to stderr
        if e.code:
            emit("error", message="bad arguments (see stderr): " + " ".join(argv))
        return int(e.code or 0)
    try:
        run(args)
        return 0
    except (UsageError, D.DataError) as e:
        emit("error", message=str(e))
        return 1
    except Exception as e:  # unexpected: the message plus the traceback on stderr
        traceback.print_exc()
        emit("error", message=f"{type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
