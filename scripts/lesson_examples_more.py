"""More lesson sets: activations, learning-rate schedules, augmentation with few images, transfer learning.

Imported by make_examples.py beside lesson_examples.py; the same conventions: every project carries
``lesson`` and ``expect`` (checked by tests/test_example_results.py), and only projects whose result was
measured (listed in ``MORE_SECONDS``) are written to nnbuilder/examples/.
"""
from __future__ import annotations

from typing import Any

from lesson_examples import _mlp, _project
from make_examples import Builder, L, classification, data, transfer_learning

from nnbuilder.graph.project import Project


# ---- activations: the same MLP on spirals with Sigmoid, Tanh, ReLU, GELU
def activation(act: str) -> Project:
    b = Builder()
    _mlp(b, b.add("point", "Input", shape=[2]), [64, 64], act, 2)
    training = classification(1e-2, 30, optimizer="SGD")
    training["optimizer"]["momentum"] = 0.9
    return _project(f"activation {act}", b, data("spirals", 32, n_samples=600), training, "Activations",
                    ACTIVATION_TEXT[act], ACTIVATION_EXPECT[act])


ACTIVATION_TEXT = {
    "Sigmoid": "Two hidden layers of 64 units with Sigmoid, SGD (momentum 0.9, lr 0.01), 30 epochs. The sigmoid's "
               "slope is at most 0.25 and its outputs are all positive, so little gradient reaches fc1: the loss "
               "stays near ln 2 = 0.69 and the validation accuracy wanders between 0.5 and 0.7 (0.54 at the "
               "last epoch).",
    "Tanh": "The same network with Tanh: zero-centred with slope up to 1, it starts to bend the boundary after about "
            "25 epochs (validation accuracy about 0.8 at the end, loss about 0.41) — faster than Sigmoid, slower "
            "than ReLU.",
    "ReLU": "The same network with ReLU: slope 1 wherever a unit is active, the loss falls steadily and the "
            "piecewise-linear boundary follows the arms (validation accuracy about 0.96 after 30 epochs).",
    "GELU": "The same network with GELU, the smooth ReLU of transformers (x·Φ(x), slightly negative for x < 0): "
            "it learns like ReLU, a few epochs later here (validation accuracy about 0.86 after 30 epochs).",
}
ACTIVATION_EXPECT: dict[str, dict[str, Any]] = {
    "Sigmoid": {"metric": "val_accuracy", "at_most": 0.75}, "Tanh": {"metric": "val_accuracy", "at_least": 0.7},
    "ReLU": {"metric": "val_accuracy", "at_least": 0.9}, "GELU": {"metric": "val_accuracy", "at_least": 0.8}}


# ---- learning-rate schedules: constant vs step decay vs reduce-on-plateau (Adam, a large lr)
def schedule(kind: str) -> Project:
    b = Builder()
    _mlp(b, b.add("point", "Input", shape=[2]), [64, 64], "ReLU", 2)
    training = classification(3e-2, 30)
    if kind == "decay":
        training["scheduler"] = {"type": "StepLR", "step_size": 10, "gamma": 0.3}
    elif kind == "plateau":
        training["scheduler"] = {"type": "ReduceLROnPlateau", "factor": 0.5, "patience": 2, "monitor": "val_loss"}
    return _project(f"learning rate {kind}", b, data("spirals", 32, n_samples=600), training,
                    "Learning-rate schedules", SCHEDULE_TEXT[kind], SCHEDULE_EXPECT[kind])


SCHEDULE_TEXT = {
    "constant": "Adam with a large constant learning rate (0.03) for 30 epochs: it reaches 99 % within 10 epochs, "
                "then the steps stay too big to settle: the loss curve keeps spiking (validation accuracy dips to "
                "0.97-0.98 after epoch 24) and the training loss ends at about 0.014.",
    "decay": "The same run with step decay (StepLR: ×0.3 every 10 epochs, the LR plot steps 0.03 → 0.009 → 0.0027): "
             "once the steps are small the loss settles smoothly (training loss about 0.005 at the end, a third "
             "of the constant-LR run's).",
    "plateau": "The same run with ReduceLROnPlateau (factor 0.5 = halve the lr when the validation loss has not "
               "improved for 2 epochs): the LR stays at 0.03 while progress lasts and is halved twice only after "
               "the spikes near epoch 24 (LR plot: 0.03 → 0.0075); the loss then settles at about 0.003.",
}
SCHEDULE_EXPECT: dict[str, dict[str, Any]] = {"constant": {"metric": "loss", "at_least": 0.009},
                                              "decay": {"metric": "loss", "at_most": 0.008},
                                              "plateau": {"metric": "loss", "at_most": 0.008}}


