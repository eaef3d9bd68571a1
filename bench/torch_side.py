"""PyTorch side of `npm run bench`: python3 torch_side.py <case> '<params JSON>'.

Runs one case once, on the files the driver prepared (see bench/common.ts, FILES), and prints its
result as one line `BENCH_RESULT {...}`. Cases:
  info      versions, threads, and a check that the ported initial LeNet gives TF.js's logits
  lenet     cases 1 and 4: train LeNet, then evaluate on the test split
  finetune  case 2: fine-tune a 90%-pruned LeNet with torch.nn.utils.prune's reparametrisation
            (masked) and after prune.remove (unmasked)
  global    case 3: prune.global_unstructured(L1) at 90% then 50% over six 2048x2048 weights
  model     case 5: train a larger model (its twin built from prune-run's layer list), prune
            half of its kernels' weights with global L1 and fine-tune it masked
Every training loop does what prune-run's trainEpochs does per step: forward, mean softmax
cross-entropy, backward, Adam step, and reading back the loss and the number of correct answers.
"""
import gc
import json
import os
import platform
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune

from torch_twin import Twin

RESULT_PREFIX = "BENCH_RESULT "
IMAGE = 28 * 28
# Same names, order and TF.js layouts as LENET_WEIGHTS in bench/common.ts.
LENET_WEIGHTS = [
    ("conv1/kernel", (3, 3, 1, 6)), ("conv1/bias", (6,)),
    ("conv2/kernel", (3, 3, 6, 16)), ("conv2/bias", (16,)),
    ("fc1/kernel", (400, 120)), ("fc1/bias", (120,)),
    ("fc2/kernel", (120, 84)), ("fc2/bias", (84,)),
    ("fc3/kernel", (84, 10)), ("fc3/bias", (10,)),
]
PORT_CHECK_IMAGES = 16
# torch's own choice of intra-op threads on this machine, before the bench sets it.
DEFAULT_THREADS = torch.get_num_threads()


class LeNet(nn.Module):
    """The seed's LeNet: conv 1->6 3x3, relu, maxpool 2, conv 6->16 3x3, relu, maxpool 2, 400, 120, 84, 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def path(p, name):
    return os.path.join(p["dir"], name)


def load_split(p, which):
    count = p["trainSize"] if which == "train" else p["testSize"]
    images = np.fromfile(path(p, f"{which}_images.f32"), dtype="<f4")
    labels = np.fromfile(path(p, f"{which}_labels.u8"), dtype=np.uint8)
    assert images.size == count * IMAGE and labels.size == count, f"{which} split has the wrong size"
    # NHWC with C = 1 is NCHW with C = 1: same bytes.
    return torch.from_numpy(images.reshape(count, 1, 28, 28).copy()), torch.from_numpy(labels.astype(np.int64))


def lenet_from_export(p):
    """The initial LeNet TF.js built, ported to torch layouts."""
    flat = np.fromfile(path(p, "lenet_init.f32"), dtype="<f4")
    weights, offset = {}, 0
    for name, shape in LENET_WEIGHTS:
        size = int(np.prod(shape))
        weights[name] = flat[offset:offset + size].reshape(shape)
        offset += size
    assert offset == flat.size, "lenet_init.f32 has the wrong size"
    conv = lambda k: k.transpose(3, 2, 0, 1)  # [kh, kw, in, out] -> [out, in, kh, kw]
    # TF.js flattens [5, 5, 16] (h, w, c); torch flattens [16, 5, 5] (c, h, w).
    fc1 = weights["fc1/kernel"].reshape(5, 5, 16, 120).transpose(3, 2, 0, 1).reshape(120, 400)
    state = {
        "conv1.weight": conv(weights["conv1/kernel"]), "conv1.bias": weights["conv1/bias"],
        "conv2.weight": conv(weights["conv2/kernel"]), "conv2.bias": weights["conv2/bias"],
        "fc1.weight": fc1, "fc1.bias": weights["fc1/bias"],
        "fc2.weight": weights["fc2/kernel"].T, "fc2.bias": weights["fc2/bias"],
        "fc3.weight": weights["fc3/kernel"].T, "fc3.bias": weights["fc3/bias"],
    }
    model = LeNet()
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    return model


def adam(p, model):
    # TF.js's tf.train.adam(lr) uses beta 0.9/0.999 and epsilon 1e-7 (torch's default is 1e-8).
    return torch.optim.Adam(model.parameters(), lr=p["learningRate"], betas=(0.9, 0.999), eps=1e-7)


def train(p, model, images, labels, orders, epochs):
    """trainEpochs' loop; returns (seconds, mean loss of the last epoch)."""
    opt = adam(p, model)
    batch = p["batchSize"]
    count = labels.shape[0]
    model.train()
    started = time.perf_counter()
    loss_mean = float("nan")
    for e in range(epochs):
        order = orders[e]
        loss_sum, correct = 0.0, 0
        for start in range(0, count, batch):
            idx = order[start:start + batch]
            x, y = images[idx], labels[idx]
            opt.zero_grad(set_to_none=True)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * idx.shape[0]
            correct += int((logits.argmax(1) == y).sum().item())
        loss_mean = loss_sum / count
    return time.perf_counter() - started, loss_mean


