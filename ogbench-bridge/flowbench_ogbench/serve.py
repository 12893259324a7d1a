"""Serves a batch of OGBench environments to the flowbench Java harness over stdin/stdout.

    python -m flowbench_ogbench.serve              # speak the binary protocol of PROTOCOL.md on stdin/stdout
    python -m flowbench_ogbench.serve --describe NAME...   # print each env's handshake fields as JSON lines

stdout carries only protocol frames: at start-up the process moves its real stdout to a private descriptor and points
descriptor 1 at stderr, so a stray print (from Python or from C code such as GLFW or MuJoCo) can never corrupt a frame.
stderr is free for logs; the Java side keeps its tail for error messages.

One process serves one environment name (e.g. ``puzzle-3x3-play-singletask-task2-v0``) with one OGBench env instance per
episode slot, created exactly as OGBench's own code does (``ogbench.make_env_and_datasets(name, env_only=True)``, so
the gymnasium ``TimeLimit`` wrapper and the registered kwargs such as ``success_timing='pre'`` apply).

Seeding (see PROTOCOL.md): OGBench's ``reset(seed=...)`` seeds only ``env.np_random``. Three more random sources decide
an episode: the global ``np.random`` (maze start and goal jitter, teleport destinations), the action space's sampler
(the random "stabilising" steps taken while building the goal observation), and, for the manipulation envs, an action
space that is a *fresh, unseeded* ``Box`` on every access. The bridge seeds all of them from the episode seed, so an
episode replays exactly whatever else runs in the batch. The distributions are OGBench's; only the seeding is added.
"""

import json
import os
import signal
import struct
import sys
import time
import traceback

MAGIC = b'FBOG'
PROTOCOL_VERSION = 1

OP_HELLO = 1
OP_RESET = 2
OP_STEP = 3
OP_RELABEL = 4
OP_CLOSE = 5

STATUS_OK = 0
STATUS_ERROR = 1

FLAG_SUCCESS = 1
FLAG_TERMINATED = 2
FLAG_TRUNCATED = 4

# spawn keys of the per-episode seed sequences (the env's own np_random gets the episode seed itself)
SPAWN_GLOBAL_NUMPY = 1
SPAWN_ACTION_SPACE = 2

MAX_FRAME = 1 << 30


class BridgeError(Exception):
    """An error reported to the client as an ERROR frame (the server keeps running unless it is fatal)."""


def log(msg):
    sys.stderr.write(f'[flowbench-ogbench {os.getpid()}] {msg}\n')
    sys.stderr.flush()


# ----------------------------------------------------------------------------------------------------------- framing


class Channel:
    """Length-prefixed frames on raw descriptors: request = u8 op, u32 length, payload; reply = u8 status, u32
    length, payload. Little-endian throughout."""

    def __init__(self, fin, fout):
        self._in = fin
        self._out = fout

    def _read_exact(self, n, at_boundary=False):
        buf = bytearray(n)
        view = memoryview(buf)
        pos = 0
        while pos < n:
            k = self._in.readinto(view[pos:])
            if not k:
                if at_boundary and pos == 0:
                    return None
                raise EOFError(f'client closed the pipe in the middle of a frame ({pos} of {n} bytes)')
            pos += k
        return buf

    def read_request(self):
        """(op, payload), or None when the client closed the pipe between frames."""
        head = self._read_exact(5, at_boundary=True)
        if head is None:
            return None
        op, length = struct.unpack('<BI', head)
        if length > MAX_FRAME:
            raise BridgeError(f'request frame of {length} bytes exceeds the limit of {MAX_FRAME}; stream out of sync?')
        return op, bytes(self._read_exact(length)) if length else b''

    def reply(self, status, *parts):
        length = sum(len(p) for p in parts)
        self._out.write(struct.pack('<BI', status, length))
        for p in parts:
            if len(p):
                self._out.write(p)

    def error(self, message):
        self.reply(STATUS_ERROR, message.encode('utf-8', 'replace'))


