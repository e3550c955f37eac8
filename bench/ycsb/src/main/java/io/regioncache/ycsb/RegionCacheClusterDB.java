package io.regioncache.ycsb;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.locks.ReentrantLock;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.ScanPage;
import io.regioncache.ratis.ServedNode;
import io.regioncache.ratis.TlsFiles;

/**
 * YCSB binding for a replicated RegionCache cluster (Apache Ratis, one Raft group per region) through a
 * {@link RegionClient}: every write is a Raft write of the region's group, every read a linearizable read (the
 * leader's, or ReadIndex), served by the replica's cache when it holds the region and by its RocksDB otherwise; a
 * scan routes across regions ({@link RegionClient#scan}). Properties:
 * <ul>
 *   <li>{@code regioncache.cluster}: {@code ID=HOST:PORT,...}, the nodes' Raft addresses (required);</li>
 *   <li>{@code regioncache.tls.cert}, {@code regioncache.tls.key}, {@code regioncache.tls.ca}: PEM files for a
 *   cluster serving mutual TLS (all or none);</li>
 *   <li>{@code regioncache.splitKeys}: inserts after which the binding splits the cluster at the median of the
 *   window's inserted keys (default 65536; 0 = never).</li>
 * </ul>
 * Every YCSB thread of this process shares one client. An update reads the record and writes it back merged; the
 * read-modify-write is atomic against the other threads of this process (a lock stripe per key), not against other
 * processes: the cluster has no compare-and-set.
 */
public final class RegionCacheClusterDB extends DB
{
    private static final int STRIPES = 256;
    private static final ReentrantLock[] LOCKS = new ReentrantLock[STRIPES];

    static
    {
        for (int i = 0; i < STRIPES; i++)
        {
            LOCKS[i] = new ReentrantLock();
        }
    }

    private String key;
    private Shared shared;

    /** The client and the split bookkeeping shared by the threads driving one cluster. */
    static final class Shared implements AutoCloseable
    {
        final RegionClient client;
        private final int splitKeys;
        private final List<byte[]> window = new ArrayList<>();
        final java.util.concurrent.atomic.AtomicLong splitFailures = new java.util.concurrent.atomic.AtomicLong();

        Shared(final RegionClient client, final int splitKeys)
        {
            this.client = client;
            this.splitKeys = splitKeys;
        }

        /** Count an insert; every {@code splitKeys} inserts, split at the median key of the window. */
        void inserted(final byte[] k)
        {
            if (splitKeys <= 0)
            {
                return;
            }
            final byte[] at;
            synchronized (this)
            {
                window.add(k);
                if (window.size() < splitKeys)
                {
                    return;
                }
                window.sort(Arrays::compareUnsigned);
                at = window.get(window.size() / 2);
                window.clear();
            }
            try
            {
                if (!Arrays.equals(client.locate(at).start(), at))
                {
                    client.split(at);
                }
            }
            catch (final RegionClientException ex) // best effort: the insert itself succeeded
            {
                splitFailures.incrementAndGet();
            }
        }

        @Override
        public void close()
        {
            client.close();
        }
    }

    @Override
    public void init() throws DBException
    {
        try
        {
            key = keyOf(getProperties());
            shared = open(getProperties());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new DBException(ex.getMessage(), ex);
        }
    }

    /** @return the {@link SharedStores} key of the cluster the properties name. */
    static String keyOf(final Properties p)
    {
        final String cluster = p.getProperty("regioncache.cluster");
        if (cluster == null)
        {
            throw new IllegalArgumentException("regioncache.cluster=ID=HOST:PORT,... is required");
        }
        return "cluster:" + cluster;
    }

    /** Open (or share) the client of the cluster the properties name; release with {@link SharedStores#release}. */
    static Shared open(final Properties p)
    {
        final Map<String, String> peers = ServedNode.parsePeers(keyOf(p).substring("cluster:".length()));
        final TlsFiles tls = TlsFiles.ofOptions(path(p, "regioncache.tls.cert"), path(p, "regioncache.tls.key"),
            path(p, "regioncache.tls.ca"));
        final int splitKeys = Integer.parseInt(p.getProperty("regioncache.splitKeys", "65536"));
        return SharedStores.acquire(keyOf(p), () -> new Shared(RegionClient.builder(peers).tls(tls).build(), splitKeys));
    }

    private static Path path(final Properties p, final String name)
    {
        final String v = p.getProperty(name);
        return v == null ? null : Path.of(v);
    }

    @Override
    public Status read(final String table, final String k, final Set<String> fields,
        final Map<String, ByteIterator> result)
    {
        try
        {
            final byte[] value = shared.client.get(RecordCodec.key(k)).value();
            if (value == null)
            {
                return Status.NOT_FOUND;
            }
            RecordCodec.decodeInto(value, fields, result);
            return Status.OK;
        }
        catch (final RegionClientException ex)
        {
            return Status.ERROR;
        }
    }

    @Override
    public Status scan(final String table, final String startkey, final int recordcount, final Set<String> fields,
        final Vector<HashMap<String, ByteIterator>> result)
    {
        try
        {
            for (final ScanPage.KeyValue kv : shared.client.scan(RecordCodec.key(startkey), new byte[0], recordcount))
            {
                result.add(RecordCodec.decodeAll(kv.value(), fields));
            }
            return Status.OK;
        }
        catch (final RegionClientException ex)
        {
            return Status.ERROR;
        }
    }

    @Override
    public Status update(final String table, final String k, final Map<String, ByteIterator> values)
    {
        final byte[] bytes = RecordCodec.key(k);
        final ReentrantLock lock = LOCKS[Math.floorMod(Arrays.hashCode(bytes), STRIPES)];
        lock.lock();
        try
        {
            final byte[] old = shared.client.get(bytes).value();
            shared.client.put(bytes, RecordCodec.merge(old, values));
            return Status.OK;
        }
        catch (final RegionClientException ex)
        {
            return Status.ERROR;
        }
        finally
        {
            lock.unlock();
        }
    }

    @Override
    public Status insert(final String table, final String k, final Map<String, ByteIterator> values)
    {
        final byte[] bytes = RecordCodec.key(k);
        try
        {
            shared.client.put(bytes, RecordCodec.merge(null, values));
            shared.inserted(bytes);
            return Status.OK;
        }
        catch (final RegionClientException ex)
        {
            return Status.ERROR;
        }
    }

    @Override
    public Status delete(final String table, final String k)
    {
        try
        {
            shared.client.delete(RecordCodec.key(k));
            return Status.OK;
        }
        catch (final RegionClientException ex)
        {
            return Status.ERROR;
        }
    }

    @Override
    public void cleanup() throws DBException
    {
        if (shared == null)
        {
            return;
        }
        shared = null;
        try
        {
            SharedStores.release(key);
        }
        catch (final Exception ex)
        {
            throw new DBException(ex);
        }
    }
}