def evaluate(model, images, labels, batch=500):
    """evaluate()'s loop: batches of 500, summed cross-entropy and hits."""
    model.eval()
    loss_sum, hits = 0.0, 0
    with torch.no_grad():
        for start in range(0, labels.shape[0], batch):
            x, y = images[start:start + batch], labels[start:start + batch]
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            hits += int((logits.argmax(1) == y).sum().item())
    model.train()
    n = labels.shape[0]
    return loss_sum / n, hits / n


def load_orders(p):
    orders = np.fromfile(path(p, "orders.u32"), dtype="<u4").astype(np.int64)
    return torch.from_numpy(orders.reshape(p["epochs"], p["trainSize"]))


def warm_up(p, make_model, images, labels):
    steps = p["warmupSteps"]
    if steps <= 0:
        return
    n = min(steps * p["batchSize"], labels.shape[0])
    model = make_model()
    train(p, model, images[:n], labels[:n], [torch.arange(n)], 1)


def port_check(p):
    """Largest |logit difference| between TF.js's initial LeNet and its port here; None without LeNet files."""
    if not os.path.exists(path(p, "lenet_init.f32")):
        return None
    model = lenet_from_export(p)
    images, _ = load_split(p, "test")
    expected = np.fromfile(path(p, "lenet_init_logits.f32"), dtype="<f4").reshape(PORT_CHECK_IMAGES, 10)
    model.eval()
    with torch.no_grad():
        got = model(images[:PORT_CHECK_IMAGES]).numpy()
    return float(np.abs(got - expected).max())


def case_info(p):
    return {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "threads": torch.get_num_threads(),
        "defaultThreads": DEFAULT_THREADS,
        "interopThreads": torch.get_num_interop_threads(),
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
        "parallelInfo": [line for line in torch.__config__.parallel_info().splitlines() if line.strip()][:8],
        "portCheckMaxAbsLogitDiff": port_check(p),
    }


def case_lenet(p):
    train_x, train_y = load_split(p, "train")
    test_x, test_y = load_split(p, "test")
    orders = load_orders(p)
    warm_up(p, lambda: lenet_from_export(p), train_x, train_y)
    model = lenet_from_export(p)
    seconds, loss = train(p, model, train_x, train_y, orders, p["epochs"])
    images = p["epochs"] * p["trainSize"]
    test_loss, accuracy = evaluate(model, test_x, test_y)  # also the untimed eval warm-up
    eval_seconds = []
    for _ in range(p["evalPasses"]):
        t = time.perf_counter()
        evaluate(model, test_x, test_y)
        eval_seconds.append(time.perf_counter() - t)
    return {
        "threads": torch.get_num_threads(),
        "steps": p["epochs"] * -(-p["trainSize"] // p["batchSize"]),
        "images": images,
        "trainSeconds": seconds,
        "trainImagesPerSecond": images / seconds,
        "finalTrainLoss": loss,
        "testAccuracy": accuracy,
        "testLoss": test_loss,
        "evalSeconds": eval_seconds,
        "evalImagesPerSecond": p["evalPasses"] * p["testSize"] / sum(eval_seconds),
    }


def pruned_lenet(p, masked):
    model = lenet_from_export(p)
    params = [(model.conv1, "weight"), (model.conv2, "weight"), (model.fc1, "weight"), (model.fc2, "weight"), (model.fc3, "weight")]
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=p["finetuneAmount"])
    masks = [m.weight_mask.clone() for m, _ in params]
    if not masked:
        for m, name in params:
            prune.remove(m, name)  # weights stay pruned once, nothing keeps them at zero
    return model, params, masks


