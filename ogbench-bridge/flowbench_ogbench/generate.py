"""Generates OGBench datasets with OGBench's own scripted oracles, written against the public `ogbench` package API.

    python -m flowbench_ogbench.generate --dataset puzzle-3x3-play-v0 --out DIR \
        [--episodes N] [--steps M] [--seed S] [--val-episodes K] [--workers W] [--list] [--list-download-only]

Writes DIR/<dataset>.npz and DIR/<dataset>-val.npz in OGBench's raw schema (observations, actions, terminals, qpos,
qvel, and button_states for puzzle and scene; `steps + 1` rows per episode, terminals = 1 on each episode's last row),
then prints one JSON line on stdout describing what was generated (versions, oracle parameters, sizes, seconds).
Progress goes to stderr as lines `progress: <done>/<total> episodes ...`, which the Java side parses.

What follows OGBench's data-generation scripts (`data_gen_scripts/generate_locomaze.py` and `generate_manipspace.py`
with the arguments of `data_gen_scripts/commands.sh`), re-expressed here:
- locomaze (point): the environment is made with terminate_at_goal=False and max_episode_steps = steps + 1. The start is
  a random free cell; navigate: the goal is a random "vertex" cell (free and not a straight corridor cell) and a new one
  is drawn (env.set_goal, goal noise on) each time the goal is reached; stitch: the goal is a random cell exactly 4 BFS
  steps from the start (the start itself if none) and is kept. Action = unit vector to the BFS subgoal
  (env.get_oracle_subgoal) + N(0, 0.5^2), clipped to [-1, 1].
- manipspace play (cube, scene, puzzle): mode='data_collection', PlanOracle per target kind (noise 0.1, smoothing 0.5;
  puzzle keeps the gripper closed); whenever the oracle is done, env.set_new_target(p_stack) picks the next target.
  p_stack per episode: single 0, double U(0, 0.25), scene 0.5. Scene episodes where the cube leaves the visible area
  (y >= 0.29, or y <= -0.3 outside the drawer's height band) are discarded and redrawn, as OGBench does.
- dtypes: observations/actions/qpos/qvel float32, terminals bool, button_states int64; files are written like
  np.savez_compressed (OGBench's files are compressed .npz).

Deliberate differences from OGBench's scripts, all about reproducibility:
- OGBench's scripts never seed anything (the global numpy generator and the environment's generator start from OS
  entropy), so their datasets cannot be regenerated bit for bit. Here every episode has its own seed derived from
  (--seed, split, episode index) with numpy's SeedSequence; it seeds both numpy's global generator (which OGBench's
  envs and oracles draw from for task sampling, goal noise, teleports and plan noise) and the environment's own
  generator (env.reset(seed=...): start states, targets). Same arguments => same arrays => same bytes.
- the zip entries get a fixed timestamp (1980-01-01) instead of the current time, so equal arrays give equal files
  and equal SHA-256.
- validation episodes: max(1, episodes // 10) (OGBench: episodes // 10, which is 0 below 10 episodes).
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings
import zipfile
from collections import defaultdict
from importlib.metadata import version as _pkg_version

import numpy as np

# Noise that says nothing about the data: glfw cannot open an X display (nothing is rendered here), and gymnasium notes
# that the manipulation action bounds are float64 cast to float32.
warnings.filterwarnings('ignore', message='.*DISPLAY environment variable is missing')
warnings.filterwarnings('ignore', message=".*Box (low|high)'s precision lowered by casting to float32")

# name -> (family, gymnasium env id, default episodes, default steps); sizes from OGBench's data_gen_scripts/commands.sh
DATASETS = {}
for _maze in ['medium', 'large', 'giant', 'teleport']:
    DATASETS[f'pointmaze-{_maze}-navigate-v0'] = (
        'pointmaze-navigate', f'pointmaze-{_maze}-v0', 500 if _maze == 'giant' else 1000, 2000 if _maze == 'giant' else 1000)
    DATASETS[f'pointmaze-{_maze}-stitch-v0'] = ('pointmaze-stitch', f'pointmaze-{_maze}-v0', 5000, 200)
DATASETS['cube-single-play-v0'] = ('cube-play', 'cube-single-v0', 1000, 1000)
DATASETS['cube-double-play-v0'] = ('cube-play', 'cube-double-v0', 1000, 1000)
DATASETS['scene-play-v0'] = ('scene-play', 'scene-v0', 1000, 1000)
DATASETS['puzzle-3x3-play-v0'] = ('puzzle-play', 'puzzle-3x3-v0', 1000, 1000)
DATASETS['puzzle-4x4-play-v0'] = ('puzzle-play', 'puzzle-4x4-v0', 1000, 1000)

# OGBench's other state-based datasets: served as tasks through the bridge, but only OGBench's download provides them.
# name -> why flowbench does not generate it (the Java table OgbenchDatasets.DOWNLOAD_ONLY must equal this one)
_EXPERT = ('OGBench collected it with trained SAC locomotion experts (data_gen_scripts/generate_locomaze.py with expert '
           'checkpoints), which flowbench does not have')
_NOT_BUILT = ('flowbench\'s oracle generator covers the play datasets of cube single/double, scene and puzzle 3x3/4x4 '
              'only, not this one')
DOWNLOAD_ONLY = {}
for _maze in ['medium', 'large', 'giant', 'teleport']:
    for _kind in ['navigate', 'stitch'] + ([] if _maze == 'giant' else ['explore']):
        DOWNLOAD_ONLY[f'antmaze-{_maze}-{_kind}-v0'] = _EXPERT
for _maze in ['medium', 'large', 'giant']:
    for _kind in ['navigate', 'stitch']:
        DOWNLOAD_ONLY[f'humanoidmaze-{_maze}-{_kind}-v0'] = _EXPERT
for _arena in ['arena', 'medium']:
    for _kind in ['navigate', 'stitch']:
        DOWNLOAD_ONLY[f'antsoccer-{_arena}-{_kind}-v0'] = _EXPERT
for _env in ['cube-triple', 'cube-quadruple', 'puzzle-4x5', 'puzzle-4x6']:
    DOWNLOAD_ONLY[f'{_env}-play-v0'] = _NOT_BUILT
for _env in ['cube-single', 'cube-double', 'cube-triple', 'cube-quadruple', 'scene', 'puzzle-3x3', 'puzzle-4x4',
             'puzzle-4x5', 'puzzle-4x6']:
    DOWNLOAD_ONLY[f'{_env}-noisy-v0'] = _NOT_BUILT


def download_hint(dataset):
    return (f'Download OGBench\'s files instead: {sys.executable} -c "import ogbench; '
            f'ogbench.download_datasets([\'{dataset}\'])" writes ~/.ogbench/data/{dataset}.npz and {dataset}-val.npz '
            f'(from https://rail.eecs.berkeley.edu/datasets/ogbench/); then run flowbench with --data ~/.ogbench/data, '
            f'or put both files into <data>/ogbench/.')


POINT_NOISE = 0.5  # commands.sh: --noise=0.5 for every pointmaze dataset
PLAN_NOISE = 0.1  # generate_manipspace.py defaults (commands.sh does not override them for play datasets)
PLAN_NOISE_SMOOTHING = 0.5
STITCH_CELLS = 4  # generate_locomaze.py: stitch goals are exactly 4 BFS steps from the start
SPLITS = {'train': 0, 'val': 1}


def episode_seeds(seed, split, index):
    """(words for np.random.seed, int for env.reset) of one episode, from the root seed (any 64-bit integer)."""
    ss = np.random.SeedSequence(entropy=seed & 0xFFFFFFFFFFFFFFFF, spawn_key=(SPLITS[split], index))
    words = ss.generate_state(4, dtype=np.uint32)
    return words, int(words[2]) << 32 | int(words[3])


class PointMazeCollector:
    """generate_locomaze.py for the point agent: the oracle action is the BFS subgoal direction plus Gaussian noise."""

    def __init__(self, env_id, stitch, steps):
        import gymnasium
        import ogbench.locomaze  # noqa: F401  (registers the environments)

        self.env = gymnasium.make(env_id, terminate_at_goal=False, max_episode_steps=steps + 1)
        self.u = self.env.unwrapped
        self.stitch = stitch
        m = self.u.maze_map
        self.all_cells, self.vertex_cells = [], []
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                if m[i, j] != 0:
                    continue
                self.all_cells.append((i, j))
                # corridor cells (free on both sides along one axis, walls on the other) are never navigate goals
                if m[i - 1, j] == 0 and m[i + 1, j] == 0 and m[i, j - 1] == 1 and m[i, j + 1] == 1:
                    continue
                if m[i, j - 1] == 0 and m[i, j + 1] == 0 and m[i - 1, j] == 1 and m[i + 1, j] == 1:
                    continue
                self.vertex_cells.append((i, j))
        self.has_button_states = False

    def cells_at_bfs_distance(self, start, distance):
        m = self.u.maze_map
        dist = np.full(m.shape, -1)
        dist[start] = 0
        queue, out = [start], []
        while queue:
            i, j = queue.pop(0)
            for di, dj in [(-1, 0), (0, -1), (1, 0), (0, 1)]:
                ni, nj = i + di, j + dj
                if 0 <= ni < m.shape[0] and 0 <= nj < m.shape[1] and m[ni, nj] == 0 and dist[ni, nj] == -1:
                    dist[ni, nj] = dist[i, j] + 1
                    queue.append((ni, nj))
                    if dist[ni, nj] == distance:
                        out.append((ni, nj))
        return out

    def episode(self, reset_seed):
        u = self.u
        init_ij = self.all_cells[np.random.randint(len(self.all_cells))]
        if self.stitch:
            near = self.cells_at_bfs_distance(init_ij, STITCH_CELLS)
            goal_ij = near[np.random.randint(len(near))] if near else init_ij
        else:
            goal_ij = self.vertex_cells[np.random.randint(len(self.vertex_cells))]
        ob, _ = self.env.reset(seed=reset_seed, options=dict(task_info=dict(init_ij=init_ij, goal_ij=goal_ij)))
        rows = defaultdict(list)
        done = False
        while not done:
            xy = u.get_xy()
            subgoal_xy, _ = u.get_oracle_subgoal(xy, u.cur_goal_xy)
            direction = subgoal_xy - xy
            direction = direction / (np.linalg.norm(direction) + 1e-6)
            action = np.clip(direction + np.random.normal(0, POINT_NOISE, direction.shape), -1, 1)
            next_ob, _, terminated, truncated, info = self.env.step(action)
            done = terminated or truncated
            if info['success'] and not self.stitch:
                u.set_goal(self.vertex_cells[np.random.randint(len(self.vertex_cells))])
            rows['observations'].append(ob)
            rows['actions'].append(action)
            rows['terminals'].append(done)
            rows['qpos'].append(info['prev_qpos'])
            rows['qvel'].append(info['prev_qvel'])
            ob = next_ob
        return rows

    def oracle(self):
        return dict(kind='bfs-subgoal-direction', noise=POINT_NOISE, goals='stitch: 4 BFS cells' if self.stitch
                    else 'navigate: vertex cells, redrawn on success')


class ManipspacePlayCollector:
    """generate_manipspace.py with dataset_type=play: non-Markovian plan oracles, a new target whenever one is done."""

    def __init__(self, env_id, family, steps):
        import gymnasium
        import ogbench.manipspace  # noqa: F401  (registers the environments)
        from ogbench.manipspace.oracles.plan.button_plan import ButtonPlanOracle
        from ogbench.manipspace.oracles.plan.cube_plan import CubePlanOracle
        from ogbench.manipspace.oracles.plan.drawer_plan import DrawerPlanOracle
        from ogbench.manipspace.oracles.plan.window_plan import WindowPlanOracle

        self.env = gymnasium.make(env_id, terminate_at_goal=False, mode='data_collection', max_episode_steps=steps + 1)
        self.env_id = env_id
        self.family = family
        kw = dict(env=self.env, noise=PLAN_NOISE, noise_smoothing=PLAN_NOISE_SMOOTHING)
        if family == 'cube-play':
            self.agents = {'cube': CubePlanOracle(**kw)}
        elif family == 'scene-play':
            self.agents = {'cube': CubePlanOracle(**kw), 'button': ButtonPlanOracle(**kw),
                           'drawer': DrawerPlanOracle(**kw), 'window': WindowPlanOracle(**kw)}
        elif family == 'puzzle-play':
            self.agents = {'button': ButtonPlanOracle(gripper_always_closed=True, **kw)}
        else:
            raise ValueError(f'unknown manipulation family {family!r}')
        self.has_button_states = hasattr(self.env.unwrapped, '_cur_button_states')
        self.discarded = 0

    def p_stack(self):
        if 'single' in self.env_id:
            return 0.0
        if 'double' in self.env_id:
            return np.random.uniform(0.0, 0.25)
        return 0.5  # scene (and puzzle, where set_new_target ignores it)

    def episode(self, reset_seed):
        first = True
        while True:
            # the first attempt seeds the environment's generator; a redrawn scene episode continues its stream
            ob, info = self.env.reset(seed=reset_seed) if first else self.env.reset()
            first = False
            p_stack = self.p_stack()
            agent = self.agents[info['privileged/target_task']]
            agent.reset(ob, info)
            rows = defaultdict(list)
            done = False
            while not done:
                action = np.clip(np.array(agent.select_action(ob, info)), -1, 1)
                next_ob, _, terminated, truncated, info = self.env.step(action)
                done = terminated or truncated
                if agent.done:
                    agent_ob, agent_info = self.env.unwrapped.set_new_target(p_stack=p_stack)
                    agent = self.agents[agent_info['privileged/target_task']]
                    agent.reset(agent_ob, agent_info)
                rows['observations'].append(ob)
                rows['actions'].append(action)
                rows['terminals'].append(done)
                rows['qpos'].append(info['prev_qpos'])
                rows['qvel'].append(info['prev_qvel'])
                if self.has_button_states:
                    rows['button_states'].append(info['prev_button_states'])
                ob = next_ob
            if self.family != 'scene-play' or self.scene_healthy(np.array(rows['qpos'])):
                return rows
            self.discarded += 1
            print('discarded an episode whose cube left the visible area; redrawing it', file=sys.stderr, flush=True)

    @staticmethod
    def scene_healthy(qpos):
        xyz = qpos[:, 14:17]  # the cube's position in the scene's qpos
        if (xyz[:, 1] >= 0.29).any():
            return False  # too far right
        outside_drawer = (xyz[:, 2] < 0.06) | (xyz[:, 2] > 0.08)
        return not ((xyz[:, 1] <= -0.3) & outside_drawer).any()  # too far left without being in the drawer

    def oracle(self):
        return dict(kind='plan', noise=PLAN_NOISE, noise_smoothing=PLAN_NOISE_SMOOTHING,
                    gripper_always_closed=self.family == 'puzzle-play',
                    p_stack=('U(0, 0.25)' if 'double' in self.env_id else 0.0 if 'single' in self.env_id
                             else 0.5 if self.family == 'scene-play' else 'unused'))


def make_collector(dataset, steps):
    family, env_id, _, _ = DATASETS[dataset]
    if family.startswith('pointmaze'):
        return PointMazeCollector(env_id, family == 'pointmaze-stitch', steps)
    return ManipspacePlayCollector(env_id, family, steps)


def episode_arrays(rows, has_button_states):
    """One episode's rows as arrays of the file's dtypes (OGBench's: terminals bool, button_states int64, the rest
    float32), right after the episode, so that a million rows are held as a few arrays, not millions of objects."""
    keys = ['observations', 'actions', 'terminals', 'qpos', 'qvel'] + (['button_states'] if has_button_states else [])
    return {k: np.array(rows[k], dtype=bool if k == 'terminals' else np.int64 if k == 'button_states' else np.float32)
            for k in keys}


def to_arrays(episodes):
    return {k: np.concatenate([e[k] for e in episodes]) for k in episodes[0]}


def write_npz(path, arrays):
    """np.savez_compressed's layout (one deflated `<key>.npy` entry per array, zip64 forced), with a fixed entry
    timestamp so that equal arrays give byte-identical files; written to a temporary file, fsynced, then renamed."""
    tmp = f'{path}.tmp-{os.getpid()}'
    try:
        with zipfile.ZipFile(tmp, mode='w', compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for key, value in arrays.items():
                info = zipfile.ZipInfo(key + '.npy', date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                with zf.open(info, 'w', force_zip64=True) as f:
                    np.lib.format.write_array(f, np.asanyarray(value), allow_pickle=False)
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class Progress:
    def __init__(self, total):
        self.total, self.done, self.steps, self.t0, self.last = total, 0, 0, time.time(), 0.0

    def episode(self, steps):
        self.done += 1
        self.steps += steps
        now = time.time()
        if now - self.last >= 1.0 or self.done == self.total:
            self.last = now
            rate = self.steps / max(now - self.t0, 1e-9)
            print(f'progress: {self.done}/{self.total} episodes, {self.steps} env steps, {rate:.0f} steps/s',
                  file=sys.stderr, flush=True)


def _collect(dataset, steps, seed, jobs, queue=None):
    """Runs the episodes `jobs` = [(split, index), ...] in this process; returns ({(split, index): arrays},
    discarded scene episodes, the oracle's and the spaces' description)."""
    collector = make_collector(dataset, steps)
    out = {}
    for split, index in jobs:
        words, reset_seed = episode_seeds(seed, split, index)
        np.random.seed(words[:2])
        rows = episode_arrays(collector.episode(reset_seed), collector.has_button_states)
        out[(split, index)] = rows
        if queue is not None:
            queue.put(len(rows['terminals']))
    spaces = dict(observationShape=list(collector.env.observation_space.shape),
                  actionShape=list(collector.env.action_space.shape))
    return out, getattr(collector, 'discarded', 0), dict(collector.oracle(), **spaces)


def _worker(args):
    dataset, steps, seed, jobs, queue = args
    return _collect(dataset, steps, seed, jobs, queue)


def generate(dataset, out_dir, episodes=None, steps=None, seed=0, val_episodes=None, workers=1):
    if dataset in DOWNLOAD_ONLY:
        raise SystemExit(f'generate: dataset {dataset!r} cannot be generated by flowbench: {DOWNLOAD_ONLY[dataset]}. '
                         f'{download_hint(dataset)}')
    if dataset not in DATASETS:
        raise SystemExit(f'generate: unknown dataset {dataset!r}; supported: {", ".join(sorted(DATASETS))}')
    family, env_id, default_episodes, default_steps = DATASETS[dataset]
    episodes = default_episodes if episodes is None else episodes
    steps = default_steps if steps is None else steps
    val_episodes = max(1, episodes // 10) if val_episodes is None else val_episodes
    if episodes < 1 or steps < 1 or val_episodes < 1 or workers < 1:
        raise SystemExit(f'generate: need episodes >= 1, steps >= 1, val episodes >= 1 and workers >= 1; got '
                         f'{episodes}, {steps}, {val_episodes}, {workers}')
    os.makedirs(out_dir, exist_ok=True)
    jobs = [('train', i) for i in range(episodes)] + [('val', i) for i in range(val_episodes)]
    progress = Progress(len(jobs))
    t0 = time.time()
    if workers == 1:
        class _Q:
            def put(self, n):
                progress.episode(n)
        results, discarded, oracle = _collect(dataset, steps, seed, jobs, _Q())
    else:
        import multiprocessing as mp
        ctx = mp.get_context('spawn')
        with ctx.Manager() as manager:
            queue = manager.Queue()
            chunks = [jobs[w::workers] for w in range(workers) if jobs[w::workers]]
            with ctx.Pool(len(chunks)) as pool:
                pending = pool.map_async(_worker, [(dataset, steps, seed, c, queue) for c in chunks])
                while not pending.ready() or not queue.empty():
                    try:
                        progress.episode(queue.get(timeout=0.5))
                    except Exception:  # queue.Empty through the manager proxy
                        pass
                parts = pending.get()
        results, discarded = {}, 0
        for r, d, oracle in parts:
            results.update(r)
            discarded += d
    gen_seconds = time.time() - t0
    files = {}
    for split, n in [('train', episodes), ('val', val_episodes)]:
        arrays = to_arrays([results[(split, i)] for i in range(n)])
        path = os.path.join(out_dir, f'{dataset}.npz' if split == 'train' else f'{dataset}-val.npz')
        write_npz(path, arrays)
        files[split] = dict(file=os.path.abspath(path), episodes=n, rows=int(arrays['terminals'].shape[0]),
                            arrays={k: [str(v.dtype), list(v.shape)] for k, v in arrays.items()})
    import flowbench_ogbench
    import mujoco
    summary = dict(
        dataset=dataset, env=env_id, family=family, generator='flowbench_ogbench.generate',
        ogbench=_pkg_version('ogbench'), mujoco=mujoco.__version__, numpy=np.__version__,
        gymnasium=_pkg_version('gymnasium'), bridge=flowbench_ogbench.__version__,
        python=platform.python_version(), episodes=episodes, steps=steps, valEpisodes=val_episodes, seed=seed,
        workers=workers, maxEpisodeSteps=steps + 1, observationShape=oracle.pop('observationShape'),
        actionShape=oracle.pop('actionShape'), oracle=oracle, discardedEpisodes=discarded,
        episodeSeeds='numpy SeedSequence(entropy=seed mod 2^64, spawn_key=(split 0 train / 1 val, episode)): words 0-1 '
                     'seed numpy\'s global generator, words 2-3 the env.reset seed',
        envSteps=sum(len(r['terminals']) for r in results.values()), collectSeconds=round(gen_seconds, 3),
        seconds=round(time.time() - t0, 3), files=files)
    return summary


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m flowbench_ogbench.generate', description=__doc__.split('\n\n')[0])
    p.add_argument('--dataset', help='OGBench dataset name, e.g. puzzle-3x3-play-v0 (see --list)')
    p.add_argument('--out', help='output folder: <out>/<dataset>.npz and <out>/<dataset>-val.npz')
    p.add_argument('--episodes', type=int, help='training episodes (default: the OGBench size)')
    p.add_argument('--steps', type=int, help='steps per episode; each episode has steps + 1 rows (default: OGBench)')
    p.add_argument('--seed', type=int, default=0, help='root seed (default 0)')
    p.add_argument('--val-episodes', type=int, help='validation episodes (default max(1, episodes // 10))')
    p.add_argument('--workers', type=int, default=1, help='processes; the output does not depend on it (default 1)')
    p.add_argument('--list', action='store_true', help='print the supported datasets with their default sizes as JSON')
    p.add_argument('--list-download-only', action='store_true',
                   help='print the OGBench datasets served as tasks that only OGBench\'s download provides, as JSON')
    a = p.parse_args(argv)
    if a.list_download_only:
        print(json.dumps(DOWNLOAD_ONLY))
        return 0
    if a.list:
        print(json.dumps({k: dict(family=v[0], env=v[1], episodes=v[2], steps=v[3]) for k, v in DATASETS.items()}))
        return 0
    if not a.dataset or not a.out:
        p.error('--dataset and --out are required (or --list)')
    summary = generate(a.dataset, a.out, a.episodes, a.steps, a.seed, a.val_episodes, a.workers)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
