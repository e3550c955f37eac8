package io.regioncache.store;

import org.junit.jupiter.api.Test;

/**
 * {@link InMemoryBackingStore}'s cursor (the shared {@link MvccStoreCursor} logic over the test store) against a
 * {@link java.util.TreeMap} model, both ways, on a random MVCC history; the seed is in every failure message.
 */
class InMemoryStoreCursorTest
{
    @Test
    void cursorsMoveBothWaysOverMvccHistory()
    {
        for (int i = 0; i < 5; i++)
        {
            final long seed = System.nanoTime();
            try (InMemoryBackingStore store = new InMemoryBackingStore())
            {
                CursorNavigationCheck.run(store, new CursorNavigationCheck.Writer()
                {
                    @Override
                    public void put(final byte[] key, final long version, final byte[] value)
                    {
                        store.put(key, version, value);
                    }

                    @Override
                    public void delete(final byte[] key, final long version)
                    {
                        store.delete(key, version);
                    }
                }, seed);
            }
        }
    }
}
