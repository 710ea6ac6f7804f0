#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: the NAS-Bench-201 supernet (same skeleton as
src/supernet) trained with single-path one-shot (SPOS) steps (SGD, Nesterov momentum 0.9,
weight decay 5e-4, gradient clipping at norm 5, as src/train/step.ts) and evaluated per
sub-network (eval mode, no gradients).

Reads a JSON job (or a list of jobs) on stdin and prints one JSON result line (or list):
  {"channels":16,"cellsPerStage":5,"inputChannels":3,"classes":10,"imageSize":32,
   "batch":64,"evalBatch":256,"threads":2,"trainSteps":10,"evalSteps":5,"warmup":3,
   "archs":[["nor_conv_3x3", ...6 ops], ...],"layouts":["channels_last","nchw"]}
Result: {"torch": version, "threads": n, "results": [{"layout":..., "threads":...,
          "trainImagesPerSec":..., "evalImagesPerSec":..., "trainStepMs":[...], "evalStepMs":[...],
          "trainCpuSeconds":..., "evalCpuSeconds":..., "startRssMiB":..., "peakRssMiB":...}]}
CPU seconds are time.process_time() (all threads of the process); peakRssMiB is the process's
peak resident memory (getrusage), so the benchmark runs one job and one layout per process.
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


class ReLUConvBN(nn.Module):
    def __init__(self, cin, cout, k, stride, pad):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, bias=False)
        self.bn = nn.BatchNorm2d(cout, affine=True, track_running_stats=True)

    def forward(self, x):
        return self.bn(self.conv(F.relu(x)))


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a = ReLUConvBN(cin, cout, 3, 2, 1)
        self.b = ReLUConvBN(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1, 1, 0, bias=False)

    def forward(self, x):
        return self.b(self.a(x)) + self.shortcut(F.avg_pool2d(x, 2, 2))


class Cell(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleDict({"nor_conv_1x1": ReLUConvBN(c, c, 1, 1, 0), "nor_conv_3x3": ReLUConvBN(c, c, 3, 1, 1)})
            for _ in EDGES
        )

    def forward(self, x, arch):
        nodes = [x]
        for j in range(1, 4):
            acc = None
            for e, (i, to) in enumerate(EDGES):
                if to != j or arch[e] == "none":
                    continue
                op = arch[e]
                h = nodes[i]
                if op == "skip_connect":
                    y = h
                elif op == "avg_pool_3x3":
                    y = F.avg_pool2d(h, 3, 1, 1, count_include_pad=False)
                else:
                    y = self.edges[e][op](h)
                acc = y if acc is None else acc + y
            nodes.append(acc if acc is not None else torch.zeros_like(x))
        return nodes[3]


class Supernet(nn.Module):
    def __init__(self, c, n, cin, classes):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(cin, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        self.stages = nn.ModuleList()
        self.reductions = nn.ModuleList()
        for s in range(3):
            width = c * 2**s
            self.stages.append(nn.ModuleList(Cell(width) for _ in range(n)))
            if s < 2:
                self.reductions.append(ResBlock(width, width * 2))
        self.head_bn = nn.BatchNorm2d(c * 4)
        self.classifier = nn.Linear(c * 4, classes)

    def forward(self, x, arch):
        h = self.stem(x)
        for s, cells in enumerate(self.stages):
            for cell in cells:
                h = cell(h, arch)
            if s < 2:
                h = self.reductions[s](h)
        h = F.relu(self.head_bn(h))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def peak_rss_mib():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mib():
    """Resident memory now (VmRSS), or None where /proc is missing."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def run(job, layout):
    start_rss = rss_mib()
    torch.manual_seed(0)
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    net = Supernet(job["channels"], job["cellsPerStage"], job["inputChannels"], job["classes"])
    net = net.to(memory_format=fmt)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
    size = job["imageSize"]
    b = job["batch"]
    x = torch.randn(b, job["inputChannels"], size, size).to(memory_format=fmt)
    y = torch.randint(0, job["classes"], (b,))
    archs = job["archs"]
    k = 0

    def train_step():
        nonlocal k
        arch = archs[k % len(archs)]
        k += 1
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x, arch), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        return float(loss)

    net.train()
    for _ in range(job["warmup"]):
        train_step()
    step_ms = []
    c0 = time.process_time()
    for _ in range(job["trainSteps"]):
        t = time.perf_counter()
        train_step()
        step_ms.append((time.perf_counter() - t) * 1000)
    train_cpu_s = time.process_time() - c0

    eb = job["evalBatch"]
    eval_ms = []
    eval_cpu_s = 0.0
    # evalSteps 0: no evaluation at all (no eval-batch activations in the peak memory either).
    if job["evalSteps"] > 0:
        xe = torch.randn(eb, job["inputChannels"], size, size).to(memory_format=fmt)
        net.eval()
        c0 = time.process_time()
        with torch.no_grad():
            for i in range(job["warmup"] + job["evalSteps"]):
                t = time.perf_counter()
                net(xe, archs[i % len(archs)]).sum().item()
                if i >= job["warmup"]:
                    eval_ms.append((time.perf_counter() - t) * 1000)
        eval_cpu_s = time.process_time() - c0
    return {
        "layout": layout,
        "threads": torch.get_num_threads(),
        "startRssMiB": start_rss,
        "trainCpuSeconds": train_cpu_s,
        "evalCpuSeconds": eval_cpu_s,
        "trainStepMs": step_ms,
        "evalStepMs": eval_ms,
        "trainImagesPerSec": b * len(step_ms) / (sum(step_ms) / 1000) if step_ms else 0.0,
        "evalImagesPerSec": eb * len(eval_ms) / (sum(eval_ms) / 1000) if eval_ms else 0.0,
        "peakRssMiB": peak_rss_mib(),
    }


def run_job(job):
    torch.set_num_threads(job["threads"])
    results = [run(job, layout) for layout in job.get("layouts", ["channels_last", "nchw"])]
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}


def main():
    job = json.load(sys.stdin)
    # A list of jobs runs them in turn in this process and prints a list of results.
    out = [run_job(j) for j in job] if isinstance(job, list) else run_job(job)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
