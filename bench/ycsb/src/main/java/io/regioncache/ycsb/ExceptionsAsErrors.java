package io.regioncache.ycsb;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.atomic.AtomicBoolean;

import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * Sits between YCSB's measuring {@code DBWrapper} and a binding and turns an operation's exception into
 * {@link Status#ERROR}. Without it an exception (LMDB's map full, a RocksDB I/O error, a refused cache write) reaches
 * YCSB's {@code ClientThread}, which prints it and calls {@code System.exit(0)}: the whole runner would exit 0 with
 * the failed operations never counted, against the README's "exits 1 if any operation did not return OK". As an
 * ERROR the operation is counted ({@code Return=ERROR}, {@code READ-FAILED}, ...) and the runner's check fails the
 * run. The first exception of each client is printed to stderr, so the cause is not lost.
 */
final class ExceptionsAsErrors extends DB
{
    private final DB db;
    private final AtomicBoolean reported = new AtomicBoolean();

    ExceptionsAsErrors(final DB db)
    {
        this.db = db;
    }

    @Override
    public void setProperties(final Properties p)
    {
        db.setProperties(p);
    }

    @Override
    public Properties getProperties()
    {
        return db.getProperties();
    }

    @Override
    public void init() throws DBException
    {
        db.init();
    }

    @Override
    public void cleanup() throws DBException
    {
        db.cleanup();
    }

    private Status failed(final String op, final RuntimeException ex)
    {
        if (reported.compareAndSet(false, true))
        {
            System.err.println("YCSB " + op + " threw (counted as Return=ERROR; later exceptions of this client " +
                "are counted, not printed):");
            ex.printStackTrace();
        }
        return Status.ERROR;
    }

    @Override
    public Status read(final String table, final String key, final Set<String> fields,
        final Map<String, ByteIterator> result)
    {
        try
        {
            return db.read(table, key, fields, result);
        }
        catch (final RuntimeException ex)
        {
            return failed("read", ex);
        }
    }

    @Override
    public Status scan(final String table, final String startkey, final int recordcount, final Set<String> fields,
        final Vector<HashMap<String, ByteIterator>> result)
    {
        try
        {
            return db.scan(table, startkey, recordcount, fields, result);
        }
        catch (final RuntimeException ex)
        {
            return failed("scan", ex);
        }
    }

    @Override
    public Status update(final String table, final String key, final Map<String, ByteIterator> values)
    {
        try
        {
            return db.update(table, key, values);
        }
        catch (final RuntimeException ex)
        {
            return failed("update", ex);
        }
    }

    @Override
    public Status insert(final String table, final String key, final Map<String, ByteIterator> values)
    {
        try
        {
            return db.insert(table, key, values);
        }
        catch (final RuntimeException ex)
        {
            return failed("insert", ex);
        }
    }

    @Override
    public Status delete(final String table, final String key)
    {
        try
        {
            return db.delete(table, key);
        }
        catch (final RuntimeException ex)
        {
            return failed("delete", ex);
        }
    }
}