def case_finetune(p):
    train_x, train_y = load_split(p, "train")
    orders = load_orders(p)
    warm_up(p, lambda: pruned_lenet(p, True)[0], train_x, train_y)
    result = {"threads": torch.get_num_threads(), "order": p["finetuneOrder"]}
    runs = {"masked": [], "unmasked": []}
    for variant in p["finetuneOrder"]:
        model, params, masks = pruned_lenet(p, variant == "masked")
        seconds, loss = train(p, model, train_x, train_y, orders, p["epochs"])
        runs[variant].append(seconds)
        revived = sum(int(((mask == 0) & (getattr(m, name) != 0)).sum().item()) for (m, name), mask in zip(params, masks))
        total = sum(mask.numel() for mask in masks)
        zeros = sum(int((mask == 0).sum().item()) for mask in masks)
        best = min(runs[variant])  # noise (another process, a preempted vCPU) only adds time
        result[variant] = {
            "seconds": best,
            "runs": runs[variant],
            "imagesPerSecond": p["epochs"] * p["trainSize"] / best,
            "sparsity": zeros / total,
            "prunedEntriesNonZeroAfter": revived,
            "finalTrainLoss": loss,
        }
    return result


class PeakMeter:
    """Peak RSS per phase: VmHWM reset through /proc/self/clear_refs, else ru_maxrss."""

    def __init__(self):
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.resettable = self._status_kb("VmHWM") is not None
        except OSError:
            self.resettable = False
        self.method = "VmHWM reset via /proc/self/clear_refs" if self.resettable else "getrusage ru_maxrss (not resettable)"

    @staticmethod
    def _status_kb(field):
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def start(self):
        if self.resettable:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        kb = self._status_kb("VmRSS")
        return kb * 1024 if kb is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def peak(self):
        if self.resettable:
            kb = self._status_kb("VmHWM")
            if kb is not None:
                return kb * 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def case_global(p):
    meter = PeakMeter()
    count, side = p["bigCount"], p["bigSide"]
    flat = np.fromfile(path(p, "big_weights.f32"), dtype="<f4")
    assert flat.size == count * side * side, "big_weights.f32 has the wrong size"
    all_weights = torch.from_numpy(flat)
    modules = []
    for i in range(count):
        m = torch.nn.utils.skip_init(nn.Linear, side, side, bias=False)
        m.weight = nn.Parameter(all_weights[i * side * side:(i + 1) * side * side].view(side, side))
        modules.append(m)
    params = [(m, "weight") for m in modules]
    passes = []
    for index, amount in enumerate(p["bigAmounts"]):
        gc.collect()
        base = meter.start()
        t = time.perf_counter()
        prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=amount)
        seconds = time.perf_counter() - t
        peak = meter.peak()
        zeros = sum(int((m.weight_mask == 0).sum().item()) for m in modules)
        passes.append({
            "amount": amount,
            "seconds": seconds,
            "peakExtraMB": (peak - base) / 2**20,
            "zeros": zeros,
            "sparsity": zeros / (count * side * side),
        })
        if p["dumpMasks"]:
            masks = torch.cat([m.weight_mask.reshape(-1) for m in modules]).to(torch.uint8).numpy()
            masks.tofile(path(p, f"masks_torch_pass{index + 1}.u8"))
    return {
        "threads": torch.get_num_threads(),
        "parameters": count * side * side,
        "weightsMB": count * side * side * 4 / 2**20,
        "memoryMethod": meter.method,
        "passes": passes,
    }


