package io.regioncache.ratis;

/**
 * A client request that did not succeed after the router's retries, with the last status seen.
 */
public final class RegionClientException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final Reply.Status status;

    /**
     * @param status last status ({@link Reply.Status#INVALID} for a request refused as malformed).
     * @param detail what happened.
     * @param cause  the transport error, or null.
     */
    public RegionClientException(final Reply.Status status, final String detail, final Throwable cause)
    {
        super(status + ": " + detail, cause);
        this.status = status;
    }

    /** @return the last status seen. */
    public Reply.Status status()
    {
        return status;
    }
}
