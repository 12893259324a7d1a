"""numpy_bc with bad manners, for the serve tests: it prints to stdout (Python and C level) and reads stdin, and it
raises in the update named by its config's ``fail_at``."""

import os
import sys

from flowbench_client.serve import claim_stdio

claim_stdio()  # before anything prints: with PYTHONUNBUFFERED=1 an import-time print would otherwise reach the harness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples"))

from numpy_bc import NumpyBC  # noqa: E402

from flowbench_client import serve  # noqa: E402

print("printed before serve() was called")


class FaultyAgent(NumpyBC):
    name = "faulty-bc"
    defaults = {**NumpyBC.defaults, "fail_at": -1}

    def init(self, spec):
        print("a stray print in init")
        os.write(1, b"bytes written straight to fd 1\n")
        assert sys.stdin.read() == "", "stdin must be /dev/null for the agent"
        return super().init(spec)

    def train_step(self, step):
        if step == self.spec.config["fail_at"]:
            raise FloatingPointError(f"diverged at step {step}")
        print(f"step {step}")
        return super().train_step(step)


if __name__ == "__main__":
    serve(FaultyAgent())
