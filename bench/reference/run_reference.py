#!/usr/bin/env python3
"""Reference-parity run: train the authors' JAX code (github.com/ColinQiyangLi/qam) with flowbench's resolved config.

    python3 bench/reference/run_reference.py --agent fql --seed 0 --ref-dir /tmp/ref/qam \
        --data-dir /tmp/core-data/ogbench --out /tmp/ref-out [--steps 5000 --eval-every 2500 --episodes 20]

1. asks flowbench for the resolved config of (suite, algorithm, task) (`./flowbench run ... --dry-run`), or reads it
   from --flowbench-config;
2. maps it onto the reference's main.py flags through MAPPING below: every config key is either mapped to a flag,
   checked against the behaviour the reference hard-codes (FIXED), or declared irrelevant here (IGNORED); an unknown
   key or a FIXED mismatch is an error, so a changed flowbench config cannot silently run with a stale mapping;
3. runs main.py in the reference's own venv through ref_shim.py (wandb disabled, datasets from --data-dir, downloads
   refused), niced, its output in <out>/<agent>/seed<N>/reference.log;
4. converts the reference's eval.csv into <out>/<agent>/seed<N>/eval.csv (step,success,return,length: flowbench's
   eval.csv names, success = mean final-step info['success'] over the episodes), and writes run.json (flags,
   mapping, commit, dataset hashes, timing).
Stdlib only, so any python3 can drive it; only the child needs .venv-ref.
"""
import argparse
import csv
import glob
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXPECTED_COMMIT = 'f93efd22520a79f6819f458dffe9c075eacc786f'  # the commit docs/qam.md and the domain table cite

AGENT_FILE = {'fql': 'agents/fql.py', 'rebrac': 'agents/rebrac.py', 'qam': 'agents/qam.py'}


def dims(v):  # [128, 128] -> "(128, 128)": ml_collections parses a tuple literal for the *_hidden_dims fields
    return '(' + ', '.join(str(int(x)) for x in v) + ')'


def num(v):
    return repr(float(v)) if isinstance(v, float) else str(v)


def boolean(v):
    return 'True' if v else 'False'


# (flowbench config key, reference flag, converter). "--x" is a main.py flag, "--agent.x" a field of the agent config.
COMMON = [
    ('actorHidden', '--agent.actor_hidden_dims', dims),
    ('criticHidden', '--agent.value_hidden_dims', dims),
    ('batchSize', '--agent.batch_size', num),
    ('learningRate', '--agent.lr', num),
    ('numQs', '--agent.num_qs', num),
    ('rho', '--agent.rho', num),
    ('discount', '--agent.discount', num),
    ('tau', '--agent.tau', num),
    ('horizon', '--horizon_length', num),
]
MAPPING = {
    'fql': COMMON + [
        ('flowSteps', '--agent.flow_steps', num),
        ('alpha', '--agent.alpha', num),
    ],
    'rebrac': COMMON + [
        ('alphaActor', '--agent.alpha_actor', num),
        ('actorNoise', '--agent.actor_noise', num),
        ('noiseClip', '--agent.actor_noise_clip', num),
        ('actorFreq', '--agent.actor_freq', num),
    ],
    'qam': COMMON + [
        ('flowSteps', '--agent.flow_steps', num),
        ('invTemp', '--agent.inv_temp', num),
        ('fqlAlpha', '--agent.fql_alpha', num),
        ('editScale', '--agent.edit_scale', num),
        ('editTargetEntropyMultiplier', '--agent.edit_target_entropy_multiplier', num),
        ('targetActor', '--agent.target_actor', boolean),
        ('useTargetGrad', '--agent.use_target_grad', boolean),
        ('clipAdj', '--agent.clip_adj', boolean),
        # the reference only switches a clip at max_norm=1.0 on or off (agents/qam.py: optax.clip_by_global_norm(1.0))
        ('clipGradNorm', '--agent.clip_grad', lambda v: boolean(float(v) > 0)),
    ],
}
# flowbench keys whose value the reference hard-codes: the run is refused unless flowbench has exactly this value
FIXED = {
    'activation': ('GELU', 'utils/networks.py MLP: nn.gelu (tanh approximation)'),
    'actorEveryStep': (True, 'agents/rebrac.py: the second `update` steps the actor on every call (docs/qam.md 8.12)'),
    'lastStep': ('BASE', 'agents/qam.py: last forward SDE step with the base field (docs/qam.md 8.1)'),
    'adjointRecursion': ('REFERENCE', 'agents/qam.py lean adjoint at t_k + h (docs/qam.md 8.2)'),
}
CHECK = {'clipGradNorm': lambda v: float(v) in (0.0, 1.0)}
IGNORED = {'goals': 'goal sampling of goal-conditioned tasks; this task is single-task'}

