package io.regioncache.internal.table;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.bench.ProbeRounds;
import io.regioncache.bench.ProbeRounds.Variant;
import io.regioncache.bench.MemoryLatencyBenchmark;
import io.regioncache.bench.store.ReadStore;
import io.regioncache.bench.support.AccessPattern;
import io.regioncache.bench.support.KeySpace;
import io.regioncache.internal.memory.SegmentPool;

/**
 * The steps of {@link GetPathBenchmark} (and the chase and a whole {@code Snapshot.get}) timed in interleaved rounds
 * in one JVM: every round times every variant once, so a load change on a shared machine hits all variants alike,
 * which back-to-back JMH benchmarks (seconds apart) do not guarantee on two shared cores. Reports the median and
 * the minimum over rounds of ns per operation. With huge pages available (JDK 22+) every memory variant runs on
 * both backings. Run: {@code java --enable-native-access=ALL-UNNAMED
 * --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -XX:MaxDirectMemorySize=8g -cp bench/target/benchmarks.jar
 * io.regioncache.internal.table.GetPathProbe [rounds]}.
 */
public final class GetPathProbe
{
    private static final int OPS = 1 << 20;
    private static final int WARMUP_ROUNDS = 3;

    private GetPathProbe()
    {
    }

    /**
     * @param args optional number of measured rounds (default 15), then an optional regex: only the variants whose
     *             names match it run.
     * @throws Exception if a store cannot be built.
     */
    public static void main(final String[] args) throws Exception
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        final boolean huge = null == SegmentPool.hugePagesStatus();
        final List<Variant> variants = new ArrayList<>();
        for (final String pages : huge ? new String[] {"default", "huge"} : new String[] {"default"})
        {
            addVariants(variants, pages);
        }
        if (args.length > 1)
        {
            variants.removeIf(v -> !v.name().matches(args[1]));
        }
        ProbeRounds.run(variants, WARMUP_ROUNDS, rounds, OPS);
        System.exit(0);
    }

    /**
     * {@link HashIndex#find} with the next entry's first line loaded together with the home entry's (an
     * independent load), so that a key displaced by one slot costs no second dependent miss. Inline keys only.
     */
    static int findAhead(final UnsafeBuffer entries, final int mask, final long hash, final UnsafeBuffer key)
    {
        final int tag = (int)(hash >>> 49);
        int index = (int)hash & mask;
        int meta = entries.getIntAcquire((index << 7) + 8);
        int next = entries.getIntAcquire((((index + 1) & mask) << 7) + 8);
        while (true)
        {
            if (0 == meta)
            {
                return -1;
            }
            if (((meta >>> 16) & 0x7FFF) == tag &&
                KeyCompare.equals(entries, (index << 7) + 12, (meta >>> 8) & 0xFF, key, 0, KeySpace.KEY_LENGTH))
            {
                return index;
            }
            index = (index + 1) & mask;
            meta = next;
            next = entries.getIntAcquire((((index + 1) & mask) << 7) + 8);
        }
    }

    /** A get at the newest version reduced to its loads: what overlap across independent gets a lean path gets. */
    static int leanGet(final byte[] eb, final long base, final int mask, final UnsafeBuffer key, final byte[] db,
        final long da, final boolean touch, final boolean longCopy)
    {
        final byte[] kb = key.byteArray();
        final long ka = key.addressOffset();
        final long k0 = org.agrona.UnsafeApi.getLong(kb, ka);
        final long k1 = org.agrona.UnsafeApi.getLong(kb, ka + 8);
        final long hash = KeyHash.hash(key, 0, 16);
        final int tag = (int)(hash >>> 49);
        int index = (int)hash & mask;
        while (true)
        {
            final long a = base + ((long)index << 7);
            if (touch)
            {
                org.agrona.UnsafeApi.getLongAcquire(eb, a + 64); // the second line requested with the first
            }
            final long version = org.agrona.UnsafeApi.getLongAcquire(eb, a);
            final int meta = org.agrona.UnsafeApi.getInt(eb, a + 8);
            if (0 == meta)
            {
                return -1;
            }
            if (((meta >>> 16) & 0x7FFF) == tag && ((meta >>> 8) & 0xFF) == 16 &&
                org.agrona.UnsafeApi.getLong(eb, a + 12) == k0 && org.agrona.UnsafeApi.getLong(eb, a + 20) == k1)
            {
                final int len = meta & 0xFF;
                if (longCopy)
                {
                    int i = 0;
                    for (; i + 8 <= len; i += 8)
                    {
                        org.agrona.UnsafeApi.putLong(db, da + i, org.agrona.UnsafeApi.getLong(eb, a + 28 + i));
                    }
                    for (; i < len; i++)
                    {
                        org.agrona.UnsafeApi.putByte(db, da + i, org.agrona.UnsafeApi.getByte(eb, a + 28 + i));
                    }
                }
                else
                {
                    org.agrona.UnsafeApi.copyMemory(eb, a + 28, db, da, len);
                }
                java.lang.invoke.VarHandle.acquireFence();
                return org.agrona.UnsafeApi.getLong(eb, a) == version ? len : -3;
            }
            index = (index + 1) & mask;
        }
    }

    /**
     * A find whose next key depends on this one's result (as the chase's next address does): the latency of one
     * lookup, no overlap between operations, comparable with {@code chase1}.
     */
    private static void addSerialFind(final List<Variant> variants, final String name, final GetPathBenchmark.Table t,
        final GetPathBenchmark.Cursor c, final int[] keys, final boolean ahead)
    {
        variants.add(new Variant(name)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int dep = 0;
                int cursor = c.cursor;
                for (int i = 0; i < ops; i++)
                {
                    cursor = (cursor + 1 + dep) & (AccessPattern.LENGTH - 1);
                    t.keySpace.writeKey(keys[cursor], c.key, 0);
                    final long hash = KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH);
                    final int slot = ahead ? findAhead(t.entries, t.mask, hash, c.key) :
                        t.index.find(t.arena, hash, c.key, 0, KeySpace.KEY_LENGTH);
                    dep = slot >>> 31; // 0: every key is present
                    sum += slot;
                }
                c.cursor = cursor;
                return sum;
            }
        });
    }

    /** Write the next 16 keys of the access pattern after {@code cursor} into {@code keys}, 16 bytes apart. */
    private static int writeKeys16(final GetPathBenchmark.Table t, final int cursor, final UnsafeBuffer keys)
    {
        int c = cursor;
        for (int k = 0; k < 16; k++)
        {
            c = (c + 1) & (AccessPattern.LENGTH - 1);
            t.keySpace.writeKey(t.indices[c], keys, k * KeySpace.KEY_LENGTH);
        }
        return c;
    }

    /** Hash the 16 keys {@link #writeKeys16} wrote, into {@code hashes}. */
    private static void hash16(final UnsafeBuffer keys, final long[] hashes)
    {
        for (int k = 0; k < 16; k++)
        {
            hashes[k] = KeyHash.hash(keys, k * KeySpace.KEY_LENGTH, KeySpace.KEY_LENGTH);
        }
    }

    private static void addVariants(final List<Variant> variants, final String pages) throws Exception
    {
        final MemoryLatencyBenchmark.Memory memory = new MemoryLatencyBenchmark.Memory();
        memory.keys = 1_000_000;
        memory.pages = pages;
        memory.setup();
        final UnsafeBuffer chase = memory.buffer();
        final GetPathBenchmark.Table t = new GetPathBenchmark.Table();
        t.keys = 1_000_000;
        t.pages = pages;
        t.load();
        final GetPathBenchmark.Cursor c = new GetPathBenchmark.Cursor();
        final ReadStore store = ReadStore.open("huge".equals(pages) ? ReadStore.REGIONCACHE_HUGE :
            ReadStore.REGIONCACHE, t.keySpace);
        final ReadStore.Reader reader = store.newReader();
        variants.add(new Variant("chase1 " + pages)
        {
            private long position;

            @Override
            protected long run(final int ops)
            {
                long p = position;
                for (int i = 0; i < ops; i++)
                {
                    p = chase.getLong((int)p);
                }
                position = p;
                return p;
            }
        });
        variants.add(new Variant("entryLines " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    c.next(t);
                    final long hash = KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH);
                    final int entry = ((int)hash & t.mask) << 7;
                    sum += t.entries.getInt(entry + 8) + t.entries.getLong(entry + 120);
                }
                return sum;
            }
        });
        variants.add(new Variant("serial entryLine " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int dep = 0;
                int cursor = c.cursor;
                for (int i = 0; i < ops; i++)
                {
                    cursor = (cursor + 1 + dep) & (AccessPattern.LENGTH - 1);
                    t.keySpace.writeKey(t.indices[cursor], c.key, 0);
                    final long hash = KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH);
                    final int meta = t.entries.getInt((((int)hash & t.mask) << 7) + 8);
                    dep = meta >>> 31 ^ 1; // 0: the used bit is always set
                    sum += meta;
                }
                c.cursor = cursor;
                return sum;
            }
        });
        addSerialFind(variants, "serial find " + pages, t, c, t.indices, false);
        addSerialFind(variants, "serial find home " + pages, t, c, t.homeIndices, false);
        addSerialFind(variants, "serial find away " + pages, t, c, t.awayIndices, false);
        addSerialFind(variants, "serial findAhead away " + pages, t, c, t.awayIndices, true);
        variants.add(new Variant("serial tableGet " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int dep = 0;
                int cursor = c.cursor;
                for (int i = 0; i < ops; i++)
                {
                    cursor = (cursor + 1 + dep) & (AccessPattern.LENGTH - 1);
                    t.keySpace.writeKey(t.indices[cursor], c.key, 0);
                    final int length = t.table.get(c.key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE - 1, c.dst, 0);
                    dep = length >>> 31; // 0: every key is present
                    sum += length;
                }
                c.cursor = cursor;
                return sum;
            }
        });
        variants.add(new Variant("serial tableGet touched " + pages)
        {
            private long hits;

            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int dep = 0;
                int cursor = c.cursor;
                for (int i = 0; i < ops; i++)
                {
                    cursor = (cursor + 1 + dep) & (AccessPattern.LENGTH - 1);
                    t.keySpace.writeKey(t.indices[cursor], c.key, 0);
                    // Both lines of the home entry requested before the probe (the branch keeps the loads alive).
                    if (t.index.touchHome(KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH)) == 0x5EED_5EEDL)
                    {
                        hits++;
                    }
                    final int length = t.table.get(c.key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE - 1, c.dst, 0);
                    dep = length >>> 31; // 0: every key is present
                    sum += length;
                }
                c.cursor = cursor;
                return sum + hits;
            }
        });
        // The general path alone (find, then readInline), as every get took before HashIndex.getInline: the A/B of
        // the one-pass path within one JVM and one round.
        variants.add(new Variant("tableGet general " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    c.next(t);
                    final long hash = KeyHash.hash(c.key, 0, KeySpace.KEY_LENGTH);
                    final int slot = t.index.find(t.arena, hash, c.key, 0, KeySpace.KEY_LENGTH);
                    sum += slot < 0 ? -1 : t.index.readInline(slot, Long.MAX_VALUE - 1, c.dst, 0);
                }
                return sum;
            }
        });
        variants.add(new Variant("tableGet + value read " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    c.next(t);
                    sum += t.table.get(c.key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE - 1, c.dst, 0) +
                        c.dst.getLong(0, java.nio.ByteOrder.BIG_ENDIAN);
                }
                return sum;
            }
        });
        // leanGet's variants: the entry's second line loaded first (touch), the value copied by 8-byte moves instead
        // of copyMemory (longCopy), and the value's first long read back after the copy, as a reader does (read).
        for (final int mode : new int[] {0, 1, 2, 3, 4})
        {
            final boolean touch = mode == 1;
            final boolean longCopy = mode == 3 || mode == 4;
            final boolean read = mode == 2 || mode == 4;
            variants.add(new Variant("leanGet" + (touch ? " touched" : "") + (longCopy ? " longcopy" : "") +
                (read ? " + value read " : " ") + pages)
            {
                @Override
                protected long run(final int ops)
                {
                    long sum = 0;
                    final byte[] dstBase = c.dst.byteArray();
                    final long dstAddress = c.dst.addressOffset();
                    final long base = t.entries.addressOffset();
                    for (int i = 0; i < ops; i++)
                    {
                        c.next(t);
                        sum += leanGet(t.entries.byteArray(), base, t.mask, c.key, dstBase, dstAddress, touch,
                            longCopy);
                        if (read)
                        {
                            sum += c.dst.getLong(0, java.nio.ByteOrder.BIG_ENDIAN);
                        }
                    }
                    return sum;
                }
            });
        }
        variants.add(new Variant("tableGet " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    c.next(t);
                    sum += t.table.get(c.key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE - 1, c.dst, 0);
                }
                return sum;
            }
        });
        final UnsafeBuffer mkeys = new UnsafeBuffer(new byte[16 * KeySpace.KEY_LENGTH]);
        final int[] mko = new int[16];
        final int[] mkl = new int[16];
        final int[] mvo = new int[16];
        final int[] mvl = new int[16];
        final long[] mh = new long[16];
        final long[] mp = new long[16];
        final UnsafeBuffer mdst = new UnsafeBuffer(new byte[16 * 128]);
        for (int k = 0; k < 16; k++)
        {
            mko[k] = k * KeySpace.KEY_LENGTH;
            mkl[k] = KeySpace.KEY_LENGTH;
        }
        variants.add(new Variant("tableMultiGet16/key " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int cursor = c.cursor;
                for (int i = 0; i < ops; i += 16)
                {
                    cursor = writeKeys16(t, cursor, mkeys);
                    sum += t.table.multiGet(mkeys, mko, mkl, 0, 16, Long.MAX_VALUE - 1, mdst, 0, mvo, mvl, mh, mp);
                }
                c.cursor = cursor;
                return sum;
            }
        });
        // The same multiGet twice on the same keys: the second call finds every line cached, so the difference from
        // "tableMultiGet16/key" is the CPU work of a multiGet, without its misses.
        variants.add(new Variant("tableMultiGet16 twice/key " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int cursor = c.cursor;
                for (int i = 0; i < ops; i += 16)
                {
                    cursor = writeKeys16(t, cursor, mkeys);
                    sum += t.table.multiGet(mkeys, mko, mkl, 0, 16, Long.MAX_VALUE - 1, mdst, 0, mvo, mvl, mh, mp);
                    sum += t.table.multiGet(mkeys, mko, mkl, 0, 16, Long.MAX_VALUE - 1, mdst, 0, mvo, mvl, mh, mp);
                }
                c.cursor = cursor;
                return sum;
            }
        });
        variants.add(new Variant("touch16 homes only/key " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int cursor = c.cursor;
                for (int i = 0; i < ops; i += 16)
                {
                    cursor = writeKeys16(t, cursor, mkeys);
                    hash16(mkeys, mh);
                    for (int k = 0; k < 16; k++)
                    {
                        sum += t.index.touchHome(mh[k]);
                    }
                }
                c.cursor = cursor;
                return sum;
            }
        });
        // One random line per key and no other work: the floor of any batched get that reads a line per key.
        variants.add(new Variant("touch16 first lines/key " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int cursor = c.cursor;
                final UnsafeBuffer entries = t.entries;
                for (int i = 0; i < ops; i += 16)
                {
                    cursor = writeKeys16(t, cursor, mkeys);
                    hash16(mkeys, mh);
                    for (int k = 0; k < 16; k++)
                    {
                        sum += entries.getLong(((int)mh[k] & t.mask) << 7);
                    }
                }
                c.cursor = cursor;
                return sum;
            }
        });
        for (final int upTo : new int[] {2, 3})
        {
            // multiGet's phases cut after 2 (the home entries and the first lines after them) and 3 (node hints):
            // what each costs per key, against the whole multiGet and the one-line floor ("touch16 first lines").
            variants.add(new Variant("multiGet16 phases 1-" + upTo + "/key " + pages)
            {
                @Override
                protected long run(final int ops)
                {
                    long sum = 0;
                    int cursor = c.cursor;
                    final HashIndex index = t.index;
                    for (int i = 0; i < ops; i += 16)
                    {
                        cursor = writeKeys16(t, cursor, mkeys);
                        hash16(mkeys, mh);
                        for (int k = 0; k < 16; k++)
                        {
                            sum += index.touchBatch(index.home(mh[k]));
                        }
                        if (upTo >= 3)
                        {
                            for (int k = 0; k < 16; k++)
                            {
                                mp[k] = index.homeNeedsNode(mh[k], Long.MAX_VALUE - 1) ? index.homeNodeHint(mh[k]) :
                                    NodeLayout.NULL;
                                sum += mp[k];
                            }
                        }
                    }
                    c.cursor = cursor;
                    return sum;
                }
            });
        }
        // A multiGet's resolve pass after touching the home entry only, or the next entry too (four lines per key, so
        // that a key displaced by one needs no further round).
        for (final boolean both : new boolean[] {false, true})
        {
            variants.add(new Variant("multiGet16 copy, " + (both ? "home and next" : "home only") + " touched/key " +
                pages)
            {
                @Override
                protected long run(final int ops)
                {
                    long sum = 0;
                    int cursor = c.cursor;
                    final HashIndex index = t.index;
                    for (int i = 0; i < ops; i += 16)
                    {
                        cursor = writeKeys16(t, cursor, mkeys);
                        hash16(mkeys, mh);
                        for (int k = 0; k < 16; k++)
                        {
                            final int home = index.home(mh[k]);
                            sum += index.touch(home);
                            if (both)
                            {
                                sum += index.touch((home + 1) & t.mask);
                            }
                        }
                        int at = 0;
                        for (int k = 0; k < 16; k++)
                        {
                            final int length = t.table.get(mkeys, k * KeySpace.KEY_LENGTH, KeySpace.KEY_LENGTH,
                                Long.MAX_VALUE - 1, mdst, at);
                            at += Math.max(0, length);
                        }
                        sum += at;
                    }
                    c.cursor = cursor;
                    return sum;
                }
            });
        }
        variants.add(new Variant("keys16 only/key " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                int cursor = c.cursor;
                for (int i = 0; i < ops; i += 16)
                {
                    cursor = writeKeys16(t, cursor, mkeys);
                    for (int k = 0; k < 16; k++)
                    {
                        sum += KeyHash.hash(mkeys, k * KeySpace.KEY_LENGTH, KeySpace.KEY_LENGTH) & t.mask;
                    }
                }
                c.cursor = cursor;
                return sum;
            }
        });
        // Snapshot.get called directly on an engine of its own (one region, as ReadStore's): the Snapshot layer
        // (argument and range checks) without the reader's dispatch and value read.
        final io.regioncache.RegionCache engine = io.regioncache.bench.RegionCaches.create(
            io.regioncache.bench.RegionCaches.READ_CAPACITY, true, "huge".equals(pages));
        io.regioncache.bench.RegionCaches.createAndLoad(engine, 1, 1, t.keySpace);
        final io.regioncache.Snapshot snapshot = engine.newSnapshot();
        if (snapshot.open(1, 1, io.regioncache.bench.RegionCaches.LATEST) != io.regioncache.SnapshotStatus.OK)
        {
            throw new IllegalStateException("snapshot open failed");
        }
        final UnsafeBuffer directDst = new UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(128, 64));
        // The engine's own table (the snapshot's), read as tableGet reads the probe's: the table or the layer above it?
        final MvccTable engineTable = (MvccTable)GetPathBenchmark.Table.field(io.regioncache.Snapshot.class, "table")
            .get(snapshot);
        variants.add(new Variant("engine tableGet " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    c.next(t);
                    sum += engineTable.get(c.key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE - 1, c.dst, 0);
                }
                return sum;
            }
        });
        // Snapshot.get's own steps added one at a time in front of the engine table's get.
        for (final int step : new int[] {1, 2})
        {
            variants.add(new Variant("engine tableGet + checks" + (step >= 2 ? " + count " : " ") + pages)
            {
                private long count;

                @Override
                protected long run(final int ops)
                {
                    long sum = 0;
                    for (int i = 0; i < ops; i++)
                    {
                        c.next(t);
                        io.regioncache.ReadArguments.checkDst(c.dst, 0);
                        io.regioncache.ReadArguments.checkKey(c.key, 0, KeySpace.KEY_LENGTH);
                        if (step >= 2)
                        {
                            count++;
                        }
                        sum += engineTable.get(c.key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE - 1, c.dst, 0);
                    }
                    return sum + count;
                }
            });
        }
        // Which part of the Snapshot layer costs: the table's get into the same off-heap destination, and the
        // snapshot's get into the probe's on-heap one.
        variants.add(new Variant("tableGet offheap dst " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    c.next(t);
                    sum += t.table.get(c.key, 0, KeySpace.KEY_LENGTH, Long.MAX_VALUE - 1, directDst, 0);
                }
                return sum;
            }
        });
        variants.add(new Variant("snapshotGet heap dst " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    c.next(t);
                    sum += snapshot.get(c.key, 0, KeySpace.KEY_LENGTH, c.dst, 0);
                }
                return sum;
            }
        });
        variants.add(new Variant("snapshotGet direct " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    c.next(t);
                    sum += snapshot.get(c.key, 0, KeySpace.KEY_LENGTH, directDst, 0);
                }
                return sum;
            }
        });
        // Does where the host's key and value buffers sit matter, say by 4 KiB aliasing between one get's value stores
        // and the next get's key loads? The key in direct memory at the start of a page, the value buffer at a chosen
        // offset into another page. (2026-12-02: no offset measured apart from the others.)
        final UnsafeBuffer pageKey = new UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(4096, 4096), 0, 64);
        final java.nio.ByteBuffer dstPage = org.agrona.BufferUtil.allocateDirectAligned(8192, 4096);
        for (final int at : new int[] {0, 8, 64, 512, 2048, 3968})
        {
            final UnsafeBuffer pageDst = new UnsafeBuffer(dstPage, at, 128);
            variants.add(new Variant("snapshotGet pages key@0 dst@" + at + " " + pages)
            {
                @Override
                protected long run(final int ops)
                {
                    long sum = 0;
                    for (int i = 0; i < ops; i++)
                    {
                        final int next = (c.cursor + 1) & (AccessPattern.LENGTH - 1);
                        c.cursor = next;
                        t.keySpace.writeKey(t.indices[next], pageKey, 0);
                        sum += snapshot.get(pageKey, 0, KeySpace.KEY_LENGTH, pageDst, 0);
                    }
                    return sum;
                }
            });
        }
        variants.add(new Variant("snapshotGet " + pages)
        {
            @Override
            protected long run(final int ops)
            {
                long sum = 0;
                for (int i = 0; i < ops; i++)
                {
                    sum += reader.get(c.next(t));
                }
                return sum;
            }
        });
    }
}
