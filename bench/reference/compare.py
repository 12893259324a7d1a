"""Reference against flowbench, per agent and evaluation step: mean success over seeds with a 95% bootstrap interval.

    python3 bench/reference/compare.py --ours reports/core/1/runs/ogbench/cube-single-play-singletask-task1-v0 \
        --reference reports/core/1/reference --agents fql,rebrac,qam [--markdown OUT.md]

Ours: <ours>/<agent>/seed<N>/eval.csv (flowbench's; the row of the agent's own policy). Reference:
<reference>/<agent>/seed<N>/eval.csv (run_reference.py's). The interval resamples seeds (10,000 percentile bootstrap
reps, fixed seed), as the report does per task; the two sides' seeds are independent draws (docs: README.md here).
"""
import argparse
import csv
import glob
import os
import random


def curves(root, agent, own_policy):
    """{step: [success per seed]} from every seed folder of one agent."""
    out = {}
    for path in sorted(glob.glob(os.path.join(root, agent, 'seed*', 'eval.csv'))):
        for row in csv.DictReader(open(path)):
            if own_policy and row.get('policy', agent) != agent:
                continue
            out.setdefault(int(row['step']), []).append(float(row['success']))
    return out


def interval(xs, reps=10000, seed=0):
    rng = random.Random(seed)
    means = sorted(sum(rng.choice(xs) for _ in xs) / len(xs) for _ in range(reps))
    return sum(xs) / len(xs), means[int(0.025 * reps)], means[int(0.975 * reps) - 1]


def cell(xs):
    if not xs:
        return '—'
    m, lo, hi = interval(xs)
    return f'{m:.3f} [{lo:.3f}, {hi:.3f}] ({len(xs)})'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ours', required=True)
    p.add_argument('--reference', required=True)
    p.add_argument('--agents', default='fql,rebrac,qam')
    p.add_argument('--markdown')
    a = p.parse_args()
    lines = ['| agent | step | flowbench | reference |', '|---|---|---|---|']
    for agent in a.agents.split(','):
        ours, ref = curves(a.ours, agent, True), curves(a.reference, agent, False)
        for step in sorted(set(ours) | set(ref)):
            lines.append(f'| {agent} | {step} | {cell(ours.get(step, []))} | {cell(ref.get(step, []))} |')
    text = '\n'.join(lines) + '\n'
    print(text, end='')
    if a.markdown:
        with open(a.markdown, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
