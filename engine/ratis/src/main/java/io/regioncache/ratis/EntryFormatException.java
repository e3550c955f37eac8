package io.regioncache.ratis;

/**
 * A log entry, client request or snapshot record that does not decode: refused with a reason before anything
 * reaches the engine. A leader refuses such a request in {@code startTransaction} (it is never appended); a replica
 * that met one in its log (impossible unless a peer is broken) skips it identically on every replica and counts it.
 */
public final class EntryFormatException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Why the bytes were refused. */
    public enum Reason
    {
        /** Fewer bytes than the structure needs. */
        TRUNCATED,
        /** Longer than {@link EntryCodec#MAX_ENTRY_BYTES}, or a key, value or count over its limit. */
        TOO_LARGE,
        /** A format version this code does not know (written by a newer node). */
        UNKNOWN_FORMAT,
        /** An entry type this code does not know. */
        UNKNOWN_TYPE,
        /** A negative or overflowing length or number. */
        BAD_NUMBER,
        /** Bytes left over after a complete entry. */
        TRAILING_BYTES,
        /** Semantically invalid: empty batch, unordered split keys, unknown operation... */
        INVALID
    }

    private final Reason reason;

    /**
     * @param reason why.
     * @param detail what, for logs and the client.
     */
    public EntryFormatException(final Reason reason, final String detail)
    {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }

    /** @return why the bytes were refused. */
    public Reason reason()
    {
        return reason;
    }
}
