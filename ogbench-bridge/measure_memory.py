"""Resident memory of the bridge process per OGBench env instance (Linux: /proc/<pid>/status).

    .venv-ogbench/bin/python ogbench-bridge/measure_memory.py [--counts 1,10,50] ENV...
    e.g.  .venv-ogbench/bin/python ogbench-bridge/measure_memory.py puzzle-3x3-play-v0 cube-single-play-v0

For each env name it starts the real server (``python -m flowbench_ogbench.serve``, the same process the Java client
starts), does the handshake with batch 1, then sends RESETs of growing size (each RESET builds the env instances it
needs beyond those built, see PROTOCOL.md) and after each one reads VmRSS and VmHWM of the server process. Standard
library only on this side; run it with the bridge's interpreter so the server finds its packages.
"""

import os
import re
import struct
import subprocess
import sys
import time

MAGIC = b'FBOG'


def frame(op, payload):
    return struct.pack('<BI', op, len(payload)) + payload


def read_exact(f, n):
    b = b''
    while len(b) < n:
        c = f.read(n - len(b))
        if not c:
            raise EOFError('bridge closed its output')
        b += c
    return b


def call(p, op, payload):
    p.stdin.write(frame(op, payload))
    p.stdin.flush()
    status, length = struct.unpack('<BI', read_exact(p.stdout, 5))
    body = read_exact(p.stdout, length)
    if status != 0:
        raise RuntimeError(body.decode('utf-8', 'replace'))
    return body


def status_kb(pid, field):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def measure(env, counts):
    p = subprocess.Popen([sys.executable, '-m', 'flowbench_ogbench.serve'], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1'))
    try:
        name = env.encode()
        t0 = time.time()
        hello = call(p, 1, MAGIC + struct.pack('<HH', 1, len(name)) + name + struct.pack('<I', 1))
        assert hello[:4] == MAGIC, hello[:4]
        print(f'{env:32s} handshake ({time.time() - t0:5.1f} s)          VmRSS {status_kb(p.pid, "VmRSS") / 1024:7.1f} MiB',
              flush=True)
        # the evaluation task: a single-task env accepts only its own task id; goal-conditioned ones take 1..5
        m = re.search(r'-singletask-task(\d+)-', env)
        task = int(m.group(1)) if m else 1
        prev_n, prev_rss = None, None
        for n in counts:
            t0 = time.time()
            call(p, 2, struct.pack('<II', task, n) + struct.pack(f'<{n}Q', *range(1, n + 1)))
            rss = status_kb(p.pid, 'VmRSS') / 1024
            hwm = status_kb(p.pid, 'VmHWM') / 1024
            per = '' if prev_n is None else f'  +{(rss - prev_rss) / (n - prev_n):5.1f} MiB per added instance'
            print(f'{env:32s} {n:3d} instances ({time.time() - t0:5.1f} s)  VmRSS {rss:7.1f} MiB  VmHWM {hwm:7.1f} MiB{per}',
                  flush=True)
            prev_n, prev_rss = n, rss
        call(p, 5, b'')
    finally:
        p.kill()
        p.wait()


def main(argv):
    counts = [1, 10, 50]
    if len(argv) >= 2 and argv[0] == '--counts':
        counts = [int(x) for x in argv[1].split(',')]
        argv = argv[2:]
    if not argv or any(a.startswith('-') for a in argv):
        sys.stderr.write(__doc__)
        return 2
    print(f'# bridge RSS, python {sys.version.split()[0]}, {os.cpu_count()} cores, {time.strftime("%Y-%m-%d")}')
    for env in argv:
        measure(env, sorted(counts))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