# reference knobs flowbench has no key for: set as experiments/reproduce.py does, or left at the reference default
REFERENCE_ONLY = [
    ('--agent.action_chunking=True', 'reproduce.py: True for every run (flowbench always uses the chunked critic)'),
    ('--sparse=False', 'reproduce.py: only puzzle/scene are sparse; cube uses the dense relabelled reward'),
    ('--online_steps=0', 'offline phase only, as flowbench (main.py default 500000)'),
    ('--save_interval=0', 'no checkpoints (main.py would resume from them); results do not depend on saving'),
    ('--video_episodes=0', 'no rendering'),
]
REFERENCE_DEFAULTS = [  # not passed; recorded in run.json so the list is complete
    ('agent.actor_layer_norm', False), ('agent.value_layer_norm', True), ('agent.best_of_n', 1),
    ('agent.actor_fc_scale (rebrac)', 0.01), ('agent.residual (qam)', False),
    ('agent.edit_target_entropy (qam)', None), ('dataset_proportion', 1.0), ('utd_ratio', 1),
]


def flowbench_config(args):
    if args.flowbench_config:
        with open(args.flowbench_config) as f:
            return json.load(f)
    cmd = ['./flowbench', 'run', '--suite', args.suite, '--algorithm', args.agent, '--task', 'ogbench:' + args.task,
           '--data', os.path.dirname(os.path.abspath(args.data_dir)), '--dry-run']
    out = subprocess.run(cmd, cwd=REPO, env=dict(os.environ, FLOWBENCH_NO_BUILD='1'), capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out[out.index('{'):])


