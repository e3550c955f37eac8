package io.regioncache.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CountersFile;

/**
 * The fuzzing finding on {@link CountersFile#read} (audit 32), as a plain test: a file whose header gives more
 * metadata records than value records, with an allocated record past the last value, is read by Agrona's
 * {@code CountersReader.forEach}, which walks the metadata buffer and reads each allocated record's value at
 * {@code id * 128} of the values buffer without checking it: with Agrona's bounds checks on (the tests) the read throws
 * {@code IndexOutOfBoundsException}, not the documented {@code IllegalArgumentException} ("not a RegionCache counters
 * file"); with them off (what README "Embedding" allows in production) it reads past the values, up to past the end
 * of the mapping. {@code read}'s checks require at least as many metadata records as value records, and check the
 * labels of the first {@code values / 128} records only: so an allocated record past them with a negative label length
 * throws {@code NegativeArraySizeException} from {@code CountersReader.labelValue} (found by the second fuzzing run,
 * {@code crash-3590f027...}), and a huge one makes Agrona allocate the label before its bounds check (the third run,
 * {@code crash-33259295...}: 251,665,472 bytes allocated for a 906-byte file, then {@code IndexOutOfBoundsException};
 * the fourth, {@code crash-7948ab64...}: a label length near 2^31, an {@code OutOfMemoryError} in the 2 GiB test JVM,
 * which is what {@code regioncache stat} would meet on such a file). Fixed 2026-12-08: {@code read} checks every
 * record the reader will visit (a described counter without a value, a label length outside its record) and refuses
 * the file with {@code IllegalArgumentException}; each test here failed before.
 */
class CountersFileRefusalTest
{
    private static final int MAGIC = 0x52435354;
    private static final int HEADER = 64;
    private static final int METADATA_LENGTH = 512;
    private static final int COUNTER_LENGTH = 128;
    private static final int LABEL_OFFSET = 128;

    /** Two allocated counters described, room for one value. */
    static byte[] twoRecordsOneValue()
    {
        final ByteBuffer b = ByteBuffer.allocate(HEADER + 2 * METADATA_LENGTH + COUNTER_LENGTH)
            .order(ByteOrder.nativeOrder());
        b.putInt(0, MAGIC).putInt(4, 1).putInt(8, 2 * METADATA_LENGTH).putInt(12, COUNTER_LENGTH);
        for (int id = 0; id < 2; id++)
        {
            final int at = HEADER + id * METADATA_LENGTH;
            b.putInt(at, 1); // RECORD_ALLOCATED
            b.putInt(at + LABEL_OFFSET, 1);
            b.put(at + LABEL_OFFSET + 4, (byte)('a' + id));
        }
        return b.array();
    }

    @Test
    void moreMetadataRecordsThanValuesIsRefusedTyped(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("counters.dat");
        Files.write(file, twoRecordsOneValue());
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(file));
    }

    @Test
    void aHugeLabelPastTheValuesIsRefusedTyped(@TempDir final Path dir) throws IOException
    {
        final byte[] bytes = twoRecordsOneValue();
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putInt(HEADER + METADATA_LENGTH + LABEL_OFFSET,
            100_000_000);
        final Path file = dir.resolve("counters.dat");
        Files.write(file, bytes);
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(file));
    }

    @Test
    void aNegativeLabelPastTheValuesIsRefusedTyped(@TempDir final Path dir) throws IOException
    {
        final byte[] bytes = twoRecordsOneValue();
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putInt(HEADER + METADATA_LENGTH + LABEL_OFFSET, -1);
        final Path file = dir.resolve("counters.dat");
        Files.write(file, bytes);
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(file));
    }
}
