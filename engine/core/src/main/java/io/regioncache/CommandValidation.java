package io.regioncache;

import java.util.Arrays;
import java.util.function.LongPredicate;

import org.agrona.collections.LongHashSet;

/**
 * The checks every command passes before anything is queued or changed: pure functions of their arguments (and, for
 * the second group, of the region they name), each returning {@code null} when the input is good or the reason it
 * is not. No state, no side effects, no exceptions for any input, so they are unit-tested alone
 * ({@code CommandValidationTest}) and called from two places:
 * <ul>
 *     <li><b>At the call</b> ({@link RegionCache}'s command methods, any thread): everything that needs no region
 *     state — nulls, reserved ids, lengths against the configured limits, epochs in range, sorted split keys. A
 *     failure completes the returned future with {@link ResultCode#INVALID} and the reason; nothing is queued.</li>
 *     <li><b>On the apply thread</b>, before any state word moves: what needs the region — keys inside its range,
 *     new ids not in use.</li>
 * </ul>
 * <b>Reserved ids.</b> Region ids are {@code 0 .. Long.MAX_VALUE}. Negative ids are reserved: {@link #ALL_REGIONS}
 * (-1) means "every region" to the safe point command and "no region" in a {@link CommandResult}, so no command
 * accepts a negative id as a region id.
 */
final class CommandValidation
{
    /** The reserved id that means "every region" (and "no region" in a result). */
    static final long ALL_REGIONS = -1;

    private CommandValidation()
    {
    }

    /**
     * @param what how the caller names the id ("region id", "target id"...).
     * @param id   the id.
     * @return why it cannot name a region, or null.
     */
    static String regionId(final String what, final long id)
    {
        return id < 0 ? what + " " + id + " is reserved (region ids are 0.." + Long.MAX_VALUE + "; " +
            ALL_REGIONS + " means all regions)" : null;
    }

    /**
     * @param what         how the caller names the epoch.
     * @param epochVersion an epoch version.
     * @return why it is out of the range a state word holds, or null.
     */
    static String epoch(final String what, final long epochVersion)
    {
        return epochVersion < 0 || epochVersion > StateWord.MAX_EPOCH_VERSION ?
            what + " " + epochVersion + " outside 0.." + StateWord.MAX_EPOCH_VERSION : null;
    }

    /**
     * A region to create or load.
     *
     * @param region       the region (may be null).
     * @param maxKeyLength the engine's largest key.
     * @return why it is bad, or null.
     */
    static String region(final Region region, final int maxKeyLength)
    {
        if (region == null)
        {
            return "region is null";
        }
        final String id = regionId("region id", region.id());
        if (id != null)
        {
            return id;
        }
        final String bad = region.validate();
        if (bad != null)
        {
            return bad;
        }
        if (region.startKey().length > maxKeyLength || region.endKey().length > maxKeyLength)
        {
            return "range key longer than maxKeyLength " + maxKeyLength;
        }
        return null;
    }

    /**
     * A write batch, everything but its keys against the region's range (O(1): the batch tracks its extremes).
     *
     * @param batch          the batch (may be null).
     * @param maxKeyLength   the engine's largest key.
     * @param maxValueLength the engine's largest value.
     * @return why it is bad, or null.
     */
    static String batch(final WriteBatch batch, final int maxKeyLength, final int maxValueLength)
    {
        if (batch == null)
        {
            return "write batch is null";
        }
        String bad = regionId("region id", batch.regionId());
        if (bad == null)
        {
            bad = epoch("epoch version", batch.epochVersion());
        }
        if (bad != null)
        {
            return bad;
        }
        if (batch.version() < 0)
        {
            return "version " + batch.version() + " is negative";
        }
        if (batch.count() > 0 && (batch.minKeyLength() < 1 || batch.maxKeyLength() > maxKeyLength))
        {
            return "key length outside [1, " + maxKeyLength + "]";
        }
        if (batch.maxValueLength() > maxValueLength)
        {
            return "value longer than maxValueLength " + maxValueLength;
        }
        return null;
    }

    /**
     * Apply thread: every key of a batch inside the region it names.
     *
     * @param batch  a batch that passed {@link #batch}.
     * @param region the cached region.
     * @return why it is bad, or null.
     */
    static String batchInRange(final WriteBatch batch, final Region region)
    {
        final byte[] start = region.startKey();
        final byte[] end = region.endKey();
        final int rc = batch.forEach((op, key, keyLength, value, valueLength) ->
            Keys.inRange(key, 0, keyLength, start, end) ? 0 : 1);
        return rc == 0 ? null : "key outside the region's range " + region;
    }