def reference_flags(agent, cfg):
    flags, table = [], []
    mapped = {k for k, _, _ in MAPPING[agent]}
    for key, flag, conv in MAPPING[agent]:
        if key not in cfg:
            sys.exit(f'flowbench config of {agent} has no {key}: mapping out of date')
        if key in CHECK and not CHECK[key](cfg[key]):
            sys.exit(f'{key}={cfg[key]} has no reference equivalent')
        flags.append(f'{flag}={conv(cfg[key])}')
        table.append(dict(flowbench=key, value=cfg[key], reference=flags[-1]))
    for key, value in cfg.items():
        if key in mapped or key in IGNORED:
            continue
        if key not in FIXED:
            sys.exit(f'flowbench key {key} of {agent} is neither mapped, fixed nor ignored: extend MAPPING')
        want, where = FIXED[key]
        if value != want:
            sys.exit(f'{key}={value}: the reference hard-codes {want} ({where})')
        table.append(dict(flowbench=key, value=value, reference='hard-coded: ' + where))
    return flags, table


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--agent', required=True, choices=sorted(MAPPING))
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--ref-dir', required=True, help='checkout of ColinQiyangLi/qam (outside this repository)')
    p.add_argument('--data-dir', required=True, help='folder with <dataset>.npz and <dataset>-val.npz')
    p.add_argument('--out', required=True)
    p.add_argument('--task', default='cube-single-play-singletask-task1-v0', help='OGBench single-task name')
    p.add_argument('--suite', default='core')
    p.add_argument('--steps', type=int, help='gradient steps (default: the suite protocol, 5000)')
    p.add_argument('--eval-every', type=int, help='default: the suite protocol, 2500')
    p.add_argument('--episodes', type=int, help='evaluation episodes (default: the suite protocol, 20)')
    p.add_argument('--flowbench-config', help='saved output of `flowbench run ... --dry-run` instead of calling it')
    p.add_argument('--python', default=os.path.join(REPO, '.venv-ref', 'bin', 'python'))
    p.add_argument('--nice', type=int, default=10, help='niceness of the child (shared 2-core machine)')
    p.add_argument('--cpus', help='pin the child to these cores, e.g. "1" (XLA sizes its pool by usable cores)')
    p.add_argument('--force', action='store_true', help='rerun even if eval.csv exists')
    p.add_argument('--print-only', action='store_true', help='print the reference command line and exit')
    args = p.parse_args()

    run_dir = os.path.abspath(os.path.join(args.out, args.agent, f'seed{args.seed}'))
    if os.path.exists(os.path.join(run_dir, 'eval.csv')) and not args.force and not args.print_only:
        print(f'{run_dir}/eval.csv exists; --force to rerun')
        return

    spec = flowbench_config(args)
    cfg, protocol = spec['config'], spec['spec']['protocol']
    steps = args.steps or protocol['trainSteps']
    eval_every = args.eval_every or protocol['evalEvery']
    episodes = args.episodes or protocol['episodesPerTask']
    flags, table = reference_flags(args.agent, cfg)
    save_dir = os.path.join(run_dir, 'ref')
    main_flags = [
        f'--agent={AGENT_FILE[args.agent]}', f'--env_name={args.task}', f'--seed={args.seed}',
        f'--save_dir={save_dir}', '--run_group=flowbench-parity', f'--tags={args.agent}',
        f'--offline_steps={steps}', f'--eval_interval={eval_every}', f'--eval_episodes={episodes}',
        f'--log_interval={protocol["logEvery"]}',
    ] + [f for f, _ in REFERENCE_ONLY] + flags
    timing_path = os.path.join(run_dir, 'timing.json')
    cmd = [args.python, os.path.join(HERE, 'ref_shim.py'), '--ref-dir', args.ref_dir, '--data-dir', args.data_dir,
           '--timing', timing_path, '--'] + main_flags
    if args.print_only:
        print(shlex.join(cmd))
        return

    commit = subprocess.run(['git', '-C', args.ref_dir, 'rev-parse', 'HEAD'], capture_output=True,
                            text=True).stdout.strip() or 'unknown'
    if commit != EXPECTED_COMMIT:
        print(f'warning: reference at {commit}, mapping written for {EXPECTED_COMMIT}', file=sys.stderr)
    # main.py resumes from an existing save_dir, and the OGBench dataset name is the task name less -singletask-taskN
    if os.path.isdir(run_dir):
        shutil.rmtree(run_dir)
    os.makedirs(run_dir)
    parts = args.task.split('-')
    dataset = '-'.join(parts[:parts.index('singletask')] + parts[-1:])
    data_files = {f: sha256(os.path.join(args.data_dir, f)) for f in (dataset + '.npz', dataset + '-val.npz')}

    env = dict(os.environ, WANDB_MODE='disabled', WANDB_SILENT='true', TMPDIR=run_dir,  # setup_wandb's mkdtemp
               TQDM_MININTERVAL='30', PYTHONUNBUFFERED='1')

    def child_setup():
        os.nice(args.nice)
        if args.cpus:
            os.sched_setaffinity(0, {int(c) for c in args.cpus.split(',')})

    t0 = time.time()
    with open(os.path.join(run_dir, 'reference.log'), 'w') as log:
        rc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=child_setup).returncode
    wall = time.time() - t0

    # the reference's eval.csv (CsvLogger, one row per evaluation: the final-step info of each episode, flattened and
    # averaged over episodes) -> step,success (+ return,length under flowbench's eval.csv names, for the same plots)
    found = glob.glob(os.path.join(save_dir, '**', 'eval.csv'), recursive=True)
    rows = []
    if found:
        with open(found[0]) as f:
            rows = [(int(r['step']), float(r['success']), float(r['episode.return']), float(r['episode.length']))
                    for r in csv.DictReader(f)]
        with open(os.path.join(run_dir, 'eval.csv'), 'w') as f:
            f.write('step,success,return,length\n' + ''.join('%d,%r,%r,%r\n' % r for r in rows))

    timing = {}
    if os.path.exists(timing_path):
        with open(timing_path) as f:
            t = json.load(f)
        evals, prev, rates = t['evals'], None, []
        for e in evals:  # steps/s between the end of one evaluation and the start of the next: no compile, no eval
            if prev is not None:
                rates.append(round((e['step'] - prev['step']) / (e['start'] - prev['end']), 2))
            prev = e
        timing = dict(wall_s=round(wall, 1),
                      startup_s=round(t['first_batch'] - t['t0'], 1) if t['first_batch'] else None,
                      train_steps_per_s_between_evals=rates,
                      first_interval_steps_per_s_incl_compile=round(evals[0]['step'] / (evals[0]['start'] -
                                                                                         t['first_batch']), 2)
                      if evals else None,
                      eval_s=[round(e['end'] - e['start'], 1) for e in evals],
                      eval_env_steps=[e['env_steps'] for e in evals])
    record = dict(agent=args.agent, seed=args.seed, task=args.task, suite=args.suite, reference_commit=commit,
                  returncode=rc, steps=steps, eval_every=eval_every, episodes=episodes, data_files=data_files,
                  flowbench_config_hash=spec.get('configHash'), mapping=table,
                  reference_only=[dict(flag=f, why=w) for f, w in REFERENCE_ONLY],
                  reference_defaults=dict(REFERENCE_DEFAULTS), ignored=IGNORED, command=cmd, eval=rows,
                  timing=timing)
    with open(os.path.join(run_dir, 'run.json'), 'w') as f:
        json.dump(record, f, indent=1)
    print(json.dumps(dict(run_dir=run_dir, returncode=rc, eval=rows, timing=timing)))
    if rc != 0 or not rows:
        sys.exit(f'reference run failed (rc {rc}); see {run_dir}/reference.log')


if __name__ == '__main__':
    main()