# ---- augmentation with few images: 40 training images of shapes placed anywhere, with and without shifts
def augmentation(augment: bool) -> Project:
    b = Builder()
    b.chain(b.add("image", "Input", shape=[1, 28, 28]),
            L("conv1", "Conv2d", out_channels=8, kernel_size=3, padding=1), L("relu1", "ReLU"),
            L("pool1", "MaxPool2d", kernel_size=2), L("conv2", "Conv2d", out_channels=16, kernel_size=3, padding=1),
            L("relu2", "ReLU"), L("pool2", "MaxPool2d", kernel_size=2), L("flatten", "Flatten"),
            L("head", "Linear", out_features=4), L("out", "Output"))
    section = data("shifted_shapes", 8, (0.1, 0.45, 0.45), n_samples=400)
    if augment:
        section["augment"] = [{"type": "RandomAffine", "degrees": 0.0, "translate": 0.25, "scale": [0.9, 1.1]}]
    return _project(f"few images {'with' if augment else 'without'} augmentation", b, section,
                    classification(3e-3, 40), "Augmentation", AUGMENT_TEXT[augment], AUGMENT_EXPECT[augment])


AUGMENT_TEXT = {
    False: "A small CNN trained on only 40 images of shapes placed anywhere in the frame (Adam 3e-3, 40 epochs), "
           "without augmentation: it learns its 40 images perfectly (training accuracy 1.0, loss 0.002) but "
           "recognises only about 42 % of new images (validation 0.42, test 0.42, chance 0.33): with so few "
           "images it memorises where the shapes happened to be.",
    True: "The same network and the same 40 images, each batch shifted at random by up to 25 % and scaled "
          "0.9-1.1 (data section: augment RandomAffine): the training accuracy stays lower (about 0.83) but "
          "new images are recognised (validation 0.91, test 0.86): the shifted copies teach it that a shape is "
          "the same shape anywhere.",
}
AUGMENT_EXPECT: dict[bool, dict[str, Any]] = {False: {"metric": "val_accuracy", "at_most": 0.6},
                                              True: {"metric": "val_accuracy", "at_least": 0.8}}


# ---- transfer learning: frozen backbone vs fine-tuned (transfer_learning.nnb) vs from scratch
def transfer(kind: str) -> Project:
    project = transfer_learning()
    backbone = next(node for node in project.graph.nodes if node.type == "Backbone")
    if kind == "frozen":
        backbone.params["freeze"] = "all"
        project.training.pop("lr_multipliers", None)
    elif kind == "scratch":
        backbone.params.update(weights=None, freeze="none")
        project.training.pop("lr_multipliers", None)
    project.name = f"transfer learning {kind}"
    project.extra.update(description=TRANSFER_TEXT[kind], lesson="Transfer learning", expect=TRANSFER_EXPECT[kind])
    return project


TRANSFER_TEXT = {
    "frozen": "The transfer-learning example with the whole pretrained backbone frozen: only the new Linear head "
              "trains (Adam 3e-3, 15 epochs, 10 images per class). Test accuracy about 0.51 (chance 0.2), as good "
              "as fine-tuning the later blocks here (transfer_learning: 0.52): the features pretrained on other "
              "shapes already separate the new ones, and 50 images are too few to improve them.",
    "scratch": "The same network from random weights (no pretrained weights, nothing frozen): with 10 images per "
               "class it fits its training images (training accuracy about 0.86) but reaches only about 0.26 test "
               "accuracy (chance 0.2): the difference to transfer_frozen is what the pretrained features are worth.",
}
TRANSFER_EXPECT: dict[str, dict[str, Any]] = {"frozen": {"metric": "test_accuracy", "at_least": 0.4},
                                              "scratch": {"metric": "test_accuracy", "at_most": 0.4}}

MORE = {
    "activation_sigmoid": lambda: activation("Sigmoid"), "activation_tanh": lambda: activation("Tanh"),
    "activation_relu": lambda: activation("ReLU"), "activation_gelu": lambda: activation("GELU"),
    "lr_constant": lambda: schedule("constant"), "lr_step_decay": lambda: schedule("decay"),
    "lr_plateau": lambda: schedule("plateau"),
    "augment_none": lambda: augmentation(False), "augment_shift": lambda: augmentation(True),
    "transfer_frozen": lambda: transfer("frozen"), "transfer_scratch": lambda: transfer("scratch"),
}

# Documented time limits (s), measured time in the comment; projects not listed are not written yet.
# Wall times measured while the 2 cores ran 10-16 other processes (load average 10-16); the CPU time of the run
# (both threads) is the better guide to an unloaded machine.
MORE_SECONDS: dict[str, int] = {
    "activation_sigmoid": 120,  # CPU 29 s (239 s wall under load)
    "activation_tanh": 120,  # CPU 24 s (126 s wall under load)
    "activation_relu": 120,  # CPU 23 s (156 s wall under load)
    "activation_gelu": 120,  # CPU 38 s (334 s wall under load)
    "lr_constant": 120,  # CPU 47 s (1233 s wall under load 15-23), training loss 0.0136
    "lr_step_decay": 120,  # CPU 42 s (723 s wall under load), training loss 0.0048
    "lr_plateau": 120,  # CPU 28 s (169 s wall under load), training loss 0.0031
    "augment_none": 300,  # 154 s wall at nice 19 beside the test suite; val accuracy 0.42
    "augment_shift": 300,  # 111 s wall at nice 19 beside the test suite; val accuracy 0.91
    "transfer_frozen": 600,  # 259 s wall at nice 19 beside the test suite; test accuracy 0.508
    "transfer_scratch": 600,  # about 250 s wall at nice 19 beside the test suite; test accuracy 0.258
}
