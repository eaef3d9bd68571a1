"""torch's side of scripts/gemm-ceiling.mjs: the convolutions of ResNet-8 (forward, input gradient,
filter gradient) timed warm at 1 and 2 threads, at the shapes the script sends on stdin as JSON:

    {"batch": 128, "layers": [{"name", "h", "w", "ci", "co", "k", "stride"}, ...], "repeats": 5}

Prints one JSON line: {"threads": {"1": {layer: {"forward": ms, "input": ms, "filter": ms}}, "2": ...},
"torch": version}. Each time is the best of `repeats` means over enough calls to take ~50 ms: what
torch does at best, as the wasm side measures its own. Run it with MALLOC_MMAP_THRESHOLD_ and
MALLOC_TRIM_THRESHOLD_ raised (the script does), as bench/run.ts runs warm torch.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def best_ms(fn, repeats):
    fn()
    fn()
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    calls = max(1, int(0.05 / max(once, 1e-6)))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1000


def layer_times(batch, layer, repeats):
    k, stride, ci, co = layer["k"], layer["stride"], layer["ci"], layer["co"]
    pad = k // 2  # TF's 'same' for odd k at stride 1; at stride 2 on even sizes TF pads (0, 1), same MACs
    x = torch.randn(batch, ci, layer["h"], layer["w"])
    w = torch.randn(co, ci, k, k)
    y = F.conv2d(x, w, stride=stride, padding=pad)
    dy = torch.randn_like(y)

    def backward(mask):
        return torch.ops.aten.convolution_backward(dy, x, w, None, [stride, stride], [pad, pad], [1, 1], False, [0, 0], 1, mask)

    with torch.no_grad():
        return {
            "forward": best_ms(lambda: F.conv2d(x, w, stride=stride, padding=pad), repeats),
            "input": best_ms(lambda: backward([True, False, False]), repeats),
            "filter": best_ms(lambda: backward([False, True, False]), repeats),
        }


def main():
    spec = json.load(sys.stdin)
    out = {"torch": torch.__version__, "threads": {}}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        out["threads"][str(threads)] = {layer["name"]: layer_times(spec["batch"], layer, spec["repeats"]) for layer in spec["layers"]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
