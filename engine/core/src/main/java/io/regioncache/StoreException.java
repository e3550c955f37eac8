package io.regioncache;

/**
 * A backing store failed. The engine turns it into a typed result ({@code STORE_ERROR}, a failed load), never a
 * crash.
 */
public class StoreException extends RuntimeException
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
