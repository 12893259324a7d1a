package flowbench.harness.cli;

import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code datasets inspect} ends with the loader's verdict and exits 1 when {@code run} would refuse the file. */
class InspectVerdictTest {
    @TempDir
    Path tmp;

    /** Two episodes of 2 steps: 6 rows, obs_dim 2, act_dim 1. */
    static LinkedHashMap<String, NpyArray> raw() {
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        float[] obs = new float[12];
        for (int i = 0; i < obs.length; i++) obs[i] = i * 0.25f;
        m.put("observations", NpyArray.of(obs, 6, 2));
        m.put("actions", NpyArray.of(new float[]{0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f}, 6, 1));
        m.put("terminals", NpyArray.of(new boolean[]{false, false, true, false, false, true}, 6));
        return m;
    }

    Path write(String name, LinkedHashMap<String, NpyArray> m) throws IOException {
        Path f = tmp.resolve(name);
        Npz.write(f, m);
        return f;
    }

    @Test
    void aGoodFileIsAccepted() throws IOException {
        Path f = write("good.npz", raw());
        MainTest.Result r = MainTest.run("datasets", "inspect", f.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("loader   regular mode: 4 transitions, obs_dim 2, act_dim 1"), r.out());
        assertTrue(r.out().strip().endsWith("accepted by the loader: yes"), r.out());
    }

    @Test
    void aMissingActionsKeyIsNotAccepted() throws IOException {
        LinkedHashMap<String, NpyArray> m = raw();
        m.remove("actions");
        Path f = write("noactions.npz", m);
        MainTest.Result r = MainTest.run("datasets", "inspect", f.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("arrays\n"), "the file is still described: " + r.out());
        assertTrue(r.out().contains("not accepted: " + f + ": key 'actions': missing"), r.out());
        assertFalse(r.out().contains("accepted by the loader: yes"), r.out());
    }

    @Test
    void twoDimensionalTerminalsAreNotAccepted() throws IOException {
        LinkedHashMap<String, NpyArray> m = raw();
        m.put("terminals", NpyArray.of(new boolean[]{false, false, true, false, false, true}, 6, 1));
        Path f = write("term2d.npz", m);
        MainTest.Result r = MainTest.run("datasets", "inspect", f.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("not accepted: " + f + ": key 'terminals': expected a 1-D bool array (N,), "
                + "found |b1 shape (6, 1)"), r.out());
    }

    @Test
    void aProcessedFileIsNotAccepted() throws IOException {
        LinkedHashMap<String, NpyArray> m = raw();
        m.put("next_observations", m.get("observations"));
        m.put("rewards", NpyArray.of(new float[6], 6));
        m.put("masks", NpyArray.of(new float[6], 6));
        Path f = write("processed.npz", m);
        MainTest.Result r = MainTest.run("datasets", "inspect", f.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("not accepted: " + f + ": this is a processed dataset"), r.out());
        assertTrue(r.out().contains("~/.ogbench/data/<dataset>.npz"), r.out());
    }

    @Test
    void anUnreadableArrayIsNotAcceptedRatherThanAnError() throws IOException {
        Path f = tmp.resolve("half.npz");
        zip(f, "observations", "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }\n", new byte[4]);
        MainTest.Result r = MainTest.run("datasets", "inspect", f.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("not accepted: " + f + ": key 'observations': unsupported dtype '<f2'"), r.out());
    }

    @Test
    void bigEndianAndFortranStorageIsShownAndAccepted() throws IOException {
        Path f = tmp.resolve("odd.npz");
        ByteBuffer obs = ByteBuffer.allocate(12 * 4).order(ByteOrder.BIG_ENDIAN);
        float[] c = (float[]) raw().get("observations").data();
        for (int col = 0; col < 2; col++) for (int row = 0; row < 6; row++) obs.putFloat(c[row * 2 + col]); // Fortran
        ByteBuffer act = ByteBuffer.allocate(6 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : (float[]) raw().get("actions").data()) act.putFloat(v);
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            entry(z, "observations", "{'descr': '>f4', 'fortran_order': True, 'shape': (6, 2), }\n", obs.array());
            entry(z, "actions", "{'descr': '<f4', 'fortran_order': False, 'shape': (6, 1), }\n", act.array());
            entry(z, "terminals", "{'descr': '|b1', 'fortran_order': False, 'shape': (6,), }\n", new byte[]{0, 0, 1, 0, 0, 1});
        }
        MainTest.Result r = MainTest.run("datasets", "inspect", f.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("observations         <f4 shape (6, 2) (stored big-endian, Fortran order)"), r.out());
        assertTrue(r.out().contains("accepted by the loader: yes"), r.out());
    }

    static void zip(Path f, String key, String header, byte[] data) throws IOException {
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            entry(z, key, header, data);
        }
    }

    static void entry(ZipOutputStream z, String key, String header, byte[] data) throws IOException {
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        z.putNextEntry(new ZipEntry(key + ".npy"));
        z.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) text.length, (byte) (text.length >> 8)});
        z.write(text);
        z.write(data);
        z.closeEntry();
    }
}
