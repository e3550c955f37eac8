package io.regioncache.fuzz;

import static io.regioncache.fuzz.Outcomes.check;
import static io.regioncache.fuzz.Outcomes.expectOnly;

import java.util.Arrays;
import java.util.List;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.regioncache.store.MvccKeyCodec;

/**
 * {@link MvccKeyCodec}, the stored-key format every store reads back from disk (README "Embedding": "a negative
 * version is an {@code IllegalArgumentException}"), given arbitrary bytes and slices.
 * <p>
 * It proves: {@code decodeUserKey}, {@code decodeVersion}, and {@code decodeKey} / {@code encodeKey} /
 * {@code getVersion} / {@code putVersion} with fuzzed offsets, lengths and destinations (fixed and expandable) throw
 * only {@code IllegalArgumentException} (their Javadoc; Agrona's bounds checks are on, so a read or write outside a
 * buffer would surface as another exception or a crash); a stored key that decodes is canonical (re-encoding its user
 * key and a non-negative version gives back the same bytes, and a negative version is refused); and the encoding
 * keeps the stores' order (user keys unsigned ascending, then versions descending) for two fuzzed keys.
 */
class MvccKeyCodecFuzzTest
{
    /** What the codec may throw. */
    static final List<Class<? extends RuntimeException>> DOCUMENTED = List.of(IllegalArgumentException.class);

    @FuzzTest(maxDuration = "5m")
    void storedKeys(final FuzzedDataProvider data)
    {
        final byte[] a = data.consumeBytes(data.consumeInt(0, 40));
        final long va = data.consumeLong();
        final byte[] b = data.consumeBytes(data.consumeInt(0, 40));
        final long vb = data.consumeLong();
        final byte[] raw = data.consumeBytes(data.consumeInt(0, 80));
        final byte[] input = raw;

        // A stored key from outside: decode, and if it decodes, it is the canonical encoding of what it names.
        final var user = expectOnly(() -> MvccKeyCodec.decodeUserKey(raw), DOCUMENTED, "decodeUserKey", input);
        final var version = expectOnly(() -> MvccKeyCodec.decodeVersion(raw), DOCUMENTED, "decodeVersion", input);
        check(version.returned() == raw.length >= MvccKeyCodec.VERSION_LENGTH, "decodeVersion on " + raw.length +
            " bytes", input);
        if (user.returned())
        {
            check(version.returned(), "a user key decoded without a version", input);
            final long v = version.value();
            final var again = expectOnly(() -> MvccKeyCodec.encode(user.value(), v), DOCUMENTED, "encode", input);
            check(again.returned() == (v >= 0), "encode with version " + v + ": " + again.refusal(), input);
            if (again.returned())
            {
                check(Arrays.equals(again.value(), raw), "a stored key that is not canonical decoded", input);
            }
        }

        // Slices and destinations chosen by the fuzzer.
        final UnsafeBuffer src = new UnsafeBuffer(raw);
        final int srcOffset = data.consumeInt(-2, raw.length + 2);
        final int srcLength = data.consumeInt(-2, raw.length + 2);
        final boolean expandable = data.consumeBoolean();
        final MutableDirectBuffer dst = expandable ? new ExpandableArrayBuffer(data.consumeInt(0, 64)) :
            new UnsafeBuffer(new byte[data.consumeInt(0, 100)]);
        // An expandable destination takes any offset: past ExpandableArrayBuffer.MAX_ARRAY_LENGTH (2^31 - 9) it cannot
        // grow; in between it would take gigabytes, which is the host's business (not fuzzed: the first fuzzing run
        // met the test JVM's heap limit there).
        final int dstOffset = expandable && data.consumeBoolean() ? Integer.MAX_VALUE - data.consumeInt(0, 7) :
            data.consumeInt(-2, 100);
        // Past it the codec refuses with IllegalArgumentException, as documented (MvccKeyCodecExpandableLimitTest's finding,
        // fixed 2026-12-08: Agrona's IndexOutOfBoundsException escaped).
        expectOnly(() -> MvccKeyCodec.decodeKey(src, srcOffset, srcLength, dst, dstOffset), DOCUMENTED, "decodeKey",
            input);
        expectOnly(() -> MvccKeyCodec.encodeKey(src, srcOffset, srcLength, dst, dstOffset), DOCUMENTED, "encodeKey",
            input);
        expectOnly(() -> MvccKeyCodec.getVersion(src, srcOffset), DOCUMENTED, "getVersion", input);
        expectOnly(() ->
        {
            MvccKeyCodec.putVersion(dst, dstOffset, va);
            return null;
        }, DOCUMENTED, "putVersion", input);

        // Order: (user key ascending, version descending), as every store's cursor relies on.
        if (va >= 0 && vb >= 0)
        {
            final byte[] ea = MvccKeyCodec.encode(a, va);
            final byte[] eb = MvccKeyCodec.encode(b, vb);
            final int keys = Arrays.compareUnsigned(a, b);
            final int want = keys != 0 ? keys : Long.compare(vb, va);
            check(Integer.signum(Arrays.compareUnsigned(ea, eb)) == Integer.signum(want), "order of (" +
                Outcomes.hex(a) + ", " + va + ") and (" + Outcomes.hex(b) + ", " + vb + ") not kept", input);
            check(Arrays.equals(MvccKeyCodec.decodeUserKey(ea), a) && MvccKeyCodec.decodeVersion(ea) == va,
                "round trip of (" + Outcomes.hex(a) + ", " + va + ")", input);
        }
    }
}
