package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.regioncache.WriteBatch;
import io.regioncache.ratis.EntryFormatException.Reason;

/**
 * Format 1 is frozen: these bytes were written by the first version of the codec and committed; every later
 * version must decode them to the same entries (they live on in Raft logs and snapshots).
 */
class EntryCodecTest
{
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] hex(final String s)
    {
        return HEX.parseHex(s);
    }

    @Test
    void goldenFormat1EntriesStillDecode()
    {
        final Entry.Write w = (Entry.Write)EntryCodec.decode(hex("010107039af1d9a2a3020201036b65790576616c75650204676f6e65"));
        assertEquals(7, w.regionId());
        assertEquals(3, w.epochVersion());
        assertEquals(0x1234_5678_9AL, w.version());
        assertEquals(2, w.ops().size());
        assertEquals(WriteBatch.PUT, w.ops().get(0).op());
        assertArrayEquals(b("key"), w.ops().get(0).key());
        assertArrayEquals(b("value"), w.ops().get(0).value());
        assertEquals(WriteBatch.DELETE, w.ops().get(1).op());
        assertArrayEquals(b("gone"), w.ops().get(1).key());
        assertNull(w.ops().get(1).value());

        final Entry.Split s = (Entry.Split)EntryCodec.decode(hex("01020703e80702016d2a01742b"));
        assertEquals(1000, s.version());
        assertArrayEquals(b("m"), s.splitKeys()[0]);
        assertArrayEquals(b("t"), s.splitKeys()[1]);
        assertArrayEquals(new long[] {42, 43}, s.newRegionIds());

        final Entry.PrepareMerge p = (Entry.PrepareMerge)EntryCodec.decode(hex("01032a04e90707"));
        assertEquals(42, p.regionId());
        assertEquals(4, p.epochVersion());
        assertEquals(1001, p.version());
        assertEquals(7, p.targetId());

        final Entry.CommitMerge c = (Entry.CommitMerge)EntryCodec.decode(hex("01040704ea072a040161016de907"));
        assertEquals(7, c.regionId());
        assertEquals(1002, c.version());
        assertEquals(42, c.sourceId());
        assertEquals(4, c.sourceEpochVersion());
        assertArrayEquals(b("a"), c.sourceStart());
        assertArrayEquals(b("m"), c.sourceEnd());
        assertEquals(1001, c.sourceLastVersion());

        final Entry.RollbackMerge r = (Entry.RollbackMerge)EntryCodec.decode(hex("01052a04eb07"));
        assertEquals(42, r.regionId());
        assertEquals(1003, r.version());

        final Entry.DeleteRange d = (Entry.DeleteRange)EntryCodec.decode(hex("01060705ec0701700171"));
        assertArrayEquals(b("p"), d.start());
        assertArrayEquals(b("q"), d.end());

        final Entry.Get g = (Entry.Get)EntryCodec.decode(hex("0110070500036b6579"));
        assertArrayEquals(b("key"), g.key());
        assertEquals(0, g.version());

        assertInstanceOf(Entry.Describe.class, EntryCodec.decode(hex("0111070000")));

        final Entry.Scan sc = (Entry.Scan)EntryCodec.decode(hex("0112070500016101720a"));
        assertArrayEquals(b("a"), sc.start());
        assertArrayEquals(b("r"), sc.end());
        assertEquals(10, sc.limit());
        assertEquals("0212070500016101720a", HEX.formatHex(EntryCodec.encode(sc)), "written as format 2, same body");

        final RegionMeta m = RegionMeta.decode(hex("0107016100050109ec07012a012b"));
        assertEquals(7, m.id());
        assertArrayEquals(b("a"), m.start());
        assertEquals(0, m.end().length);
        assertEquals(5, m.epochVersion());
        assertEquals(RegionMeta.State.MERGING, m.state());
        assertEquals(9, m.mergeTarget());
        assertEquals(1004, m.lastVersion());
        assertArrayEquals(new long[] {42}, m.children());
        assertArrayEquals(new long[] {43}, m.mergedSources());
        assertEquals(0, m.mergeTargetEpoch(), "format 1 has none");
        // format 2: format 1's bytes, then the merge target's epoch (here a source SEALED into 9 at its epoch 6)
        assertEquals("0207016100050109ec07012a012b00", HEX.formatHex(m.encode()));
        final RegionMeta sealed = RegionMeta.decode(hex("0207016100050309ec07012a012b06"));
        assertEquals(RegionMeta.State.SEALED, sealed.state());
        assertEquals(9, sealed.mergeTarget());
        assertEquals(6, sealed.mergeTargetEpoch());
        assertEquals("0207016100050309ec07012a012b06", HEX.formatHex(sealed.encode()));
    }

    @Test
    void encodingIsStableAndRoundTrips()
    {
        final Entry w = new Entry.Write(7, 3, 0x1234_5678_9AL,
            List.of(new Entry.Op(WriteBatch.PUT, b("key"), b("value")), new Entry.Op(WriteBatch.DELETE, b("gone"), null)));
        assertEquals("020107039af1d9a2a3020201036b65790576616c75650204676f6e65", HEX.formatHex(EntryCodec.encode(w)));
        final Entry again = EntryCodec.decode(EntryCodec.encode(EntryCodec.withVersion(w, 99)));
        assertEquals(99, again.version());
        final Reply reply = new Reply(Reply.Status.STALE_EPOCH, 5, b("x"),
            RegionMeta.initial(3, b("a"), b("z")), "why");
        final Reply back = Reply.decode(reply.encode());
        assertEquals(Reply.Status.STALE_EPOCH, back.status());
        assertEquals(5, back.version());
        assertArrayEquals(b("x"), back.value());
        assertEquals(reply.meta(), back.meta());
        assertEquals("why", back.detail());
    }

    /**
     * Format 2 (what this code writes) allows a split's derived new ids only; format 1 (old logs) keeps its ids as
     * written. The derivation is part of the format: a change to it would refuse splits already in format-2 logs on
     * replay, so its values are pinned here.
     */
    @Test
    void format2SplitIdsAreTheDerivedOnesAndFormat1KeepsItsOwn()
    {
        assertEquals(5214663411659081800L, Entry.Split.newRegionId(7, 3, 0));
        assertEquals(946398099620116007L, Entry.Split.newRegionId(7, 3, 1));
        assertEquals(3090222187561359524L, Entry.Split.newRegionId(ReplicaNode.ROOT_REGION_ID, 1, 0));
        final String golden = "02020703e80702016dc890aa99e9978daf480174a7ecd8ffea8192910d";
        final Entry.Split s = (Entry.Split)EntryCodec.decode(hex(golden));
        assertArrayEquals(new long[] {5214663411659081800L, 946398099620116007L}, s.newRegionIds());
        final RegionMeta parent = new RegionMeta(7, new byte[0], new byte[0], 3, RegionMeta.State.NORMAL, 0, 0,
            new long[0], new long[0]);
        assertEquals(golden, HEX.formatHex(EntryCodec.encode(EntryCodec.withVersion(Entry.Split.of(parent, b("m"),
            b("t")), 1000))));
        // the same entry naming its ids in the other order, or the next epoch's ids: refused in format 2, by
        // decode (every replica) and by encode (the client, before sending)
        assertEquals(Reason.INVALID, reasonOf(hex("02020703e80702016da7ecd8ffea8192910d0174c890aa99e9978daf48")));
        final Entry.Split nextEpoch = new Entry.Split(7, 3, 0, new byte[][] {b("m")},
            new long[] {Entry.Split.newRegionId(7, 4, 0)});
        final EntryFormatException ex = assertThrows(EntryFormatException.class, () -> EntryCodec.encode(nextEpoch));
        assertEquals(Reason.INVALID, ex.reason());
        // format 1: ids 42 and 43 as written (the golden bytes of the first test), and swapped ones too
        assertArrayEquals(new long[] {43, 42}, ((Entry.Split)EntryCodec.decode(hex("01020703e80702016d2b01742a")))
            .newRegionIds());
        // distinct positions, epochs and parents give distinct ids (a hash collision aside): none repeats here
        final java.util.Set<Long> seen = new java.util.HashSet<>();
        for (long parent2 = 1; parent2 <= 64; parent2++)
        {
            for (long epoch = 1; epoch <= 64; epoch++)
            {
                for (int i = 0; i < EntryCodec.MAX_SPLIT_KEYS; i++)
                {
                    final long id = Entry.Split.newRegionId(parent2, epoch, i);
                    assertTrue(id >= 2, "ids 0 and 1 are reserved");
                    assertTrue(seen.add(id), "repeated id " + id);
                }
            }
        }
    }

    /** Type 7, new in format 2: the source's seal of its merge, naming the target and its epoch. */
    @Test
    void aSealMergeIsTypeSevenAndNamesItsTarget()
    {
        final Entry.SealMerge sm = (Entry.SealMerge)EntryCodec.decode(hex("02072a04e9070705"));
        assertEquals(42, sm.regionId());
        assertEquals(4, sm.epochVersion());
        assertEquals(1001, sm.version());
        assertEquals(7, sm.targetId());
        assertEquals(5, sm.targetEpoch());
        assertEquals("02072a04e9070705", HEX.formatHex(EntryCodec.encode(sm)));
        assertEquals(2002, EntryCodec.withVersion(sm, 2002).version());
        assertTrue(sm.mutates());
        assertEquals(Reason.INVALID, reasonOf(hex("02072a04e9072a05")), "sealed for a merge into itself");
    }

    @Test
    void scanPagesRoundTripAndStopGrowingAtTheirSizeLimit()
    {
        final ScanPage.Builder b = new ScanPage.Builder();
        b.add(b("a"), b("1"));
        b.add(b("b"), new byte[0]);
        final ScanPage page = ScanPage.decode(b.build(true));
        assertTrue(page.more());
        assertEquals(2, page.pairs().size());
        assertArrayEquals(b("b"), page.pairs().get(1).key());
        assertEquals(0, page.pairs().get(1).value().length);
        final ScanPage.Builder big = new ScanPage.Builder();
        final byte[] value = new byte[EntryCodec.MAX_VALUE_BYTES];
        assertTrue(big.fits(b("k"), value), "a first pair always fits");
        big.add(b("k"), value);
        assertFalse(big.fits(b("l"), b("x")), "nothing joins a full page");
        final Reply reply = Reply.decode(new Reply(Reply.Status.OK, 1, big.build(true), null, "").encode());
        assertEquals(1, ScanPage.decode(reply.value()).pairs().size());
        assertEquals(Reason.INVALID, reasonOf(hex("01120705000161016100")), "limit 0");
        assertEquals(Reason.INVALID, reasonOf(hex("0112070500016201610a")), "end before start");
        assertEquals(Reason.TOO_LARGE, reasonOf(hex("011207050001610172914e")), "limit above the maximum");
    }

    private static Reason reasonOf(final byte[] bytes)
    {
        return assertThrows(EntryFormatException.class, () -> EntryCodec.decode(bytes)).reason();
    }

    @Test
    void malformedEntriesAreRefusedWithAReason()
    {
        final byte[] good = hex("010107039af1d9a2a3020201036b65790576616c75650204676f6e65");
        for (int len = 0; len < good.length; len++)
        {
            assertEquals(Reason.TRUNCATED, reasonOf(Arrays.copyOf(good, len)), "prefix of " + len + " bytes");
        }
        assertEquals(Reason.TRAILING_BYTES, reasonOf(Arrays.copyOf(good, good.length + 1)));
        final byte[] format3 = good.clone();
        format3[0] = 3;
        assertEquals(Reason.UNKNOWN_FORMAT, reasonOf(format3));
        final byte[] type99 = good.clone();
        type99[1] = 99;
        assertEquals(Reason.UNKNOWN_TYPE, reasonOf(type99));
        // A varint of 10 continuation bytes.
        assertEquals(Reason.BAD_NUMBER, reasonOf(hex("0101ffffffffffffffffffff01")));
        // Write with zero ops; with op code 9; with a key length over the limit; with 70,000 ops announced.
        assertEquals(Reason.INVALID, reasonOf(hex("0101070300" + "00")));
        assertEquals(Reason.INVALID, reasonOf(hex("0101070300" + "01" + "09016b")));
        assertEquals(Reason.TOO_LARGE, reasonOf(hex("0101070300" + "01" + "01" + "8141")));
        assertEquals(Reason.TOO_LARGE, reasonOf(hex("0101070300" + "f0a204")));
        // Split keys out of order; split into its own id.
        assertEquals(Reason.INVALID, reasonOf(hex("0102070300" + "02" + "01742a" + "016d2b")));
        assertEquals(Reason.INVALID, reasonOf(hex("0102070300" + "01" + "016d07")));
        // A merge of a region into itself, prepared or committed (a commit of it removed the region's own group).
        for (final Entry self : List.of(new Entry.PrepareMerge(5, 1, 0, 5),
            new Entry.CommitMerge(5, 1, 0, 5, 1, b("a"), b("m"), 0)))
        {
            assertEquals(Reason.INVALID, assertThrows(EntryFormatException.class,
                () -> EntryCodec.decode(EntryCodec.encode(self))).reason(), self.toString());
        }
        // Whole entry over the limit.
        assertEquals(Reason.TOO_LARGE, reasonOf(new byte[EntryCodec.MAX_ENTRY_BYTES + 1]));
        // The encoder refuses what every replica would refuse.
        final Entry huge = new Entry.Write(1, 1, 0,
            List.of(new Entry.Op(WriteBatch.PUT, new byte[EntryCodec.MAX_KEY_BYTES + 1], b("v"))));
        assertEquals(Reason.TOO_LARGE, assertThrows(EntryFormatException.class, () -> EntryCodec.encode(huge)).reason());
    }
}
