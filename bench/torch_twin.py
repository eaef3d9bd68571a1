"""The torch twin of a model prune-run built, from its layer list (bench/cases/models.ts writes it).

The bench's larger models (a VGG-style Sequential, the built-in ResNet and MobileNet) are described
as plain data: each layer's kind, what it reads and its settings. Building the torch model from the
same list, instead of writing each twin by hand, keeps the two sides the same architecture by
construction; the port check (logits of the initial weights on a few images) proves it.

TF.js differs from torch in three places that matter here, each handled where the layer is made:
- 'same' padding with stride 2 pads only bottom/right when the total is odd (TF's rule), so such
  a conv gets an explicit F.pad instead of torch's symmetric `padding`;
- Keras's batch-norm momentum weighs the old statistics (0.9), torch's the new batch (0.1);
- TF.js flattens (h, w, c) and torch (c, h, w): the dense kernel after a flatten has its rows
  reordered when the weights are ported.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def _same_pads(size, kernel, stride):
    """TF's 'same' padding along one axis: (before, after)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class TwinLayer(nn.Module):
    """One layer of the list: a module (or none) and the function that applies it."""

    def __init__(self, spec, module, apply):
        super().__init__()
        self.spec = spec
        self.inner = module if module is not None else nn.Identity()
        self.apply_fn = apply

    def forward(self, *xs):
        return self.apply_fn(self.inner, *xs)


def _conv_apply(pads, activation):
    def apply(conv, x):
        if pads is not None:
            x = F.pad(x, pads)
        x = conv(x)
        return F.relu(x) if activation == "relu" else x
    return apply


class Twin(nn.Module):
    """Runs the layer list in order; each layer reads the outputs it names."""

    def __init__(self, layers):
        super().__init__()
        self.specs = layers
        self.steps = nn.ModuleDict()
        # shape (c, h, w) of every layer's output, to size convs and find flatten orders.
        self.shapes = {}
        self.flatten_from = {}
        for spec in layers:
            self._add(spec)
        self.output = layers[-1]["name"]

    def _add(self, spec):
        kind, name = spec["kind"], spec["name"]
        if kind == "input":
            h, w, c = spec["shape"]
            self.shapes[name] = (c, h, w)
            return
        source = spec["inputs"][0] if kind == "add" else spec["input"]
        shape = self.shapes[source]
        c, h, w = shape if len(shape) == 3 else (shape[0], 1, 1)
        module, apply = None, None
        if kind in ("conv", "depthwise"):
            k, s = spec["kernelSize"], spec["strides"]
            groups = c if kind == "depthwise" else 1
            out = c if kind == "depthwise" else spec["filters"]
            padding, pads = 0, None
            if spec.get("padding", "same") == "same":
                ph, pw = _same_pads(h, k, s), _same_pads(w, k, s)
                if ph[0] == ph[1] and pw[0] == pw[1]:
                    padding = (ph[0], pw[0])
                else:
                    pads = (pw[0], pw[1], ph[0], ph[1])
                oh, ow = math.ceil(h / s), math.ceil(w / s)
            else:
                oh, ow = (h - k) // s + 1, (w - k) // s + 1
            module = nn.Conv2d(c, out, k, stride=s, padding=padding, groups=groups, bias=spec.get("useBias", False))
            apply = _conv_apply(pads, spec.get("activation"))
            shape = (out, oh, ow)
        elif kind == "batch_norm":
            module = nn.BatchNorm2d(c, eps=spec["epsilon"], momentum=1 - spec["momentum"])
            apply = lambda m, x: m(x)
        elif kind == "relu":
            apply = lambda m, x: F.relu(x)
        elif kind == "relu6":
            apply = lambda m, x: F.relu6(x)
        elif kind == "add":
            apply = lambda m, *xs: sum(xs[1:], xs[0])
        elif kind == "global_average_pool":
            apply = lambda m, x: x.mean((2, 3))
            shape = (c,)
        elif kind == "max_pool":
            p = spec["poolSize"]
            apply = lambda m, x: F.max_pool2d(x, p)
            shape = (c, h // p, w // p)
        elif kind == "flatten":
            apply = lambda m, x: torch.flatten(x, 1)
            shape = (c * h * w,)
            self.flatten_from[name] = (h, w, c)
        elif kind == "dropout":
            module = nn.Dropout(spec["rate"])
            apply = lambda m, x: m(x)
        elif kind == "dense":
            module = nn.Linear(shape[0], spec["units"])
            act = spec.get("activation")
            apply = lambda m, x: F.relu(m(x)) if act == "relu" else m(x)
            shape = (spec["units"],)
        else:
            raise ValueError(f"the torch twin has no layer kind '{kind}' (layer {name})")
        self.shapes[name] = shape
        self.steps[name] = TwinLayer(spec, module, apply)

    def forward(self, x):
        outputs = {}
        for spec in self.specs:
            name = spec["name"]
            if spec["kind"] == "input":
                outputs[name] = x
                continue
            reads = spec["inputs"] if spec["kind"] == "add" else [spec["input"]]
            outputs[name] = self.steps[name](*[outputs[r] for r in reads])
        return outputs[self.output]

    def load_tfjs(self, weights):
        """Ports TF.js weights ({"layer/param": array in TF.js layout}) into this twin."""
        state = {}
        for spec in self.specs:
            name, kind = spec["name"], spec["kind"]
            prefix = f"steps.{name}.inner."
            get = lambda param: weights[f"{name}/{param}"]
            if kind == "conv":
                state[prefix + "weight"] = get("kernel").transpose(3, 2, 0, 1)  # HWIO -> OIHW
                if spec.get("useBias", False):
                    state[prefix + "bias"] = get("bias")
            elif kind == "depthwise":
                state[prefix + "weight"] = get("depthwise_kernel").transpose(2, 3, 0, 1)  # [kh,kw,C,1] -> [C,1,kh,kw]
            elif kind == "batch_norm":
                for tf_name, torch_name in (("gamma", "weight"), ("beta", "bias"), ("moving_mean", "running_mean"), ("moving_variance", "running_var")):
                    state[prefix + torch_name] = get(tf_name)
            elif kind == "dense":
                kernel = get("kernel")
                source = self.flatten_from.get(spec["input"])
                if source is not None:
                    h, w, c = source
                    kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(c * h * w, -1)
                state[prefix + "weight"] = kernel.T
                state[prefix + "bias"] = get("bias")
        own = self.state_dict()
        missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
        if missing:
            raise ValueError(f"no TF.js weights for {missing}")
        for k, v in state.items():
            own[k] = torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
        self.load_state_dict(own)

    def kernels(self):
        """(module, 'weight') of every conv and dense layer: what a global L1 step over `*kernel` prunes."""
        return [(self.steps[s["name"]].inner, "weight") for s in self.specs if s["kind"] in ("conv", "depthwise", "dense")]
