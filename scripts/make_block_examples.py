"""Write the block examples into nnbuilder/examples (``python scripts/make_block_examples.py``).

``resnet18_blocks.nnb``: torchvision's ResNet-18 in 13 top-level nodes, from a BasicBlock repeated
×2 per stage whose first copy in stages 2–4 is the downsampling variant (DownBlock).  Its export
has torchvision's parameter count and state-dict keys; the data is the built-in 28×28 shapes made
3×32×32, so one training epoch stays short.
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnbuilder.graph.project import loads_project, save_project


def _conv(node_id: str, out: int, k: int, stride: int = 1, padding: int = 0, **extra) -> dict:
    return {"id": node_id, "type": "Conv2d", "params": {"out_channels": out, "kernel_size": k, "stride": stride,
                                                          "padding": padding, "bias": False}, **extra}


def _block(downsample: bool) -> dict:
    stride = 2 if downsample else 1
    nodes = [{"id": "x", "type": "Input", "params": {}, "pos": [0, 0]},
             {**_conv("conv1", 64, 3, stride, 1), "pos": [160, 0]},
             {"id": "bn1", "type": "BatchNorm2d", "params": {}, "pos": [320, 0]},
             {"id": "relu", "type": "ReLU", "params": {}, "pos": [480, 0]},
             {**_conv("conv2", 64, 3, 1, 1), "pos": [640, 0]},
             {"id": "bn2", "type": "BatchNorm2d", "params": {}, "pos": [800, 0]},
             {"id": "add", "type": "Add", "params": {}, "pos": [960, 60]},
             {"id": "relu2", "type": "ReLU", "params": {}, "pos": [1120, 60]},
             {"id": "out", "type": "Output", "params": {}, "pos": [1280, 60]}]
    edges = [{"source": a, "target": b} for a, b in
             [("x", "conv1"), ("conv1", "bn1"), ("bn1", "relu"), ("relu", "conv2"), ("conv2", "bn2"),
              ("bn2", "add"), ("add", "relu2"), ("relu2", "out")]]
    if downsample:  # torchvision's downsample = nn.Sequential(conv1x1, bn): keys downsample.0.*, downsample.1.*
        nodes[6:6] = [{**_conv("ds_conv", 128, 1, 2), "module": "downsample.0", "pos": [480, 160]},
                      {"id": "ds_bn", "type": "BatchNorm2d", "params": {}, "module": "downsample.1",
                       "pos": [720, 160]}]
        edges += [{"source": "x", "target": "ds_conv"}, {"source": "ds_conv", "target": "ds_bn"},
                  {"source": "ds_bn", "target": "add", "target_port": 1}]
    else:
        edges.append({"source": "x", "target": "add", "target_port": 1})
    return {"nodes": nodes, "edges": edges}


def _stage(node_id: str, planes: int, x: float) -> dict:
    wide = {"conv1": {"out_channels": planes}, "conv2": {"out_channels": planes}}
    if planes == 64:
        return {"id": node_id, "type": "Block", "params": {"block": "BasicBlock", "repeat": 2}, "pos": [x, 0]}
    first = {"block": "DownBlock", "params": {**wide, "ds_conv": {"out_channels": planes}}}
    return {"id": node_id, "type": "Block", "pos": [x, 0],
            "params": {"block": "BasicBlock", "repeat": 2, "overrides": [first, {"params": wide}]}}


def resnet18() -> dict:
    nodes = [{"id": "image", "type": "Input", "params": {"shape": [3, 32, 32]}},
             _conv("conv1", 64, 7, 2, 3), {"id": "bn1", "type": "BatchNorm2d", "params": {}},
             {"id": "relu", "type": "ReLU", "params": {}},
             {"id": "maxpool", "type": "MaxPool2d", "params": {"kernel_size": 3, "stride": 2, "padding": 1}},
             _stage("layer1", 64, 0), _stage("layer2", 128, 0), _stage("layer3", 256, 0), _stage("layer4", 512, 0),
             {"id": "avgpool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 1}},
             {"id": "flatten", "type": "Flatten", "params": {}},
             {"id": "fc", "type": "Linear", "params": {"out_features": 10}},
             {"id": "out", "type": "Output", "params": {}}]
    for i, node in enumerate(nodes):
        node["pos"] = [240.0 * (i % 7), 0.0 if i < 7 else 160.0]  # the other examples' spacing: no overlap
    ids = [n["id"] for n in nodes]
    return {"format": "nnbuilder", "version": 2, "name": "ResNet-18 from blocks",
            "description": ("torchvision's ResNet-18 as 13 nodes: a BasicBlock repeated ×2 per stage, the first copy "
                            "of stages 2-4 the downsampling DownBlock; export it to see one class per block. Its "
                            "state-dict keys are torchvision's own: with a 10-class head it loads "
                            "resnet18(num_classes=10)'s weights strictly; set fc's out_features to 1000 for "
                            "resnet18()'s 11,689,512 parameters."),
            "graph": {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)],
                      "blocks": {"BasicBlock": _block(False), "DownBlock": _block(True)}},
            "data": {"dataset": "shapes28", "params": {"n_samples": 600}, "split": [0.7, 0.15, 0.15],
                     "batch_size": 32, "preprocess": {"channels": 3, "resize": 32}},
            "training": {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 0.001}, "epochs": 2}}


def main() -> None:
    import json

    out = ROOT / "nnbuilder" / "examples" / "resnet18_blocks.nnb"
    save_project(loads_project(json.dumps(resnet18())), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