class Reader:
    """Sequential little-endian decoding of one payload, with errors naming the field."""

    def __init__(self, payload, what):
        self.b = payload
        self.pos = 0
        self.what = what

    def take(self, n, field):
        if self.pos + n > len(self.b):
            raise BridgeError(f'{self.what}: payload of {len(self.b)} bytes ends inside field {field!r} '
                              f'(needs {n} bytes at offset {self.pos})')
        out = self.b[self.pos : self.pos + n]
        self.pos += n
        return out

    def u16(self, field):
        return struct.unpack('<H', self.take(2, field))[0]

    def u32(self, field):
        return struct.unpack('<I', self.take(4, field))[0]

    def string(self, field):
        n = self.u16(field + ' length')
        raw = self.take(n, field)
        try:
            return raw.decode('utf-8')
        except UnicodeDecodeError as e:
            raise BridgeError(f'{self.what}: field {field!r} is not UTF-8 ({e})')

    def end(self):
        if self.pos != len(self.b):
            raise BridgeError(f'{self.what}: {len(self.b) - self.pos} unexpected trailing bytes after offset {self.pos}')


def pack_str(s):
    raw = s.encode('utf-8')
    if len(raw) > 0xFFFF:
        raise BridgeError('string too long for the protocol: ' + s[:80])
    return struct.pack('<H', len(raw)) + raw


# -------------------------------------------------------------------------------------------------------------- envs


def versions():
    from importlib.metadata import version

    import mujoco

    import flowbench_ogbench

    return flowbench_ogbench.__version__, version('ogbench'), mujoco.__version__


def check_env_name(name):
    """Refuses names the protocol cannot serve faithfully (pixel observations, oracle goal representations)."""
    splits = name.split('-')
    if len(splits) < 3 or splits[-1] != 'v0':
        raise BridgeError(f'env name {name!r} is not an OGBench dataset-style name such as '
                          f'puzzle-3x3-play-v0 or puzzle-3x3-play-singletask-task2-v0')
    if 'visual' in splits or splits[0] == 'powderworld':
        raise BridgeError(f'env {name!r} has pixel observations; protocol v{PROTOCOL_VERSION} serves state vectors only')
    if 'oraclerep' in splits:
        raise BridgeError(f'env {name!r} uses oracle goal representations, which protocol v{PROTOCOL_VERSION} '
                          f'does not serve')


class Slot:
    """One episode slot: an OGBench env plus the state the bridge adds (seeded global-numpy state, done flag)."""

    def __init__(self, env):
        import numpy as np

        self.env = env
        u = env.unwrapped
        self.unwrapped = u
        # Manipulation envs build a new, unseeded Box on every `action_space` access, so the samples they draw in
        # reset would come from OS entropy. Give this instance a class whose `action_space` is one Box we can seed.
        # (A subclass swap, not a patch of OGBench's class: other instances and other code are unaffected.)
        cls = type(u)
        if isinstance(getattr(cls, 'action_space', None), property):
            box = cls.action_space.fget(u)
            u.__class__ = type(cls.__name__, (cls,), {'action_space': property(lambda self: self._flowbench_box)})
            u._flowbench_box = box
        # The teleport mazes draw the teleport destination from the global np.random inside step(); only they need the
        # per-slot global state swapped in around step() (every env needs it around reset()).
        self.step_uses_global_numpy = getattr(u, '_teleport_info', None) is not None
        self.np_state = None
        self.done = True
        self.last_obs = None
        self.last_flags = 0
        self.needs_reset = True
        self._np = np

    def reset(self, task_id, seed, options):
        np = self._np
        ss_global = np.random.SeedSequence(seed, spawn_key=(SPAWN_GLOBAL_NUMPY,))
        np.random.set_state(np.random.RandomState(np.random.MT19937(ss_global)).get_state())
        ss_space = np.random.SeedSequence(seed, spawn_key=(SPAWN_ACTION_SPACE,))
        self.unwrapped.action_space.seed(int(ss_space.generate_state(1, np.uint64)[0]))
        ob, info = self.env.reset(seed=seed, options=options)
        self.np_state = np.random.get_state()
        self.done = False
        self.last_flags = 0
        self.needs_reset = False
        return ob, info

    def step(self, action):
        np = self._np
        if self.step_uses_global_numpy:
            np.random.set_state(self.np_state)
        ob, reward, terminated, truncated, info = self.env.step(action)
        if self.step_uses_global_numpy:
            self.np_state = np.random.get_state()
        return ob, reward, terminated, truncated, info


