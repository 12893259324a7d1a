package flowbench.harness.sweep;

import flowbench.harness.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep command's expansion, sweep files and the Slurm script, without running anything. */
class SweepCommandTest {
    @Test
    void aSweepFileNamesItsSuiteAndGridAndFlagsAddToIt(@TempDir Path dir) throws Exception {
        SweepFixture.suite(dir, 40, 20, 10);
        Path file = dir.resolve("grid.json");
        Files.writeString(file, "{\"suite\": \"suite.json\", \"seeds\": [0, 1, 2], \"set\": {\"lr\": [0.05, 0.1]}, \"only\": [\"fake-point-v0/*\"]}");
        SweepFixture.Result r = SweepFixture.cli("sweep", file.toString(), "--out", dir.resolve("out").toString(), "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(": 6 runs into"), r.out());
        assertTrue(r.out().contains("fake-point-v0/fake-bc@lr=0.1/seed2"), r.out());
        SweepFixture.Result more = SweepFixture.cli("sweep", file.toString(), "--set", "batch=[4,8]", "--seeds", "5",
                "--out", dir.resolve("out").toString(), "--dry-run");
        assertTrue(more.out().contains(": 4 runs into") && more.out().contains("fake-bc@batch=8,lr=0.1/seed5"), more.out());
        assertFalse(Files.exists(dir.resolve("out")), "a dry run writes nothing");

        Files.writeString(file, "{\"suite\": \"suite.json\", \"sets\": {}}");
        SweepFixture.Result bad = SweepFixture.cli("sweep", file.toString(), "--dry-run");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown field 'sets'") && bad.err().contains(file.toString()), bad.err());
    }

    @Test
    void theSlurmScriptCarriesEveryOptionAndTheProfileYieldsToFlags(@TempDir Path dir) throws Exception {
        Path suite = SweepFixture.suite(dir, 40, 20, 10);
        Path profile = dir.resolve("cluster.json");
        Json.writeAtomically(profile, Map.of("partition", "cpu", "account", "lab", "time", "1:00:00", "mem", "2G",
                "sbatch", List.of("--mail-type=FAIL")));
        SweepFixture.Result r = SweepFixture.cli("sweep", suite.toString(), "--out", dir.resolve("out").toString(),
                "--executor", "slurm", "--slurm-profile", profile.toString(), "--time", "2:00:00", "--qos", "low",
                "--constraint", "avx512", "--cpus-per-task", "2", "--throttle", "3", "--signal-grace", "300",
                "--sbatch=--gres=gpu:1", "--launcher", "/opt/flowbench/flowbench", "--dry-run");
        assertEquals(0, r.code(), r.err());
        String s = r.out();
        for (String line : List.of("#SBATCH --array=0-3%3", "#SBATCH --partition=cpu", "#SBATCH --account=lab",
                "#SBATCH --qos=low", "#SBATCH --constraint=avx512", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=2G",
                "#SBATCH --time=2:00:00", "#SBATCH --signal=B:USR1@300", "#SBATCH --requeue", "#SBATCH --mail-type=FAIL",
                "#SBATCH --gres=gpu:1", "/opt/flowbench/flowbench sweep task", "scontrol requeue")) {
            assertTrue(s.contains(line), "missing '" + line + "' in:\n" + s);
        }
        assertFalse(s.contains("--time=1:00:00"), "the flag wins over the profile");
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void statusAndResubmitSayWhatIsMissing(@TempDir Path dir) {
        SweepFixture.Result r = SweepFixture.cli("sweep", "status", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no sweep manifest"), r.err());
        SweepFixture.Result s = SweepFixture.cli("sweep", "resubmit", dir.toString());
        assertEquals(2, s.code());
        assertTrue(s.err().contains("--failed"), s.err());
        SweepFixture.Result e = SweepFixture.cli("sweep", "x", "--executor", "pbs");
        assertEquals(2, e.code());
        assertTrue(e.err().contains("local or slurm"), e.err());
    }
}
