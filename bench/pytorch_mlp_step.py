#!/usr/bin/python3
"""PyTorch peer of `flowbench bench nn`: the identical MLP training step, timed the same way.

One step = forward of an MLP (input 40 -> hidden -> output 8, batch 256), MSE loss (mean over batch and outputs),
backward including dL/dx (the input requires grad, as the Java step computes the input VJP), and one Adam step
(lr 3e-4, betas (0.9, 0.999), eps 1e-8). Weights use Xavier/Glorot-uniform kernels and zero biases like the Java side.

Run with Debian's interpreter (python3-torch + libopenblas0-pthread), see bench/README.md:
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/pytorch_mlp_step.py [--steps 200] [--reps 7] [--warmup 200] [--warmup-seconds 1]
        [--sizes 3x256,4x512] [--activations relu,gelu] [--batch 256] [--threads 1]
torch.set_num_threads(1) is the default because OpenBLAS keeps its own threads; 2 torch threads oversubscribe 2 cores.
"""
import argparse
import os
import statistics
import time

import torch


def build(n_layers, width, act, in_dim, out_dim):
    layers, d = [], in_dim
    for _ in range(n_layers):
        layers += [torch.nn.Linear(d, width), torch.nn.ReLU() if act == "relu" else torch.nn.GELU(approximate="tanh")]
        d = width
    layers.append(torch.nn.Linear(d, out_dim))
    net = torch.nn.Sequential(*layers)
    for m in net:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    return net


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=200, help="steps per timed repetition")
    p.add_argument("--reps", type=int, default=7, help="timed repetitions (median and spread are reported)")
    p.add_argument("--warmup", type=int, default=200, help="untimed steps before timing (at least)")
    p.add_argument("--warmup-seconds", type=float, default=1.0, help="untimed seconds before timing (at least)")
    p.add_argument("--sizes", default="3x256,4x512", help="comma list of LAYERSxWIDTH")
    p.add_argument("--activations", default="relu,gelu")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    in_dim, out_dim = 40, 8
    print(f"pytorch {torch.__version__}, torch threads {torch.get_num_threads()}, cores {os.cpu_count()}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    # Debian's torch links the generic libblas.so.3; the alternatives system decides which BLAS that is
    blas = "?"
    for cand in ("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/libblas.so.3"):
        if os.path.exists(cand):
            blas = os.path.realpath(cand)
            break
    print(f"libblas.so.3 -> {blas}" + ("" if "openblas" in blas else "  (NOT OpenBLAS: install libopenblas0-pthread)"))
    for size in a.sizes.split(","):
        n_layers, width = (int(v) for v in size.lower().split("x"))
        for act in a.activations.split(","):
            net = build(n_layers, width, act, in_dim, out_dim)
            opt = torch.optim.Adam(net.parameters(), lr=3e-4, betas=(0.9, 0.999), eps=1e-8)
            x = torch.randn(a.batch, in_dim, requires_grad=True)
            y = torch.randn(a.batch, out_dim)

            def step():
                opt.zero_grad(set_to_none=False)
                if x.grad is not None:
                    x.grad.zero_()
                loss = torch.nn.functional.mse_loss(net(x), y)
                loss.backward()
                opt.step()
                return loss

            t0, i = time.perf_counter(), 0
            while i < a.warmup or time.perf_counter() - t0 < a.warmup_seconds:
                step()
                i += 1
            rates, cpu_rates = [], []
            for _ in range(a.reps):
                c0, t0 = time.process_time(), time.perf_counter()
                for _ in range(a.steps):
                    step()
                t1, c1 = time.perf_counter(), time.process_time()
                rates.append(a.steps / (t1 - t0))
                cpu_rates.append(a.steps / (c1 - c0) if c1 > c0 else float("nan"))
            rates.sort()
            print(f"nn step {n_layers}x{width} {act:4s} batch {a.batch} in {in_dim} out {out_dim}: "
                  f"median {statistics.median(rates):7.1f} steps/s  (min {rates[0]:7.1f}, max {rates[-1]:7.1f}, "
                  f"{a.reps} reps x {a.steps} steps); per process CPU-second: median {statistics.median(cpu_rates):7.1f}")


if __name__ == "__main__":
    main()