    /**
     * A split, everything that needs no region state.
     *
     * @param regionId        source region.
     * @param epochVersion    its epoch.
     * @param splitKeys       split keys (may be null).
     * @param newRegionIds    ids of the new left pieces (may be null).
     * @param newEpochVersion the pieces' epoch.
     * @param maxKeyLength    the engine's largest key.
     * @return why it is bad, or null.
     */
    static String split(
        final long regionId, final long epochVersion, final byte[][] splitKeys, final long[] newRegionIds,
        final long newEpochVersion, final int maxKeyLength)
    {
        String bad = regionId("region id", regionId);
        if (bad == null)
        {
            bad = epoch("epoch version", epochVersion);
        }
        if (bad != null)
        {
            return bad;
        }
        final int n = splitKeys == null ? 0 : splitKeys.length;
        if (n == 0)
        {
            return "no split keys";
        }
        if (newRegionIds == null || newRegionIds.length != n)
        {
            return "need one new region id per split key (" + n + ")";
        }
        if (newEpochVersion <= epochVersion || newEpochVersion > StateWord.MAX_EPOCH_VERSION)
        {
            return "new epoch version " + newEpochVersion + " must be above " + epochVersion + " and at most " +
                StateWord.MAX_EPOCH_VERSION;
        }
        // Ids seen so far: a pairwise check made a split at n keys O(n^2), twice (at the call and on the apply
        // thread): 0.9 s at the call for 128,000 keys (audit 10, blackbox10/ManyRegionsTest). A set for large splits;
        // small ones (the common case) still allocate nothing.
        final LongHashSet seen = n > SMALL_SPLIT ? new LongHashSet(n) : null;
        for (int i = 0; i < n; i++)
        {
            final byte[] k = splitKeys[i];
            if (k == null || k.length == 0 || k.length > maxKeyLength)
            {
                return "split key " + i + " null, empty or longer than maxKeyLength " + maxKeyLength;
            }
            if (i > 0 && Arrays.compareUnsigned(splitKeys[i - 1], k) >= 0)
            {
                return "split keys not strictly increasing at " + i;
            }
            final long id = newRegionIds[i];
            bad = regionId("new region id", id);
            if (bad != null)
            {
                return bad;
            }
            if (id == regionId)
            {
                return "new region id " + id + " is the source's id";
            }
            if (seen != null ? !seen.add(id) : givenBefore(newRegionIds, i))
            {
                return "new region id " + id + " given twice";
            }
        }
        return null;
    }

    /** Splits at up to this many keys check their new ids pairwise; larger ones with a hash set. */
    private static final int SMALL_SPLIT = 16;

    private static boolean givenBefore(final long[] ids, final int i)
    {
        for (int j = 0; j < i; j++)
        {
            if (ids[j] == ids[i])
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Apply thread: a split that passed {@link #split} against the region it splits.
     *
     * @param region       the cached source region.
     * @param splitKeys    split keys.
     * @param newRegionIds new ids.
     * @param inUse        tells whether an id names a cached region.
     * @return why it is bad, or null.
     */
    static String splitAgainst(
        final Region region, final byte[][] splitKeys, final long[] newRegionIds, final LongPredicate inUse)
    {
        for (int i = 0; i < splitKeys.length; i++)
        {
            final byte[] k = splitKeys[i];
            if (Arrays.compareUnsigned(k, region.startKey()) <= 0 ||
                (region.endKey().length > 0 && Arrays.compareUnsigned(k, region.endKey()) >= 0))
            {
                return "split key " + Region.hex(k) + " outside " + region;
            }
            if (inUse.test(newRegionIds[i]))
            {
                return "new region id " + newRegionIds[i] + " is already in use";
            }
        }
        return null;
    }

    /**
     * @param reason    an eviction reason (may be null).
     * @param regionIds the regions (may be null).
     * @return why an eviction of them is bad, or null.
     */
    static String evict(final EvictReason reason, final long... regionIds)
    {
        if (reason == null)
        {
            return "evict reason is null";
        }
        if (regionIds == null || regionIds.length == 0)
        {
            return "no region ids";
        }
        for (final long id : regionIds)
        {
            final String bad = regionId("region id", id);
            if (bad != null)
            {
                return bad;
            }
        }
        return null;
    }

    /**
     * @param start  inclusive start (empty = -infinity; null is refused: a forgotten argument must not mean
     *               "everything").
     * @param end    exclusive end (empty = +infinity).
     * @param reason why (may be null).
     * @return why the range is bad, or null.
     */
    static String range(final byte[] start, final byte[] end, final EvictReason reason)
    {
        if (reason == null)
        {
            return "evict reason is null";
        }
        if (start == null || end == null)
        {
            return "range bound is null (use an empty array for an open bound)";
        }
        if (end.length > 0 && Arrays.compareUnsigned(start, end) >= 0)
        {
            return "empty or inverted range: start >= end";
        }
        return null;
    }

    /**
     * @param version a version a command carries (a delete-range's tombstones).
     * @return why it is bad (negative), or null.
     */
    static String version(final long version)
    {
        return version < 0 ? "version " + version + " is negative" : null;
    }

    /**
     * @param regionId  a region id, or {@link #ALL_REGIONS} when {@code allowAll}.
     * @param safePoint the new safe point.
     * @param allowAll  true for the engine-wide command.
     * @return why it is bad, or null.
     */
    static String safePoint(final long regionId, final long safePoint, final boolean allowAll)
    {
        if (!(allowAll && regionId == ALL_REGIONS))
        {
            final String bad = regionId("region id", regionId);
            if (bad != null)
            {
                return bad;
            }
        }
        return safePoint < 0 ? "safe point " + safePoint + " is negative" : null;
    }

    /**
     * Bounds of a caller's buffer slice, for the synchronous read calls (they throw instead of answering).
     *
     * @param what     how the caller names it.
     * @param capacity the buffer's capacity.
     * @param offset   offset.
     * @param length   length.
     * @return why the slice is bad, or null (overflow-safe).
     */
    static String slice(final String what, final int capacity, final int offset, final int length)
    {
        return ReadArguments.slice(what, capacity, offset, length);
    }
}
