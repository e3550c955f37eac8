package io.regioncache.bench.store;

import io.regioncache.bench.support.TempDirs;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;

import io.regioncache.bench.support.KeySpace;

/**
 * LMDB (lmdbjava, ByteBuffer proxy): keys appended in sorted order, one environment in a temporary directory
 * (deleted on close). Each reader keeps one read transaction and one cursor for its whole life; gets and scans
 * return zero-copy views into the memory map (LMDB's best case).
 */
final class LmdbStore extends ReadStore
{
    private final KeySpace keys;
    private final Path dir;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> dbi;

    LmdbStore(final KeySpace keys) throws Exception
    {
        this.keys = keys;
        this.dir = TempDirs.create("rc-bench-lmdb");
        final long mapSize = (long)keys.size() * 400 + (64L << 20);
        this.env = Env.create()
            .setMapSize(mapSize)
            .setMaxDbs(1)
            .setMaxReaders(64)
            .open(dir.toFile(), EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOMETASYNC, EnvFlags.MDB_NOTLS);
        this.dbi = env.openDbi("bench", DbiFlags.MDB_CREATE);
        final ByteBuffer k = ByteBuffer.allocateDirect(KeySpace.KEY_LENGTH);
        final ByteBuffer v = ByteBuffer.allocateDirect(KeySpace.VALUE_LENGTH);
        final byte[] value = new byte[KeySpace.VALUE_LENGTH];
        final int perTxn = 100_000;
        for (int start = 0; start < keys.size(); start += perTxn)
        {
            try (Txn<ByteBuffer> txn = env.txnWrite())
            {
                final int end = Math.min(keys.size(), start + perTxn);
                for (int i = start; i < end; i++)
                {
                    k.clear();
                    k.putLong(0, keys.keyHi(i)).putLong(8, keys.keyLo(i));
                    KeySpace.fillValue(i, value, 0);
                    v.clear();
                    v.put(value).flip();
                    dbi.put(txn, k, v, PutFlags.MDB_APPEND);
                }
                txn.commit();
            }
        }
    }

    @Override
    public Reader newReader()
    {
        return new Reader()
        {
            private final Txn<ByteBuffer> txn = env.txnRead();
            private final Cursor<ByteBuffer> cursor = dbi.openCursor(txn);
            private final ByteBuffer key = ByteBuffer.allocateDirect(KeySpace.KEY_LENGTH);
            private final ByteBuffer seekKey = ByteBuffer.allocateDirect(KeySpace.SEEK_KEY_LENGTH);
            private final UnsafeBuffer seekKeyView = new UnsafeBuffer(seekKey);

            private ByteBuffer key(final int i)
            {
                key.putLong(0, keys.keyHi(i)).putLong(8, keys.keyLo(i));
                return key;
            }

            private ByteBuffer seekKey(final int i)
            {
                seekKey.clear().limit(keys.writeSeekKey(i, absentSeeks, seekKeyView, 0));
                return seekKey;
            }

            @Override
            public long get(final int i)
            {
                final ByteBuffer v = dbi.get(txn, key(i));
                return v == null ? -1 : v.remaining() + v.getLong(0);
            }

            @Override
            public long scan(final int i, final int nexts)
            {
                long acc = 0;
                boolean valid = cursor.get(seekKey(i), GetOp.MDB_SET_RANGE);
                for (int step = 0; valid; step++)
                {
                    acc = KeySpace.fold(acc, cursor.key().getLong(8), cursor.val().getLong(0));
                    if (step == nexts)
                    {
                        break;
                    }
                    valid = cursor.next();
                }
                return acc;
            }

            @Override
            public void close()
            {
                cursor.close();
                txn.close();
            }
        };
    }

    @Override
    public void close()
    {
        dbi.close();
        env.close();
        TempDirs.delete(dir);
    }
}
