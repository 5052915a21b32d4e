"""PyTorch CPU on the cases of `npm run bench` (run beside it; Debian's python3-torch,
installed by `bash bench/setup_torch.sh`). Prints each case's median time, as bench/run.ts
measures jaxts: matmul f32 1024^3, tanh(x*2+1)*x on 1e6 f32, an MLP 784-256-10 batch-128
SGD train step (softmax cross-entropy), and one op on 1-element tensors.

    /usr/bin/python3 bench/torch_peer.py [--threads 2]
"""
import argparse
import statistics
import time

import torch


def median_time(fn, budget=2.0, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    end = time.perf_counter() + budget
    while time.perf_counter() < end or len(times) < 5:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    t = median_time(lambda: a @ b)
    print(f"matmul f32 1024^3: {2 * n**3 / t / 1e9:.1f} GFLOP/s")

    x = torch.randn(1_000_000)
    t = median_time(lambda: torch.tanh(x * 2 + 1) * x)
    print(f"tanh(x*2+1)*x, 1e6 f32: {t * 1e6:.1f} us")

    w1 = (torch.randn(784, 256) * 0.05).requires_grad_()
    b1 = torch.zeros(256, requires_grad=True)
    w2 = (torch.randn(256, 10) * 0.05).requires_grad_()
    b2 = torch.zeros(10, requires_grad=True)
    xb, yb = torch.randn(128, 784), torch.randint(0, 10, (128,))
    params = [w1, b1, w2, b2]

    def step():
        h = torch.relu(xb @ w1 + b1)
        loss = torch.nn.functional.cross_entropy(h @ w2 + b2, yb)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= 0.01 * g

    t = median_time(step)
    print(f"MLP 784-256-10 batch 128, train step: {t * 1e3:.3f} ms")

    ta, tb = torch.tensor([1.5]), torch.tensor([2.5])
    t = median_time(lambda: [torch.add(ta, tb) for _ in range(1000)]) / 1000
    print(f"one op on a 1-element tensor, eager: {t * 1e6:.2f} us")
    print(f"torch {torch.__version__}, {args.threads} threads")


if __name__ == "__main__":
    main()
