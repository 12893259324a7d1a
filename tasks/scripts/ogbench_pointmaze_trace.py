"""Records MuJoCo PointMaze traces with OGBench (pip install ogbench) for PointMazeOgbenchTraceTest.

Usage: python ogbench_pointmaze_trace.py OUT.npz [STEPS]
PointMazeOgbenchTraceTest runs it itself through the OGBench bridge's interpreter (ogbench-bridge/install).

For each of medium and giant: STEPS (default 20,000) steps of the BFS oracle towards a random goal cell (new one every 300 steps)
with N(0, 1) action noise, so that the point hits walls often. Saves <maze>_pos (T+1, 2), <maze>_act (T, 2),
<maze>_vel (T+1, 2) as float64; positions are read from the simulator (no teleports in these mazes).
"""
import sys

import numpy as np
import ogbench


def main(out, steps=20000):
    arrays = {}
    for maze in ['medium', 'giant']:
        env = ogbench.make_env_and_datasets(f'pointmaze-{maze}-navigate-v0', env_only=True)
        u = env.unwrapped
        rng = np.random.default_rng(0)
        np.random.seed(0)  # OGBench draws its reset jitter from the global generator
        env.reset(seed=0, options=dict(task_id=1))  # seeds reset_model's qvel noise
        pos, act, vel = [u.get_xy().copy()], [], [u.data.qvel.copy()]
        goal = u.cur_goal_xy
        free = np.argwhere(u.maze_map == 0)
        for t in range(steps):
            if t % 300 == 0:
                goal = np.array(u.ij_to_xy(free[rng.integers(len(free))]))
            sub, _ = u.get_oracle_subgoal(u.get_xy(), goal)
            d = sub - u.get_xy()
            d = d / (np.linalg.norm(d) + 1e-6)
            a = np.clip(d + rng.normal(0, 1.0, 2), -1, 1)
            u.step(a)  # the unwrapped env: no time limit
            act.append(a)
            pos.append(u.get_xy().copy())
            vel.append(u.data.qvel.copy())
        arrays[maze + '_pos'] = np.array(pos)
        arrays[maze + '_act'] = np.array(act)
        arrays[maze + '_vel'] = np.array(vel)
    np.savez(out, **arrays)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20000)
