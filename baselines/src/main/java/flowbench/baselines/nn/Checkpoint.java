package flowbench.baselines.nn;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Saves and restores named parameter blocks and Adam states (moments and step count) bit-exactly, so that a resumed
 * training continues exactly as an uninterrupted one.
 *
 * <pre>{@code
 * Checkpoint ck = new Checkpoint().add("critic", critic).add("target_critic", target).add("critic_opt", adam);
 * ck.write(dir.resolve("nets.bin"));   // atomic: temp file in the same folder, fsync, rename
 * ck.read(dir.resolve("nets.bin"));    // into the same (freshly built) objects; every entry must be present
 * }</pre>
 *
 * <p>Format (big-endian): int magic "FBNN", int version 1, int entry count, then per entry: byte kind ('P' parameters,
 * 'A' Adam), UTF name, payload. Parameters: UTF layout (tensor names and shapes), int n, n raw float bits. Adam: five
 * doubles (lr, β1, β2, eps, clip), long step, int blocks, per block: UTF layout, int n, n floats m, n floats v.
 */
public final class Checkpoint {
    static final int MAGIC = 0x46424E4E; // "FBNN"
    static final int VERSION = 1;

    private final Map<String, Object> entries = new LinkedHashMap<>();

    public Checkpoint add(String name, Module module) {
        return add(name, module.parameters());
    }

    public Checkpoint add(String name, Parameters params) {
        return put(name, params);
    }

    public Checkpoint add(String name, Adam adam) {
        return put(name, adam);
    }

    private Checkpoint put(String name, Object o) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("checkpoint entry name must be non-empty");
        if (entries.putIfAbsent(name, o) != null) {
            throw new IllegalArgumentException("checkpoint entry '" + name + "' added twice");
        }
        return this;
    }

    /** Writes atomically: a temporary file in the same folder, fsync, then an atomic rename. */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream os = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16)) {
                write(os);
                os.flush();
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public void write(OutputStream stream) throws IOException {
        DataOutputStream out = new DataOutputStream(stream);
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(entries.size());
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            if (e.getValue() instanceof Parameters p) {
                out.writeByte('P');
                out.writeUTF(e.getKey());
                p.write(out);
            } else {
                out.writeByte('A');
                out.writeUTF(e.getKey());
                ((Adam) e.getValue()).write(out);
            }
        }
        out.flush();
    }

    public void read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            read(in, file.toString());
        }
    }

    /**
     * Restores every registered entry from {@code stream}; the file must hold exactly the registered names, kinds and
     * layouts. {@code source} names the stream in error messages.
     */
    public void read(InputStream stream, String source) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        try {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IOException(source + ": not a flowbench nn checkpoint (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x" + Integer.toHexString(MAGIC) + ")");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException(source + ": checkpoint version " + version + ", expected " + VERSION);
            }
            int count = in.readInt();
            Set<String> seen = new HashSet<>();
            Map<Object, Object> staged = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                int kind = in.readByte();
                String name = in.readUTF();
                Object target = entries.get(name);
                String where = source + ": entry '" + name + "'";
                if (target == null) {
                    throw new IOException(where + " is not expected (expected entries " + entries.keySet() + ")");
                }
                if (!seen.add(name)) throw new IOException(where + " appears twice");
                if (kind == 'P' && target instanceof Parameters p) {
                    staged.put(p, p.readStaged(in, where));
                } else if (kind == 'A' && target instanceof Adam a) {
                    staged.put(a, a.readStaged(in, where));
                } else {
                    throw new IOException(where + ": kind '" + (char) kind + "' but expected "
                            + (target instanceof Adam ? "'A' (Adam state)" : "'P' (parameters)"));
                }
            }
            if (seen.size() != entries.size()) {
                Set<String> missing = new HashSet<>(entries.keySet());
                missing.removeAll(seen);
                throw new IOException(source + ": missing entries " + missing);
            }
            if (in.read() != -1) throw new IOException(source + ": unexpected bytes after the last entry");
            // everything validated: only now touch the live objects, so a bad file leaves them unchanged
            for (Map.Entry<Object, Object> e : staged.entrySet()) {
                if (e.getKey() instanceof Parameters p) p.restore((float[]) e.getValue());
                else ((Adam) e.getKey()).restore((Adam.State) e.getValue());
            }
        } catch (EOFException e) {
            throw new IOException(source + ": truncated checkpoint", e);
        }
    }

    private static final int CHUNK = 16384;

    static void writeFloats(DataOutput out, float[] a, int n) throws IOException {
        byte[] buf = new byte[CHUNK * Float.BYTES];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        for (int off = 0; off < n; off += CHUNK) {
            int len = Math.min(CHUNK, n - off);
            bb.clear();
            bb.asFloatBuffer().put(a, off, len);
            out.write(buf, 0, len * Float.BYTES);
        }
    }

    static void readFloats(DataInput in, float[] a, int n) throws IOException {
        byte[] buf = new byte[CHUNK * Float.BYTES];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        for (int off = 0; off < n; off += CHUNK) {
            int len = Math.min(CHUNK, n - off);
            in.readFully(buf, 0, len * Float.BYTES);
            bb.clear();
            bb.asFloatBuffer().get(a, off, len);
        }
    }
}
