package flowbench.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubmitTokensTest {
    @TempDir
    Path tmp;

    @Test
    void tokenFileNamesSubmitters() throws Exception {
        Path f = tmp.resolve("t.txt");
        Files.writeString(f, "# comment\n\nalice aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2\n");
        SubmitTokens t = SubmitTokens.load(f);
        assertEquals(2, t.count());
        assertEquals(Optional.of("alice"), t.check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"));
        assertEquals(Optional.of("token-2"), t.check("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2"));
        assertEquals(Optional.empty(), t.check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assertEquals(Optional.empty(), t.check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1x"));
        assertEquals(Optional.empty(), t.check(""));
        assertEquals(Optional.empty(), t.check(null));
    }

    @Test
    void badTokenFilesAreRefused() throws Exception {
        Path f = tmp.resolve("t.txt");
        Files.writeString(f, "a b c\n");
        assertTrue(assertThrows(IOException.class, () -> SubmitTokens.load(f)).getMessage().contains("line 1: expected 'TOKEN' or 'NAME TOKEN'"));
        Files.writeString(f, "# nothing\n");
        assertTrue(assertThrows(IOException.class, () -> SubmitTokens.load(f)).getMessage().contains("no token found"));
        assertThrows(IllegalArgumentException.class, () -> SubmitTokens.single("short", "env"));
        assertTrue(!SubmitTokens.none().enabled());
    }

    @Test
    void bearerHeaderParsing() {
        assertEquals("abc", SubmitTokens.bearer("Bearer abc"));
        assertEquals("abc", SubmitTokens.bearer("bearer   abc "));
        assertNull(SubmitTokens.bearer("Basic abc"));
        assertNull(SubmitTokens.bearer("Bearer"));
        assertNull(SubmitTokens.bearer(null));
    }
}
