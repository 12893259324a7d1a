"""The hello reply's environment fingerprint."""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from flowbench_client import fingerprint  # noqa: E402


class FingerprintTest(unittest.TestCase):
    def test_packages_hash_is_of_sorted_lower_case_lines(self):
        env = fingerprint.environment(script="")
        lines = fingerprint.packages()
        self.assertEqual(lines, sorted(lines))
        self.assertTrue(all(line == line.lower() and "==" in line for line in lines))
        self.assertIn(f"numpy=={__import__('numpy').__version__}", lines)
        self.assertEqual(env["packages"], len(lines))
        self.assertEqual(env["packages_sha256"], hashlib.sha256("".join(x + "\n" for x in lines).encode()).hexdigest())
        self.assertIsNone(env["git"])
        self.assertEqual(env["language"].split(" ")[0], "python")

    @unittest.skipIf(shutil.which("git") is None, "git is not installed")
    def test_git_of_the_entry_script(self):
        with tempfile.TemporaryDirectory() as repo:
            def git(*args):
                subprocess.run(["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                               check=True, capture_output=True)
            git("init", "-q")
            script = os.path.join(repo, "agent.py")
            with open(script, "w") as f:
                f.write("print('hi')\n")
            git("add", "agent.py")
            git("commit", "-q", "-m", "one")
            git("remote", "add", "origin", "https://user:secret-token@example.org/me/agent.git")
            info = fingerprint.git_info(script)
            self.assertRegex(info["revision"], "^[0-9a-f]{40}$")
            self.assertFalse(info["dirty"])
            self.assertEqual(info["remote"], "https://example.org/me/agent.git")  # no credentials in a run record
            with open(script, "a") as f:
                f.write("print('changed')\n")
            self.assertTrue(fingerprint.git_info(script)["dirty"])
        self.assertIsNone(fingerprint.git_info(os.path.join(tempfile.gettempdir(), "no-such-dir", "x.py")))

    def test_accelerator_without_frameworks_is_cpu(self):
        if "torch" in sys.modules or "jax" in sys.modules:
            self.skipTest("a framework is imported in this interpreter")
        self.assertEqual(fingerprint.accelerator(), "cpu")


if __name__ == "__main__":
    unittest.main()
