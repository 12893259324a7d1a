"""A stand-in for flowbench_ogbench.serve that misbehaves on purpose (OgbenchBridgeFailureTest). Standard library only.

    python fake_bridge.py MODE OBS ACT GOAL MAX TIMING TASK_ID

MODE: hang-hello | crash-hello | bad-version | bad-magic | old-ogbench | hang-step | crash-step | ok
hang-step and crash-step misbehave at the first STEP after the first RESET, or after the K-th with a suffix @K
(hang-step@3: the third RESET's first STEP hangs). Any other mode behaves.
The handshake it sends (where it sends one) echoes the requested env name and batch and reports the given dims.
Observations are zeros, rewards 0; an episode is truncated (flag 4) after MAX steps since the RESET.
"""

import struct
import sys
import time


def read_exact(f, n):
    b = b''
    while len(b) < n:
        c = f.read(n - len(b))
        if not c:
            sys.exit(0)
        b += c
    return b


def read_request(f):
    op, length = struct.unpack('<BI', read_exact(f, 5))
    return op, read_exact(f, length)


def s(x):
    raw = x.encode()
    return struct.pack('<H', len(raw)) + raw


def reply(out, payload, status=0):
    out.write(struct.pack('<BI', status, len(payload)) + payload)
    out.flush()


def main():
    mode, _, at = sys.argv[1].partition('@')
    misbehave_at_reset = int(at) if at else 1
    resets = 0
    od, ad, gd, max_steps = (int(x) for x in sys.argv[2:6])
    timing, task_id = sys.argv[6], int(sys.argv[7])
    fin, out = sys.stdin.buffer, sys.stdout.buffer
    op, payload = read_request(fin)
    n = struct.unpack('<H', payload[6:8])[0]
    env_name = payload[8 : 8 + n].decode()
    batch = struct.unpack('<I', payload[8 + n : 12 + n])[0]
    if mode == 'hang-hello':
        time.sleep(3600)
    if mode == 'crash-hello':
        sys.stderr.write('Traceback (most recent call last):\nRuntimeError: fake bridge crashed on purpose\n')
        sys.stderr.flush()
        sys.exit(3)
    magic = b'XXXX' if mode == 'bad-magic' else b'FBOG'
    version = 2 if mode == 'bad-version' else 1
    ogbench = '1.1.0' if mode == 'old-ogbench' else '1.2.2'
    mode_name = 'single-task' if task_id else 'goal-conditioned'
    reply(out, magic + struct.pack('<H', version) + s('0.1.0') + s(ogbench) + s('0.0.0') + s(env_name) + s('fake-v0')
          + s(mode_name) + struct.pack('<IIIII', od, ad, gd, max_steps, 5) + s(timing) + struct.pack('<II', task_id, batch))
    while True:
        op, payload = read_request(fin)
        if op == 2:  # RESET
            n = struct.unpack('<I', payload[4:8])[0]
            resets += 1
            steps = 0
            reply(out, struct.pack('<I', n) + b'\0' * (4 * n * (od + gd)))
        elif op == 3:  # STEP
            if mode == 'hang-step' and resets == misbehave_at_reset:
                time.sleep(3600)
            if mode == 'crash-step' and resets == misbehave_at_reset:
                sys.stderr.write('fake bridge: segfault in MuJoCo (pretend)\n')
                sys.stderr.flush()
                sys.exit(7)
            n = struct.unpack('<I', payload[:4])[0]
            steps += 1
            flags = bytes([4 if steps >= max_steps else 0]) * n
            reply(out, b'\0' * (4 * n * od + 4 * n) + flags)
        elif op == 5:
            reply(out, b'')
            return


if __name__ == '__main__':
    main()
