"""OGBench's own Python loop, the peer of `flowbench bench ogbench-env` (env steps per second through the bridge).

    .venv-ogbench/bin/python ogbench-bridge/bench_python_loop.py [--envs a,b] [--batches 1,10,50] [--steps 200] [--reps 3]

For each env and N: N OGBench envs made with ogbench.make_env_and_datasets(name, env_only=True), reset with
env.reset(seed=i, options=dict(task_id=1)), then --steps rounds of uniform random float32 actions in [-1, 1], each round
stepping every live env in a plain Python for loop (N = 1 is the usual single-env loop). Ended episodes are not
stepped again, as in the bridge. Counted and printed exactly like the Java bench, so lines compare one to one; steps
per CPU-second (this process's CPU time) is the figure a shared, loaded machine distorts least.
"""

import argparse
import platform
import time
import warnings

import numpy as np

DEFAULT_ENVS = 'puzzle-3x3-play-v0,cube-single-play-v0,pointmaze-medium-navigate-v0'


def measure(name, n, steps, reps, task_id):
    import ogbench

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        envs = [ogbench.make_env_and_datasets(name, env_only=True) for _ in range(n)]
    build = time.perf_counter() - t0
    ad = envs[0].action_space.shape[0]
    rates = []
    cpu_rates = []
    reset_seconds = 0.0
    counted = 0
    for r in range(reps):
        rng = np.random.default_rng([r, n])
        rs = time.perf_counter()
        for i, env in enumerate(envs):
            env.reset(seed=1000 * r + i, options=dict(task_id=task_id, render_goal=False))
        reset_seconds += time.perf_counter() - rs
        live = [True] * n
        env_steps = 0
        c0 = time.process_time()
        s0 = time.perf_counter()
        for _ in range(steps):
            actions = rng.uniform(-1, 1, size=(n, ad)).astype(np.float32)
            if not any(live):
                break
            for i, env in enumerate(envs):
                if not live[i]:
                    continue
                _, _, terminated, truncated, _ = env.step(actions[i])
                env_steps += 1
                if terminated or truncated:
                    live[i] = False
        rates.append(env_steps / (time.perf_counter() - s0))
        cpu_rates.append(env_steps / (time.process_time() - c0))
        counted += env_steps
    rates.sort()
    cpu_rates.sort()
    print(f'python-loop {name:<32} batch {n:3d}: median {rates[reps // 2]:9.1f} env steps/s  (min {rates[0]:9.1f}, '
          f'max {rates[-1]:9.1f}; {reps} reps, {counted} env steps)  per CPU-second {cpu_rates[reps // 2]:9.1f}  '
          f'reset {1000 * reset_seconds / (reps * n):.1f} ms/episode  start {build:.2f} s', flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--envs', default=DEFAULT_ENVS)
    p.add_argument('--batches', default='1,10,50')
    p.add_argument('--steps', type=int, default=200)
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--task', type=int, default=1)
    a = p.parse_args()
    from importlib.metadata import version

    import mujoco

    print(f'ogbench python loop: python {platform.python_version()}, ogbench {version("ogbench")}, '
          f'mujoco {mujoco.__version__}, numpy {np.__version__}', flush=True)
    for name in a.envs.split(','):
        for n in (int(x) for x in a.batches.split(',')):
            measure(name.strip(), n, a.steps, a.reps, a.task)


if __name__ == '__main__':
    main()
