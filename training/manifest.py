"""Manifest entries for exported models, and a manifest to try one without installing it.

    /usr/bin/python3 -m training.manifest OUT_DIR ID [--manifest models/manifest.json]

writes OUT_DIR/manifest.json: the given manifest's models plus OUT_DIR/model.onnx as recognizer ID
(size, sha256, and the fields from its config). Then, with the other models where they always are:

    PLATEDESK_MANIFEST=OUT_DIR/manifest.json ALPR_MODELS_DIR=../shared/models \\
        npx platedesk recognize --crops --recognizer ID --accuracy CROPS
(the folder of PLATEDESK_MANIFEST is searched for model files last, as the repository's models/ is).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys

import onnx
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def entry_for(model: str, config: str) -> dict:
    """The manifest fields of a recogniser from its ONNX file and its config (plate_config.yaml for the
    fixed-slot CCT models, model.json for CTC models)."""
    g = onnx.load(model).graph
    inits = {i.name for i in g.initializer}
    inp = next(i for i in g.input if i.name not in inits)
    outs = [o.name for o in g.output]
    if config.lower().endswith((".yaml", ".yml")):
        with open(config, encoding="utf-8") as f:
            cfg = yaml.safe_load(f)
        regions = list(cfg.get("plate_regions") or [])
        two = len(outs) > 1 and bool(regions)
        return {
            "input": {"name": inp.name, "dtype": "uint8", "layout": "NHWC", "width": int(cfg["img_width"]),
                      "height": int(cfg["img_height"]), "channels": 3, "resize": "stretch"},
            "output": {"layout": "slots+region" if two else "slots", "names": outs},
            "slots": int(cfg["max_plate_slots"]), "alphabet": cfg["alphabet"], "padChar": cfg["pad_char"],
            **({"regions": regions} if two else {}),
        }
    with open(config, encoding="utf-8") as f:
        cfg = json.load(f)
    return {k: cfg[k] for k in ("input", "output", "alphabet", "blank") if k in cfg}


def main() -> int:
    p = argparse.ArgumentParser(prog="python3 -m training.manifest")
    p.add_argument("out")
    p.add_argument("id")
    p.add_argument("--manifest", default=os.path.join(REPO, "models", "manifest.json"))
    a = p.parse_args()
    model = os.path.join(a.out, "model.onnx")
    config = next((os.path.join(a.out, c) for c in ("plate_config.yaml", "model.json") if os.path.isfile(os.path.join(a.out, c))), None)
    if not os.path.isfile(model) or not config:
        print(f"{a.out}: expected model.onnx and plate_config.yaml or model.json (a training.finetune output)", file=sys.stderr)
        return 1
    with open(a.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    data = open(model, "rb").read()
    entry = {"id": a.id, "task": "recognizer", "file": "model.onnx", "sha256": hashlib.sha256(data).hexdigest(),
             "size": len(data), **entry_for(model, config), "license": "see the base model",
             "source": f"training.finetune ({os.path.abspath(a.out)})"}
    manifest["models"] = [m for m in manifest["models"] if m["id"] != a.id] + [entry]
    # the bundled models (models/*.onnx) are looked up beside the manifest: link them in
    src_dir = os.path.dirname(os.path.abspath(a.manifest))
    for m in manifest["models"]:
        if m.get("bundled") and not os.path.exists(os.path.join(a.out, m["file"])):
            shutil.copyfile(os.path.join(src_dir, m["file"]), os.path.join(a.out, m["file"]))
    with open(os.path.join(a.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
    print(os.path.join(a.out, "manifest.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
