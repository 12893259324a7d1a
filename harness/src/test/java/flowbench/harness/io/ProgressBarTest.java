package flowbench.harness.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    private static final long S = 1_000_000_000L;

    @Test
    void plainModePrintsPeriodicLinesWithRateAndEta() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), false, 10_000, now::get);
        bar.progress(0, 1000, "train");
        for (int i = 1; i <= 1000; i++) {
            now.addAndGet(S / 20); // 20 steps per second
            bar.progress(i, 1000, "train");
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        // first report, one line per 10 s of the 50 s, and the completion line
        assertEquals(6, lines.length, String.join("\n", lines));
        assertFalse(buf.toString(StandardCharsets.UTF_8).contains("\r"));
        assertTrue(lines[1].startsWith("train [") && lines[1].contains(" 20.0/s ETA 40s"), lines[1]);
        assertTrue(lines[5].contains("100.0% 1000/1000") && lines[5].contains("done in 50s"), lines[5]);
    }

    @Test
    void ttyModeRedrawsInPlaceAndEndsTheLineOnCompletion() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), true, 10_000, now::get);
        for (int i = 0; i <= 10; i++) {
            now.addAndGet(S);
            bar.progress(i, 10, "eval@100");
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        assertEquals(11, s.chars().filter(c -> c == '\r').count());
        assertTrue(s.endsWith("\n"));
        assertEquals(1, s.chars().filter(c -> c == '\n').count());
    }

    @Test
    void durations() {
        assertEquals("59s", ProgressBar.duration(59.4));
        assertEquals("1m05s", ProgressBar.duration(65));
        assertEquals("2h03m", ProgressBar.duration(2 * 3600 + 3 * 60 + 9));
    }
}
