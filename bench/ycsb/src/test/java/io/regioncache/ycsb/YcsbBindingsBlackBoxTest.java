package io.regioncache.ycsb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.Vector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

/**
 * README "YCSB": the three embedded bindings used as plain {@code site.ycsb.DB}s: "a YCSB record is one key with its
 * fields encoded in one value", "an update reads the record ... and merges its fields in; an insert writes the record
 * whole", reads and scans at the latest (acknowledged) version, scans routed across the hybrid's regions.
 */
class YcsbBindingsBlackBoxTest
{
    private static DB open(final DB db, final Path dir, final Properties extra)
    {
        final Properties p = new Properties();
        p.setProperty("regioncache.dir", dir.toString());
        p.setProperty("regioncache.cacheBytes", Long.toString(64L << 20));
        p.setProperty("lmdb.mapSize", Long.toString(64L << 20));
        p.putAll(extra);
        db.setProperties(p);
        try
        {
            db.init();
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
        return db;
    }

    private static Map<String, ByteIterator> record(final String key, final int fields)
    {
        final Map<String, ByteIterator> m = new HashMap<>();
        for (int f = 0; f < fields; f++)
        {
            m.put("field" + f, new StringByteIterator(key + "/f" + f));
        }
        return m;
    }

    private static Map<String, String> strings(final Map<String, ByteIterator> m)
    {
        final Map<String, String> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, new String(v.toArray(), StandardCharsets.UTF_8)));
        return out;
    }

    private static String key(final int i)
    {
        return String.format("user%04d", i);
    }

    private static void crud(final DB db, final String name) throws Exception
    {
        try
        {
            for (int i = 0; i < 20; i++)
            {
                assertEquals(Status.OK, db.insert("usertable", key(i), record(key(i), 10)), name);
            }
            // read all fields
            final Map<String, ByteIterator> all = new HashMap<>();
            assertEquals(Status.OK, db.read("usertable", key(3), null, all), name);
            assertEquals(strings(record(key(3), 10)), strings(all), name);
            // read a subset
            final Map<String, ByteIterator> some = new HashMap<>();
            assertEquals(Status.OK, db.read("usertable", key(3), Set.of("field1", "field7"), some), name);
            assertEquals(Set.of("field1", "field7"), some.keySet(), name);
            assertEquals(key(3) + "/f7", new String(some.get("field7").toArray(), StandardCharsets.UTF_8), name);
            // missing key
            final Map<String, ByteIterator> none = new HashMap<>();
            assertEquals(Status.NOT_FOUND, db.read("usertable", "nosuchkey", null, none), name);
            assertTrue(none.isEmpty(), name);
            // update merges
            assertEquals(Status.OK, db.update("usertable", key(5), Map.of("field2", new StringByteIterator("NEW"))),
                name);
            final Map<String, ByteIterator> merged = new HashMap<>();
            assertEquals(Status.OK, db.read("usertable", key(5), null, merged), name);
            final Map<String, String> expected = strings(record(key(5), 10));
            expected.put("field2", "NEW");
            assertEquals(expected, strings(merged), name + ": update merges its fields into the record");
            // insert writes the record whole (replaces)
            assertEquals(Status.OK, db.insert("usertable", key(6), Map.of("field0", new StringByteIterator("ONLY"))),
                name);
            final Map<String, ByteIterator> whole = new HashMap<>();
            assertEquals(Status.OK, db.read("usertable", key(6), null, whole), name);
            assertEquals(Map.of("field0", "ONLY"), strings(whole), name + ": an insert writes the record whole");
            // scan: in key order, at most recordcount, fields subset
            final Vector<HashMap<String, ByteIterator>> scanned = new Vector<>();
            assertEquals(Status.OK, db.scan("usertable", key(10), 5, null, scanned), name);
            assertEquals(5, scanned.size(), name);
            for (int j = 0; j < 5; j++)
            {
                assertEquals(strings(record(key(10 + j), 10)), strings(scanned.get(j)), name + " scan #" + j);
            }
            final Vector<HashMap<String, ByteIterator>> subset = new Vector<>();
            assertEquals(Status.OK, db.scan("usertable", key(0), 3, Set.of("field9"), subset), name);
            assertEquals(3, subset.size(), name);
            for (int j = 0; j < 3; j++)
            {
                assertEquals(Map.of("field9", key(j) + "/f9"), strings(subset.get(j)), name);
            }
            // a scan past the end returns what there is
            final Vector<HashMap<String, ByteIterator>> tail = new Vector<>();
            assertEquals(Status.OK, db.scan("usertable", key(17), 100, null, tail), name);
            assertEquals(3, tail.size(), name);
        }
        finally
        {
            db.cleanup();
        }
    }

    @Test
    void hybridBindingBehavesAsAYcsbDb(@TempDir final Path dir) throws Exception
    {
        crud(open(new RegionCacheHybridDB(), dir.resolve("h"), new Properties()), "regioncache");
    }

    @Test
    void rocksDbBindingBehavesAsAYcsbDb(@TempDir final Path dir) throws Exception
    {
        crud(open(new RocksDbPlainDB(), dir.resolve("r"), new Properties()), "rocksdb");
    }

    @Test
    void lmdbBindingBehavesAsAYcsbDb(@TempDir final Path dir) throws Exception
    {
        crud(open(new LmdbDB(), dir.resolve("l"), new Properties()), "lmdb");
    }

    /** With a split every 8 inserts the hybrid has many regions; reads and a scan across all of them see every record. */
    @Test
    void hybridScansAndReadsAcrossSplitRegions(@TempDir final Path dir) throws Exception
    {
        final Properties p = new Properties();
        p.setProperty("regioncache.splitKeys", "8");
        p.setProperty("regioncache.gcEveryWrites", "10");
        final DB db = open(new RegionCacheHybridDB(), dir.resolve("h"), p);
        try
        {
            final int n = 200;
            // insert in a scrambled order so that splits land in the middle of the key space
            for (int i = 0; i < n; i++)
            {
                final int k = (int)((i * 7919L) % n);
                assertEquals(Status.OK, db.insert("usertable", key(k), record(key(k), 2)));
            }
            for (int i = 0; i < n; i += 3)
            {
                assertEquals(Status.OK, db.update("usertable", key(i), Map.of("field1", new StringByteIterator("u" + i))));
            }
            for (int i = 0; i < n; i++)
            {
                final Map<String, ByteIterator> r = new HashMap<>();
                assertEquals(Status.OK, db.read("usertable", key(i), null, r), key(i));
                final Map<String, String> exp = strings(record(key(i), 2));
                if (i % 3 == 0)
                {
                    exp.put("field1", "u" + i);
                }
                assertEquals(exp, strings(r), key(i));
            }
            final Vector<HashMap<String, ByteIterator>> all = new Vector<>();
            assertEquals(Status.OK, db.scan("usertable", key(0), n, Set.of("field0"), all));
            final List<String> got = new ArrayList<>();
            all.forEach(m -> got.add(strings(m).get("field0")));
            final List<String> want = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                want.add(key(i) + "/f0");
            }
            assertEquals(want, got, "a scan over every region returns every record once, in key order");
            final Vector<HashMap<String, ByteIterator>> mid = new Vector<>();
            assertEquals(Status.OK, db.scan("usertable", key(101), 50, Set.of("field0"), mid));
            assertEquals(50, mid.size());
            assertEquals(key(101) + "/f0", strings(mid.get(0)).get("field0"));
            assertEquals(key(150) + "/f0", strings(mid.get(49)).get("field0"));
        }
        finally
        {
            db.cleanup();
        }
    }
}
