package io.regioncache;

/**
 * A backing store failed. The engine turns it into a typed result ({@code STORE_ERROR}, a failed load), never a
 * crash.
 * <p>
 * Final like the rest of the facade (audit 31's architecture rules): a store of a host's own reports its failure
 * with a message and the underlying error as the cause, not a subclass the engine would not know.
 */
public final class StoreException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed.
     * @param cause   the underlying error, may be null.
     */
    public StoreException(final String message, final Throwable cause)
    {
        super(message, cause);
    }

    /**
     * @param message what failed.
     */
    public StoreException(final String message)
    {
        super(message);
    }
}
