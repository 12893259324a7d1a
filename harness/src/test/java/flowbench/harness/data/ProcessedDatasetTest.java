package flowbench.harness.data;

import flowbench.testkit.Requirement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A processed dataset (what {@code ogbench.utils.load_dataset} returns, saved to a file) is recognised and refused with
 * a message naming the file, its keys and the raw files flowbench expects, never read as a raw file (which would drop
 * one transition per episode).
 */
class ProcessedDatasetTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void findNumpy() {
        NumpyCrossCheckTest.findNumpy();
    }

    static void assertRefusal(DatasetFormatException e, String file, String... keys) {
        String m = e.getMessage();
        for (String p : List.of(file, "processed dataset", "load_dataset", "raw", "~/.ogbench/data/<dataset>.npz",
                "observations, actions, terminals")) {
            assertTrue(m.contains(p), "message lacks '" + p + "': " + m);
        }
        for (String k : keys) assertTrue(m.contains(k), "message lacks key '" + k + "': " + m);
        assertNull(e.key());
    }

    /** The regular-mode form of a raw file: explicit transitions, float terminals on each episode's last transition. */
    static LinkedHashMap<String, NpyArray> processed(Dataset d, boolean withRewards) {
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        m.put("observations", NpyArray.of(d.observations(), d.size(), d.obsDim()));
        m.put("actions", NpyArray.of(d.actions(), d.size(), d.actionDim()));
        m.put("terminals", NpyArray.of(NumpyCrossCheckTest.bools(d.terminals()), d.size()));
        m.put("next_observations", NpyArray.of(d.nextObservations(), d.size(), d.obsDim()));
        if (withRewards) {
            m.put("rewards", NpyArray.of(d.rewards(), d.size()));
            m.put("masks", NpyArray.of(d.masks(), d.size()));
        }
        return m;
    }

    @Test
    void processedFileIsRefusedNotReadAsRaw() throws IOException {
        Dataset d = Datasets.fromRaw(GoalSamplerTest.rawTrajectories(4, 6), LoadOptions.defaults(), null);
        for (boolean withRewards : new boolean[]{false, true}) {
            Path f = dir.resolve("processed-" + withRewards + ".npz");
            Npz.write(f, processed(d, withRewards));
            for (DatasetMode mode : DatasetMode.values()) {
                DatasetFormatException e = assertThrows(DatasetFormatException.class,
                        () -> Datasets.load(f, LoadOptions.defaults().withMode(mode), null));
                if (withRewards) {
                    assertRefusal(e, f.toString(), "next_observations, rewards, masks are never in a raw file");
                } else {
                    assertRefusal(e, f.toString(), "[observations, actions, terminals, next_observations]",
                            "next_observations is never in a raw file");
                }
            }
        }
    }

    @Test
    void rewardsAndMasksAloneMarkAProcessedFile() throws IOException {
        // a raw-looking file (final row per episode) with relabelled rewards and masks added is not raw either
        LinkedHashMap<String, NpyArray> raw = GoalSamplerTest.rawTrajectories(3, 4);
        int n = raw.get("observations").shape()[0];
        raw.put("rewards", NpyArray.of(new float[n], n));
        Path f = dir.resolve("rewards.npz");
        Npz.write(f, raw);
        assertRefusal(assertThrows(DatasetFormatException.class, () -> Datasets.load(f, LoadOptions.defaults(), null)),
                f.toString(), "rewards is never in a raw file");
        // and in memory
        assertRefusal(assertThrows(DatasetFormatException.class, () -> Datasets.fromRaw(raw, LoadOptions.defaults(), null)),
                "<in-memory dataset>", "rewards");
        // compact-mode output (valids) too
        LinkedHashMap<String, NpyArray> compact = GoalSamplerTest.rawTrajectories(3, 4);
        compact.put("valids", NpyArray.of(new float[n], n));
        Path c = dir.resolve("compact.npz");
        Npz.write(c, compact);
        assertRefusal(assertThrows(DatasetFormatException.class, () -> Datasets.load(c, LoadOptions.defaults(), null)),
                c.toString(), "valids");
    }

    @Test
    void npzKeysListsTheArchiveWithoutReadingIt() throws IOException {
        Path f = dir.resolve("k.npz");
        Npz.write(f, GoalSamplerTest.rawTrajectories(2, 3));
        assertEquals(List.of("observations", "actions", "terminals"), Npz.keys(f));
    }

    /** The real thing: a file saved from ogbench.utils.load_dataset's output (regular and compact) is refused. */
    @Test
    void ogbenchLoadDatasetOutputIsRefused() throws Exception {
        String og = NumpyCrossCheckTest.ogbenchPython();
        Requirement.OGBENCH.assume(og != null, "a Python with the ogbench package");
        Path raw = dir.resolve("raw.npz");
        Npz.write(raw, GoalSamplerTest.rawTrajectories(5, 6));
        Path reg = dir.resolve("og-regular.npz");
        Path comp = dir.resolve("og-compact.npz");
        String saved = NumpyCrossCheckTest.python;
        try {
            NumpyCrossCheckTest.python = og;
            NumpyCrossCheckTest.run(String.join("\n",
                    "import sys, numpy as np",
                    "from ogbench.utils import load_dataset",
                    "r = load_dataset(sys.argv[1])",
                    "r['rewards'] = np.zeros_like(r['terminals']); r['masks'] = np.ones_like(r['terminals'])",
                    "np.savez(sys.argv[2], **r)",
                    "np.savez(sys.argv[3], **load_dataset(sys.argv[1], compact_dataset=True))"), raw, reg, comp);
        } finally {
            NumpyCrossCheckTest.python = saved;
        }
        Map<String, NpyHeader> h = Npz.readHeaders(reg);
        assertEquals("<f4", h.get("terminals").dtype(), "OGBench's processed terminals are float32");
        assertRefusal(assertThrows(DatasetFormatException.class, () -> Datasets.load(reg, LoadOptions.defaults(), null)),
                reg.toString(), "next_observations", "rewards", "masks");
        assertRefusal(assertThrows(DatasetFormatException.class, () -> Datasets.load(comp, LoadOptions.defaults(), null)),
                comp.toString(), "valids");
        // the raw file itself still loads
        assertEquals(5 * 6, Datasets.load(raw, LoadOptions.defaults(), null).size());
    }
}