class Bridge:
    def __init__(self, env_name, batch):
        check_env_name(env_name)
        import numpy as np
        import ogbench

        self.np = np
        self.ogbench = ogbench
        self.env_name = env_name
        self.single_task = 'singletask' in env_name.split('-')
        t0 = time.time()
        self.slots = []
        # one instance answers the handshake; the others are built when a RESET first needs them (the client allows
        # for that in the RESET's deadline), so a handshake that fails does so before 50 MuJoCo envs are built
        self._grow(1)
        first = self.slots[0]
        u = first.unwrapped
        obs_shape = first.env.observation_space.shape
        act_shape = first.env.action_space.shape
        if len(obs_shape) != 1 or len(act_shape) != 1:
            raise BridgeError(f'env {env_name!r} has observation shape {obs_shape} and action shape {act_shape}; '
                              f'protocol v{PROTOCOL_VERSION} serves 1-D observations and actions only')
        self.obs_dim = int(obs_shape[0])
        self.action_dim = int(act_shape[0])
        # OGBench's state-based goal is a full observation of the goal state (info['goal']); checked at every reset
        self.goal_dim = 0 if self.single_task else self.obs_dim
        self.max_steps = int(first.env.spec.max_episode_steps)
        self.success_timing = self._attr(u, '_success_timing')
        self.num_tasks = int(self._attr(u, 'num_tasks'))
        rt = getattr(u, '_reward_task_id', None)
        self.reward_task_id = 0 if rt is None else int(rt)
        if self.single_task and self.reward_task_id == 0:
            raise BridgeError(f'{env_name}: single-task env reports no reward task id')
        self.gym_id = first.env.spec.id
        self.n = 0
        log(f'serving {env_name} ({self.gym_id}) for batches of {batch}: obs {self.obs_dim}, action {self.action_dim}, '
            f'goal {self.goal_dim}, max steps {self.max_steps}, success timing {self.success_timing}; first env '
            f'built in {time.time() - t0:.2f} s, the others at the first RESET that needs them')

    @staticmethod
    def _attr(u, name):
        if not hasattr(u, name):
            raise BridgeError(f'OGBench env {type(u).__name__} has no attribute {name!r}; this bridge was written for '
                              f'OGBench 1.2.2')
        return getattr(u, name)

    def _grow(self, n):
        import warnings

        while len(self.slots) < n:
            with warnings.catch_warnings():
                # gymnasium's "Box precision lowered" notes on every manipulation env; not informative here
                warnings.simplefilter('ignore', UserWarning)
                env = self.ogbench.make_env_and_datasets(self.env_name, env_only=True)
                self.slots.append(Slot(env))

    def handshake_payload(self, batch):
        bridge_v, ogbench_v, mujoco_v = versions()
        return b''.join([
            MAGIC,
            struct.pack('<H', PROTOCOL_VERSION),
            pack_str(bridge_v),
            pack_str(ogbench_v),
            pack_str(mujoco_v),
            pack_str(self.env_name),
            pack_str(self.gym_id),
            pack_str('single-task' if self.single_task else 'goal-conditioned'),
            struct.pack('<IIIII', self.obs_dim, self.action_dim, self.goal_dim, self.max_steps, self.num_tasks),
            pack_str(self.success_timing),
            struct.pack('<II', self.reward_task_id, batch),
        ])

    def describe(self):
        bridge_v, ogbench_v, mujoco_v = versions()
        return dict(env=self.env_name, gym_id=self.gym_id, mode='single-task' if self.single_task else 'goal-conditioned',
                    obs_dim=self.obs_dim, action_dim=self.action_dim, goal_dim=self.goal_dim, max_steps=self.max_steps,
                    num_tasks=self.num_tasks, success_timing=self.success_timing, task_id=self.reward_task_id,
                    bridge=bridge_v, ogbench=ogbench_v, mujoco=mujoco_v)

    def reset(self, payload):
        np = self.np
        r = Reader(payload, 'RESET')
        task_id = r.u32('task_id')
        n = r.u32('n')
        if n < 1 or n > 1_000_000:
            raise BridgeError(f'RESET: batch size {n} out of range [1, 1000000]')
        seeds = np.frombuffer(r.take(8 * n, 'seeds'), dtype='<u8')
        r.end()
        if not 1 <= task_id <= self.num_tasks:
            raise BridgeError(f'RESET: task id {task_id} is not an evaluation task of {self.env_name} (1..{self.num_tasks})')
        if self.single_task and task_id != self.reward_task_id:
            raise BridgeError(f'RESET: task id {task_id} requested, but {self.env_name} is single-task with task '
                              f'{self.reward_task_id}; its reward would be that of task {self.reward_task_id}')
        if n > len(self.slots):
            t0 = time.time()
            built = len(self.slots)
            self._grow(n)
            log(f'built envs {built + 1}..{n} in {time.time() - t0:.2f} s')
        self.n = n
        obs = np.empty((n, self.obs_dim), np.float32)
        goals = np.empty((n, self.goal_dim), np.float32)
        # OGBench's evaluation: reset(options=dict(task_id=..., render_goal=...)); the goal is info['goal']
        options = dict(task_id=task_id, render_goal=False)
        for i in range(n):
            ob, info = self.slots[i].reset(task_id, int(seeds[i]), options)
            obs[i] = ob
            self.slots[i].last_obs = obs[i].copy()
            if self.goal_dim:
                g = np.asarray(info['goal'])
                if g.shape != (self.goal_dim,):
                    raise BridgeError(f'{self.env_name}: info["goal"] has shape {g.shape}, expected ({self.goal_dim},)')
                goals[i] = g
        for s in self.slots[n:]:
            s.done = True
        return struct.pack('<I', n), obs.tobytes(), goals.tobytes()

    def step(self, payload):
        np = self.np
        r = Reader(payload, 'STEP')
        n = r.u32('n')
        if self.n == 0:
            raise BridgeError('STEP before any RESET')
        if n != self.n:
            raise BridgeError(f'STEP for {n} slots, but the last RESET started {self.n}')
        actions = np.frombuffer(r.take(4 * n * self.action_dim, 'actions'), dtype='<f4').reshape(n, self.action_dim).copy()
        r.end()
        obs = np.empty((n, self.obs_dim), np.float32)
        rewards = np.zeros(n, np.float32)
        flags = np.zeros(n, np.uint8)
        for i in range(n):
            slot = self.slots[i]
            if slot.needs_reset:
                raise BridgeError(f'STEP: slot {i} was disturbed after its RESET (by RELABEL); reset it first')
            if slot.done:
                # an ended episode: its final observation again, reward 0, its final flags; the action is ignored
                obs[i] = slot.last_obs
                flags[i] = slot.last_flags
                continue
            a = actions[i]
            if not np.all(np.isfinite(a)):
                raise BridgeError(f'STEP: slot {i} got a non-finite action {a.tolist()}')
            ob, reward, terminated, truncated, info = slot.step(a)
            obs[i] = ob
            rewards[i] = reward
            f = 0
            if info['success']:
                f |= FLAG_SUCCESS
            if terminated:
                f |= FLAG_TERMINATED
            if truncated:
                f |= FLAG_TRUNCATED
            flags[i] = f
            if terminated or truncated:
                slot.done = True
                slot.last_obs = obs[i].copy()
                slot.last_flags = f
        return obs.tobytes(), rewards.tobytes(), flags.tobytes()

    def relabel(self, payload):
        """OGBench's own ``relabel_dataset`` on rows sent by the client (qpos, button_states as float32)."""
        np = self.np
        from ogbench.relabel_utils import relabel_dataset

        if not self.single_task:
            raise BridgeError(f'RELABEL: {self.env_name} is goal-conditioned; only single-task envs relabel datasets')
        r = Reader(payload, 'RELABEL')
        rows = r.u32('rows')
        nq = r.u32('qpos columns')
        nb = r.u32('button_states columns')
        qpos = np.frombuffer(r.take(4 * rows * nq, 'qpos'), dtype='<f4').reshape(rows, nq)
        buttons = np.frombuffer(r.take(4 * rows * nb, 'button_states'), dtype='<f4').reshape(rows, nb)
        r.end()
        dataset = dict(qpos=qpos)
        if nb:
            as_int = buttons.astype(np.int64)
            if not np.array_equal(as_int, buttons):
                raise BridgeError('RELABEL: button_states holds non-integer values')
            dataset['button_states'] = as_int
        slot = self.slots[0]
        slot.needs_reset = True  # relabel_dataset resets the env to read the task's targets
        relabel_dataset(self.gym_id, slot.env, dataset)
        rewards = dataset['rewards'].astype(np.float32)
        success = (dataset['masks'] == 0).astype(np.uint8)
        return rewards.tobytes(), success.tobytes()


