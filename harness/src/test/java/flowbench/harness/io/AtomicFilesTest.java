package flowbench.harness.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesCompleteFileAndLeavesNoTemporary() throws IOException {
        Path f = dir.resolve("sub/run.json");
        AtomicFiles.writeString(f, "{\"a\":1}\n");
        assertEquals("{\"a\":1}\n", Files.readString(f));
        AtomicFiles.writeString(f, "second");
        assertEquals("second", Files.readString(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(List.of("run.json"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void failureWhileWritingKeepsTheOldFileAndRemovesTheTemporary() throws IOException {
        Path f = dir.resolve("eval.csv");
        AtomicFiles.writeString(f, "old complete content");
        IOException boom = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("new partial con".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("disk full", boom.getMessage());
        assertEquals("old complete content", Files.readString(f));
        assertEquals(List.of("eval.csv"), names());
    }

    @Test
    void concurrentReaderNeverSeesAPartialFile() throws Exception {
        Path f = dir.resolve("big.bin");
        int size = 1 << 20;
        byte[] a = new byte[size];
        byte[] b = new byte[size];
        Arrays.fill(a, (byte) 'A');
        Arrays.fill(b, (byte) 'B');
        AtomicFiles.write(f, out -> out.write(a));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> bad = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get() && bad.get() == null) {
                try {
                    byte[] got = Files.readAllBytes(f);
                    reads.incrementAndGet();
                    if (got.length != size) bad.set("read " + got.length + " bytes");
                    else if (got[0] != got[size - 1]) bad.set("mixed content");
                } catch (NoSuchFileException e) {
                    bad.set("file missing during replacement");
                } catch (IOException e) {
                    bad.set(e.toString());
                }
            }
        });
        reader.start();
        for (int i = 0; i < 40; i++) {
            byte[] content = i % 2 == 0 ? b : a;
            // written in small pieces so that a non-atomic write would be caught half-way
            AtomicFiles.write(f, out -> {
                for (int off = 0; off < size; off += 4096) out.write(content, off, 4096);
            });
        }
        stop.set(true);
        reader.join();
        assertNull(bad.get(), bad.get());
        assertTrue(reads.get() > 0);
        assertArrayEquals(a, Files.readAllBytes(f));
    }

    @Test
    void staleTemporariesAreRemovedAndNothingElse() throws IOException {
        Files.writeString(dir.resolve(".run.json.123.tmp"), "partial");
        Files.writeString(dir.resolve("keep.tmp"), "not ours: no leading dot");
        Files.writeString(dir.resolve("run.json"), "{}");
        AtomicFiles.deleteStaleTemporaries(dir);
        assertEquals(List.of("keep.tmp", "run.json"), names());
    }

    @Test
    void deleteTreeRemovesFoldersAndToleratesAbsence() throws IOException {
        Path t = dir.resolve("a/b/c");
        Files.createDirectories(t);
        Files.writeString(t.resolve("x"), "x");
        AtomicFiles.deleteTree(dir.resolve("a"));
        assertFalse(Files.exists(dir.resolve("a")));
        AtomicFiles.deleteTree(dir.resolve("a"));
    }
}