def model_split(p, which):
    count = p["modelTrainSize"] if which == "train" else p["modelTestSize"]
    images = np.fromfile(path(p, f"fashion_{which}_images.f32"), dtype="<f4")
    labels = np.fromfile(path(p, f"fashion_{which}_labels.u8"), dtype=np.uint8)
    assert images.size == count * IMAGE and labels.size == count, f"fashion {which} split has the wrong size"
    return torch.from_numpy(images.reshape(count, 1, 28, 28).copy()), torch.from_numpy(labels.astype(np.int64))


def model_twin(p):
    """The case's model, built from prune-run's layer list and given its initial weights."""
    name = p["model"]
    with open(path(p, f"model_{name}.json")) as f:
        spec = json.load(f)
    flat = np.fromfile(path(p, f"model_{name}_init.f32"), dtype="<f4")
    weights, offset = {}, 0
    for w in spec["weights"]:
        size = int(np.prod(w["shape"]))
        weights[w["name"]] = flat[offset:offset + size].reshape(w["shape"])
        offset += size
    assert offset == flat.size, f"model_{name}_init.f32 has the wrong size"
    twin = Twin(spec["layers"])
    twin.load_tfjs(weights)
    return twin


def case_model(p):
    meter = PeakMeter()
    meter.start()
    train_x, train_y = model_split(p, "train")
    test_x, test_y = model_split(p, "test")
    orders = torch.from_numpy(np.fromfile(path(p, "model_orders.u32"), dtype="<u4").astype(np.int64))
    orders = orders.reshape(-1, p["modelTrainSize"])
    epochs, batch = p["modelEpochs"], p["modelBatchSize"]
    q = dict(p, batchSize=batch, warmupSteps=p["modelWarmupSteps"])
    warm_up(q, lambda: model_twin(p), train_x, train_y)

    model = model_twin(p)
    model.eval()
    with torch.no_grad():
        got = model(test_x[:PORT_CHECK_IMAGES]).numpy()
    expected = np.fromfile(path(p, f"model_{p['model']}_logits.f32"), dtype="<f4").reshape(got.shape)
    port = float(np.abs(got - expected).max())

    seconds, loss = train(q, model, train_x, train_y, orders[:epochs], epochs)
    _, accuracy = evaluate(model, test_x, test_y)
    prune.global_unstructured(model.kernels(), pruning_method=prune.L1Unstructured, amount=p["modelFinetuneAmount"])
    _, pruned_accuracy = evaluate(model, test_x, test_y)
    tune_seconds, tune_loss = train(q, model, train_x, train_y, orders[epochs:], p["modelFinetuneEpochs"])
    _, tuned_accuracy = evaluate(model, test_x, test_y)
    images = epochs * p["modelTrainSize"]
    return {
        "threads": torch.get_num_threads(),
        "model": p["model"],
        "parameters": sum(t.numel() for t in model.parameters()),
        "portCheckMaxAbsLogitDiff": port,
        "trainSeconds": seconds,
        "trainImagesPerSecond": images / seconds,
        "finalTrainLoss": loss,
        "testAccuracy": accuracy,
        "prunedAccuracy": pruned_accuracy,
        "finetuneSeconds": tune_seconds,
        "finetuneImagesPerSecond": p["modelFinetuneEpochs"] * p["modelTrainSize"] / tune_seconds,
        "finetuneLoss": tune_loss,
        "finetunedAccuracy": tuned_accuracy,
        "peakRssMB": meter.peak() / 2**20,
        "memoryMethod": meter.method,
    }


def main():
    which, params = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(params["torchThreads"])
    torch.manual_seed(params["modelSeed"])
    cases = {"info": case_info, "lenet": case_lenet, "finetune": case_finetune, "global": case_global, "model": case_model}
    result = cases[which](params)
    sys.stdout.write("\n" + RESULT_PREFIX + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
