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

    # The CNN train step: conv3x3(16)-relu-maxpool2-conv3x3(32)-relu-maxpool2-dense(10),
    # "same" padding, batch 64 of 28x28x1 (NCHW, PyTorch's layout), softmax cross-entropy, SGD.
    F = torch.nn.functional
    cw1 = (torch.randn(16, 1, 3, 3) * 0.3).requires_grad_()
    cb1 = torch.zeros(16, requires_grad=True)
    cw2 = (torch.randn(32, 16, 3, 3) * 0.1).requires_grad_()
    cb2 = torch.zeros(32, requires_grad=True)
    cw3 = (torch.randn(32 * 49, 10) * 0.05).requires_grad_()
    cb3 = torch.zeros(10, requires_grad=True)
    cx, cy = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    cnn = [cw1, cb1, cw2, cb2, cw3, cb3]

    def cnn_step():
        h = F.max_pool2d(torch.relu(F.conv2d(cx, cw1, cb1, padding=1)), 2)
        h = F.max_pool2d(torch.relu(F.conv2d(h, cw2, cb2, padding=1)), 2)
        loss = F.cross_entropy(h.flatten(1) @ cw3 + cb3, cy)
        grads = torch.autograd.grad(loss, cnn)
        with torch.no_grad():
            for p, g in zip(cnn, grads):
                p -= 0.01 * g

    t = median_time(cnn_step)
    print(f"CNN conv3x3(16)-pool-conv3x3(32)-pool-dense batch 64, train step: {t * 1e3:.3f} ms")

    # The RNN: h = tanh(x W + h U + b) over 50 steps, batch 32, input 32, hidden 128;
    # loss mean(hs^2); value and grads of W, U, b.
    rw = (torch.randn(32, 128) * 0.1).requires_grad_()
    ru = (torch.randn(128, 128) * 0.05).requires_grad_()
    rb = torch.zeros(128, requires_grad=True)
    rxs = torch.rand(50, 32, 32) * 2 - 1

    def rnn_grad():
        h, hs = torch.zeros(32, 128), []
        for t in range(50):
            h = torch.tanh(rxs[t] @ rw + h @ ru + rb)
            hs.append(h)
        hs = torch.stack(hs)
        loss = (hs * hs).mean()
        return loss, torch.autograd.grad(loss, [rw, ru, rb])

    t = median_time(rnn_grad)
    print(f"RNN scan T=50 batch 32 in 32 hidden 128, value+grad: {t * 1e3:.3f} ms")

    # The transformer block: pre-LN, causal 4-head attention, GELU (tanh) MLP 4x;
    # seq 128, width 256, batch 16; loss mean(out^2); forward + backward.
    F = torch.nn.functional
    W, B, S, H = 256, 16, 128, 4
    tp = [(torch.randn(*s) * 0.05).requires_grad_() for s in
          [(W, W), (W, W), (W, W), (W, W), (W, 4 * W), (4 * W,), (4 * W, W), (W,)]]
    tx = torch.rand(B, S, W) * 2 - 1
    causal = torch.ones(S, S, dtype=torch.bool).tril()

    def tfm_grad():
        wq, wk, wv, wo, w1, b1, w2, b2 = tp
        a = F.layer_norm(tx, (W,))
        q, k, v = [(a @ w).view(B, S, H, W // H).transpose(1, 2) for w in (wq, wk, wv)]
        s = (q @ k.transpose(-1, -2)) / (W // H) ** 0.5
        att = torch.softmax(s.masked_fill(~causal, -1e9), -1)
        h = tx + (att @ v).transpose(1, 2).reshape(B, S, W) @ wo
        out = h + F.gelu(F.layer_norm(h, (W,)) @ w1 + b1, approximate="tanh") @ w2 + b2
        loss = (out * out).mean()
        return loss, torch.autograd.grad(loss, tp)

    t = median_time(tfm_grad)
    print(f"transformer block seq 128 width 256 4 heads batch 16, fwd+bwd: {t * 1e3:.3f} ms")

    ta, tb = torch.tensor([1.5]), torch.tensor([2.5])
    t = median_time(lambda: [torch.add(ta, tb) for _ in range(1000)]) / 1000
    print(f"one op on a 1-element tensor, eager: {t * 1e6:.2f} us")
    print(f"torch {torch.__version__}, {args.threads} threads")


if __name__ == "__main__":
    main()
