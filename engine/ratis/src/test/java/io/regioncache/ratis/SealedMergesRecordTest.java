package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/**
 * A {@code sealed-merges} line carries a CRC32 of the record: a line damaged so that its hex still decodes (one hex
 * digit changed into another) must not be trusted as the seal a target checks a commit against.
 */
class SealedMergesRecordTest
{
    private static byte[] sealed()
    {
        final RegionMeta m = new RegionMeta(7, "b".getBytes(StandardCharsets.UTF_8),
            "m".getBytes(StandardCharsets.UTF_8), 3, RegionMeta.State.SEALED, 1, 42, new long[0], new long[0], 5);
        return m.encode();
    }

    @Test
    void aLineReadsBackItsRecord()
    {
        final byte[] meta = sealed();
        assertArrayEquals(meta, ReplicaNode.sealedRecord(ReplicaNode.sealedLine(meta)));
        assertEquals(7, RegionMeta.decode(ReplicaNode.sealedRecord(ReplicaNode.sealedLine(meta))).id());
    }

    @Test
    void everyHexDigitChangedIntoAnotherIsRefused()
    {
        final String line = ReplicaNode.sealedLine(sealed());
        final String digits = "0123456789abcdef";
        int refused = 0;
        for (int i = 0; i < line.length(); i++)
        {
            if (line.charAt(i) == ' ')
            {
                continue;
            }
            for (final char d : digits.toCharArray())
            {
                if (d != line.charAt(i))
                {
                    final String bad = line.substring(0, i) + d + line.substring(i + 1);
                    assertThrows(IllegalArgumentException.class, () -> ReplicaNode.sealedRecord(bad), bad);
                    refused++;
                }
            }
        }
        assertEquals((line.length() - 1) * 15, refused);
    }

    @Test
    void aTornLineIsRefusedAndALineWithoutItsCrcIsReadAsBefore()
    {
        final byte[] meta = sealed();
        final String line = ReplicaNode.sealedLine(meta);
        assertThrows(IllegalArgumentException.class, () -> ReplicaNode.sealedRecord(line.substring(0,
            line.length() - 3)));
        // written before the CRC: the hex alone
        assertArrayEquals(meta, ReplicaNode.sealedRecord(HexFormat.of().formatHex(meta)));
    }
}
