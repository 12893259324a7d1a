"""Dumps what OGBench's own loader makes of a raw dataset file, for OgbenchLoaderCrossCheckTest.

Usage: python ogbench_load_dump.py TRAIN.npz OUTDIR [SINGLETASK_NAME ...]

Writes, with every array in the dtype OGBench returns it (np.savez, uncompressed):
  OUTDIR/regular.npz   ogbench.utils.load_dataset(TRAIN, compact_dataset=False, add_info=True)
  OUTDIR/compact.npz   ogbench.utils.load_dataset(TRAIN, compact_dataset=True, add_info=True)
  OUTDIR/<name>-regular.npz, OUTDIR/<name>-compact.npz for each single-task name (e.g.
      puzzle-3x3-play-singletask-task4-v0): ogbench.make_env_and_datasets(name, dataset_path=TRAIN, add_info=True),
      i.e. the same loading plus relabel_dataset's rewards and masks against that task's fixed goal
      (TRAIN-val.npz must sit next to TRAIN: OGBench loads it too).
"""
import os
import sys

import numpy as np
import ogbench


def main(train, out, names):
    os.makedirs(out, exist_ok=True)
    for compact in (False, True):
        d = ogbench.load_dataset(train, compact_dataset=compact, add_info=True)
        np.savez(os.path.join(out, 'compact.npz' if compact else 'regular.npz'), **d)
    for name in names:
        env = ogbench.make_env_and_datasets(name, env_only=True)
        for compact in (False, True):
            d, _ = ogbench.make_env_and_datasets(name, dataset_path=train, compact_dataset=compact, add_info=True,
                                                 dataset_only=True, cur_env=env)
            np.savez(os.path.join(out, f'{name}-{"compact" if compact else "regular"}.npz'), **d)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
