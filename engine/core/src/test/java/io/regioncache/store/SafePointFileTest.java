package io.regioncache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.StoreException;

class SafePointFileTest
{
    @TempDir
    Path dir;

    @Test
    void aDirectoryWithoutTheFileHasNoSafePoint()
    {
        assertEquals(-1, SafePointFile.read(dir));
    }

    @Test
    void theLastWriteIsReadBackAndNoTemporaryFileStays() throws Exception
    {
        SafePointFile.write(dir, 20);
        assertEquals(20, SafePointFile.read(dir));
        SafePointFile.write(dir, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, SafePointFile.read(dir));
        assertFalse(Files.exists(dir.resolve(SafePointFile.NAME + ".tmp")));
    }

    @Test
    void aFileThatHoldsNoNumberIsAStoreException() throws Exception
    {
        Files.writeString(dir.resolve(SafePointFile.NAME), "twenty");
        assertThrows(StoreException.class, () -> SafePointFile.read(dir));
        Files.createDirectories(dir.resolve("d").resolve(SafePointFile.NAME));
        assertThrows(StoreException.class, () -> SafePointFile.read(dir.resolve("d")));
    }

    @Test
    void aDirectoryThatCannotTakeTheFileIsAStoreException()
    {
        assertThrows(StoreException.class, () -> SafePointFile.write(dir.resolve("missing"), 5));
    }
}