# -------------------------------------------------------------------------------------------------------------- main


def serve(channel):
    req = channel.read_request()
    if req is None:
        log('client closed the pipe before the handshake')
        return 0
    op, payload = req
    try:
        if op != OP_HELLO:
            raise BridgeError(f'expected HELLO (op {OP_HELLO}) as the first request, got op {op}')
        r = Reader(payload, 'HELLO')
        magic = r.take(4, 'magic')
        if magic != MAGIC:
            raise BridgeError(f'bad magic {bytes(magic)!r}, expected {MAGIC!r}: the client does not speak this protocol')
        version = r.u16('protocol version')
        if version != PROTOCOL_VERSION:
            raise BridgeError(f'protocol version mismatch: client speaks {version}, this bridge speaks '
                              f'{PROTOCOL_VERSION}; reinstall the bridge from the same checkout (ogbench-bridge/install)')
        env_name = r.string('env name')
        batch = r.u32('batch size')
        r.end()
        if not 1 <= batch <= 1_000_000:
            raise BridgeError(f'HELLO: batch size {batch} out of range [1, 1000000]')
        bridge = Bridge(env_name, batch)
    except Exception as e:  # noqa: BLE001 - every failure goes back to the client, then the process ends
        channel.error(describe_exception(e))
        log('handshake failed: ' + describe_exception(e))
        return 2
    channel.reply(STATUS_OK, bridge.handshake_payload(batch))

    while True:
        req = channel.read_request()
        if req is None:
            log('client closed the pipe; exiting')
            return 0
        op, payload = req
        try:
            if op == OP_RESET:
                channel.reply(STATUS_OK, *bridge.reset(payload))
            elif op == OP_STEP:
                channel.reply(STATUS_OK, *bridge.step(payload))
            elif op == OP_RELABEL:
                channel.reply(STATUS_OK, *bridge.relabel(payload))
            elif op == OP_CLOSE:
                channel.reply(STATUS_OK)
                return 0
            else:
                raise BridgeError(f'unknown op {op}')
        except Exception as e:  # noqa: BLE001 - reported to the client, which treats it as fatal for the env
            msg = describe_exception(e)
            log('error: ' + msg)
            channel.error(msg)


