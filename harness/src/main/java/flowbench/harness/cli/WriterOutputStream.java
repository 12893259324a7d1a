package flowbench.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Bytes to a {@link PrintWriter}, decoded as UTF-8 one whole line at a time (so multi-byte characters are never
 * split), for APIs that want a {@link PrintStream} while picocli owns writers.
 */
final class WriterOutputStream extends OutputStream {
    private final PrintWriter writer;
    private final Runnable beforeLine;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    WriterOutputStream(PrintWriter writer, Runnable beforeLine) {
        this.writer = writer;
        this.beforeLine = beforeLine;
    }

    static PrintStream printStream(PrintWriter writer, Runnable beforeLine) {
        return new PrintStream(new WriterOutputStream(writer, beforeLine), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        buf.write(b);
        if (b == '\n') flush();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) write(b[off + i]);
    }

    @Override
    public synchronized void flush() {
        if (buf.size() == 0) {
            writer.flush();
            return;
        }
        if (beforeLine != null) beforeLine.run();
        writer.print(buf.toString(StandardCharsets.UTF_8));
        writer.flush();
        buf.reset();
    }

    @Override
    public void close() {
        flush();
    }
}
