"""Run the QAM reference's main.py in-process, offline, with monkeypatches only (no reference file is edited).

Started by run_reference.py with the reference's own interpreter (.venv-ref):

    python ref_shim.py --ref-dir /tmp/ref/qam --data-dir /tmp/core-data/ogbench --timing T.json -- <main.py flags>

Patches, each because the reference has no flag for it:
  1. log_utils.setup_wandb: main.py calls it with mode='online' hard-coded, and an explicit mode wins over WANDB_MODE
     (wandb 0.31), so the run would ask for an API key; it also passes wandb.Settings(start_method=...), which current
     wandb rejects. Ours calls wandb.init with the same project/group/name/config and mode='disabled' (no network, no
     files) and hands main.py a run whose .url is a string: main.py writes run.url into token.tk and a disabled run's
     url is None (TypeError at the very end of the run).
  2. ogbench.make_env_and_datasets: the reference's standard loader (envs/env_utils.py, the path the paper used for
     every non-100M dataset, with its ±(1-1e-5) action clip) calls it without dataset_dir, i.e. ~/.ogbench/data, and
     OGBench downloads the full-size file when it is missing there. We pass dataset_dir=--data-dir, and replace
     OGBench's downloader by one that fails instead of reaching the network. (--ogbench_dataset_dir would avoid the
     patch but takes the reference's 100M-shard path: no action clip, a dataset reload every 1000 steps.)
  3. evaluation.evaluate and Dataset.sample_sequence are wrapped for timing only (timing.json): training steps/s
     between evaluations (compile excluded), evaluation seconds and environment steps.
"""
import argparse
import json
import os
import runpy
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ref-dir', required=True)
    p.add_argument('--data-dir', required=True)
    p.add_argument('--timing', required=True)
    p.add_argument('main_flags', nargs=argparse.REMAINDER)
    a = p.parse_args()
    flags = a.main_flags[1:] if a.main_flags[:1] == ['--'] else a.main_flags
    ref_dir, data_dir = os.path.abspath(a.ref_dir), os.path.abspath(a.data_dir)

    # main.py resolves --agent=agents/<x>.py and its own imports relative to the checkout
    os.chdir(ref_dir)
    sys.path.insert(0, ref_dir)

    timing = dict(t0=time.time(), first_batch=None, evals=[])

    # 1. wandb: disabled, with a printable url. Replaced, not wrapped: the original also passes
    #    wandb.Settings(start_method='thread'), which wandb >= 0.2x rejects (pydantic: extra input not permitted).
    import log_utils
    import wandb

    class _Run:
        url = 'wandb-disabled'

        def __init__(self, run):
            self._run = run

        def __getattr__(self, k):
            return getattr(self._run, k)

    def setup_wandb(entity=None, project='project', group=None, tags=None, name=None, mode='online'):
        return _Run(wandb.init(config=log_utils.get_flag_dict(), project=project, entity=entity, group=group,
                               tags=tags, name=name, mode='disabled'))
    log_utils.setup_wandb = setup_wandb

    # 2. datasets from --data-dir, never downloaded
    import ogbench
    import ogbench.utils

    def no_download(dataset_names, dataset_dir='~/.ogbench/data'):
        for name in dataset_names:
            for suffix in ('.npz', '-val.npz'):
                path = os.path.join(os.path.expanduser(dataset_dir), name + suffix)
                if not os.path.exists(path):
                    raise FileNotFoundError(f'{path} missing (downloads disabled by ref_shim.py)')
    ogbench.utils.download_datasets = no_download
    ogbench.download_datasets = no_download
    orig_make = ogbench.make_env_and_datasets

    def make_env_and_datasets(name, *args, **kwargs):
        kwargs.setdefault('dataset_dir', data_dir)
        return orig_make(name, *args, **kwargs)
    ogbench.make_env_and_datasets = make_env_and_datasets

    # 3. timing: sample_sequence is called exactly once per offline gradient step, so its call count is the step
    import evaluation
    from utils.datasets import Dataset
    orig_sample = Dataset.sample_sequence
    calls = [0]

    def sample_sequence(self, *args, **kwargs):
        calls[0] += 1
        if timing['first_batch'] is None:
            timing['first_batch'] = time.time()
        return orig_sample(self, *args, **kwargs)
    Dataset.sample_sequence = sample_sequence
    orig_evaluate = evaluation.evaluate

    def evaluate(*args, **kwargs):
        t = time.time()
        stats, trajs, renders = orig_evaluate(*args, **kwargs)
        timing['evals'].append(dict(step=calls[0], start=t, end=time.time(),
                                    env_steps=int(sum(len(tr['reward']) for tr in trajs)),
                                    success=float(stats.get('success', float('nan')))))
        return stats, trajs, renders
    evaluation.evaluate = evaluate

    sys.argv = ['main.py'] + flags
    try:
        runpy.run_path(os.path.join(ref_dir, 'main.py'), run_name='__main__')
    except SystemExit as e:  # absl's app.run exits; keep its code
        code = e.code
    else:
        code = 0
    timing['t_end'] = time.time()
    with open(a.timing, 'w') as f:
        json.dump(timing, f, indent=1)
    sys.exit(code)


if __name__ == '__main__':
    main()
