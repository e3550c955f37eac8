package io.regioncache;

/**
 * The typed outcome of one command: a {@link ResultCode}, the region it concerned and a human-readable detail.
 */
public final class CommandResult
{
    /** The shared result of every plain success. */
    public static final CommandResult OK = new CommandResult(ResultCode.OK, -1, "");

    private final ResultCode code;
    private final long regionId;
    private final String detail;

    /**
     * @param code     outcome.
     * @param regionId region concerned, -1 if none.
     * @param detail   what happened, for logs and callers.
     */
    public CommandResult(final ResultCode code, final long regionId, final String detail)
    {
        this.code = code;
        this.regionId = regionId;
        this.detail = detail;
    }

    /**
     * @param code     outcome.
     * @param regionId region concerned.
     * @param detail   what happened.
     * @return a result.
     */
    public static CommandResult of(final ResultCode code, final long regionId, final String detail)
    {
        return new CommandResult(code, regionId, detail);
    }

    /** @return the outcome. */
    public ResultCode code()
    {
        return code;
    }

    /**
     * @return the region concerned, -1 if none; a plain success ({@link #OK}, shared by every command that ended
     * with nothing to report) names none either: the caller knows which region it asked about.
     */
    public long regionId()
    {
        return regionId;
    }

    /** @return what happened. */
    public String detail()
    {
        return detail;
    }

    /** @return true for {@link ResultCode#OK}. */
    public boolean isOk()
    {
        return code == ResultCode.OK;
    }

    @Override
    public String toString()
    {
        return code + (regionId >= 0 ? "(region " + regionId + ")" : "") + (detail.isEmpty() ? "" : ": " + detail);
    }
}