def describe_exception(e):
    if isinstance(e, BridgeError):
        return str(e)
    # the exception and the innermost frames: enough to see where in OGBench it failed
    frames = traceback.format_tb(e.__traceback__)[-3:]
    return f'{type(e).__name__}: {e}\n' + ''.join(frames).rstrip()


def main(argv):
    if argv and argv[0] == '--describe':
        out = []
        for name in argv[1:]:
            out.append(json.dumps(Bridge(name, 1).describe()))
        print('\n'.join(out), flush=True)
        return 0
    if argv:
        sys.stderr.write('usage: python -m flowbench_ogbench.serve [--describe NAME...]\n')
        return 2
    # Ctrl-C in a terminal reaches the whole process group: leave the decision to the Java side, which stops the
    # bridge (CLOSE, or its shutdown hook) instead of seeing it die in the middle of a step.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Keep private copies of the protocol descriptors, then point fd 1 at stderr and fd 0 at /dev/null, so nothing
    # else in the process can write into (or read from) the protocol stream.
    fin = os.fdopen(os.dup(0), 'rb', buffering=0)
    fout = os.fdopen(os.dup(1), 'wb', buffering=0)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = sys.stderr
    try:
        return serve(Channel(fin, fout))
    except BrokenPipeError:
        log('client went away (broken pipe); exiting')
        return 0
    except EOFError as e:
        log(f'client went away ({e}); exiting')
        return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
