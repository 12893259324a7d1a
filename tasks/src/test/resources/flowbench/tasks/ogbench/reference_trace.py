"""Reference trace for OgbenchBridgeExactnessTest: OGBench's own evaluation loop, one env, episodes one after another.

    python reference_trace.py ENV_NAME TASK_ID STEPS BIAS SEED...

Written independently of flowbench_ogbench.serve: it applies the seeding rule of ogbench-bridge/PROTOCOL.md directly
(env.reset(seed=s); global np.random <- MT19937(SeedSequence(s, spawn_key=(1,))); action-space sampler seeded with
SeedSequence(s, spawn_key=(2,)).generate_state(1, uint64)[0]) and steps the env with the test's deterministic actions
a[t, d] = float32(clip(((7 t + 3 d + 5 i) mod 21 - 10 + bias[d]) / 10, -1, 1)) for episode i
(BIAS: comma-separated integers, one per action dim, to push a maze agent somewhere). Every float is printed as its float32 bit
pattern (hex), so the Java side compares bit for bit.

Output lines:
    reset I OBS... | GOAL...
    step I T REWARD SUCCESS TERMINATED TRUNCATED OBS...
"""

import sys
import warnings

import numpy as np

import ogbench


def bits(a):
    return ' '.join(format(int(x), '08x') for x in np.asarray(a, dtype=np.float32).reshape(-1).view(np.uint32))


def main():
    name, task_id, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    bias = [int(b) for b in sys.argv[4].split(',')]
    seeds = [int(s) & (2**64 - 1) for s in sys.argv[5:]]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        env = ogbench.make_env_and_datasets(name, env_only=True)
    u = env.unwrapped
    if isinstance(getattr(type(u), 'action_space', None), property):
        # manipulation envs return a fresh unseeded Box per access; pin one so that it can be seeded (one env here)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            box = type(u).action_space.fget(u)
        type(u).action_space = property(lambda self: box)
    out = []
    for i, seed in enumerate(seeds):
        np.random.set_state(
            np.random.RandomState(np.random.MT19937(np.random.SeedSequence(seed, spawn_key=(1,)))).get_state())
        u.action_space.seed(int(np.random.SeedSequence(seed, spawn_key=(2,)).generate_state(1, np.uint64)[0]))
        ob, info = env.reset(seed=seed, options=dict(task_id=task_id, render_goal=False))
        goal = info['goal'] if 'singletask' not in name.split('-') else np.zeros(0)
        out.append(f'reset {i} {bits(ob)} | {bits(goal)}')
        for t in range(steps):
            a = np.array([min(1.0, max(-1.0, ((7 * t + 3 * d + 5 * i) % 21 - 10 + bias[d]) / 10))
                          for d in range(env.action_space.shape[0])], dtype=np.float32)
            ob, reward, terminated, truncated, info = env.step(np.clip(a, -1, 1))
            out.append(f'step {i} {t} {bits([reward])} {int(bool(info["success"]))} {int(terminated)} '
                       f'{int(truncated)} {bits(ob)}')
            if terminated or truncated:
                break
    print('\n'.join(out))


if __name__ == '__main__':
    main()
