package io.regioncache;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;


/**
 * Base of a {@link StoreCursor} that exposes its current entry through two reusable views: a store implementation
 * positions them with {@code expose} from its moves and inherits the accessors.
 */
public abstract class ViewStoreCursor implements StoreCursor
{
    private final UnsafeBuffer keyView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer valueView = new UnsafeBuffer(new byte[0]);
    private long version;

    /** For subclasses. */
    protected ViewStoreCursor()
    {
    }

    /**
     * Point the views at the current entry.
     *
     * @param key         the key bytes.
     * @param value       an array holding the value.
     * @param valueOffset where the value starts in it.
     * @param valueLength the value's length.
     * @param v           the value's version.
     */
    protected final void expose(
        final byte[] key, final byte[] value, final int valueOffset, final int valueLength, final long v)
    {
        keyView.wrap(key);
        valueView.wrap(value, valueOffset, valueLength);
        version = v;
    }

    /**
     * Point the views at the current entry held in buffers.
     *
     * @param key         buffer holding the key at offset 0.
     * @param keyLength   the key's length.
     * @param value       buffer holding the value.
     * @param valueOffset where the value starts in it.
     * @param valueLength the value's length.
     * @param v           the value's version.
     */
    protected final void expose(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
        final int valueLength, final long v)
    {
        keyView.wrap(key, 0, keyLength);
        valueView.wrap(value, valueOffset, valueLength);
        version = v;
    }

    @Override
    public final DirectBuffer key()
    {
        return keyView;
    }

    @Override
    public final int keyLength()
    {
        return keyView.capacity();
    }

    @Override
    public final DirectBuffer value()
    {
        return valueView;
    }

    @Override
    public final int valueLength()
    {
        return valueView.capacity();
    }

    @Override
    public final long version()
    {
        return version;
    }
}
