package io.regioncache.ratis;

import java.util.Arrays;

import io.regioncache.ratis.EntryFormatException.Reason;

/**
 * The primitives of every encoding in this package: unsigned LEB128 varints and length-prefixed byte strings,
 * written into a growing array and read back with bounds checks that throw {@link EntryFormatException} (never an
 * {@link ArrayIndexOutOfBoundsException}).
 */
final class Wire
{
    private Wire()
    {
    }

    /** A growing output buffer. */
    static final class Out
    {
        private byte[] buf;
        private int len;

        Out(final int initial)
        {
            buf = new byte[Math.max(16, initial)];
        }

        private void ensure(final int more)
        {
            if (len + more > buf.length)
            {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }

        Out u8(final int b)
        {
            ensure(1);
            buf[len++] = (byte)b;
            return this;
        }

        /**
         * @param v a value {@code >= 0}.
         * @throws EntryFormatException ({@code BAD_NUMBER}) for a negative value: entries built by callers (a
         *                              negative region id given to the client) are refused typed, as on decode.
         */
        Out varint(final long v)
        {
            if (v < 0)
            {
                throw new EntryFormatException(Reason.BAD_NUMBER, "negative number " + v);
            }
            ensure(10);
            long x = v;
            while ((x & ~0x7FL) != 0)
            {
                buf[len++] = (byte)((x & 0x7F) | 0x80);
                x >>>= 7;
            }
            buf[len++] = (byte)x;
            return this;
        }

        Out i64(final long v)
        {
            ensure(8);
            for (int i = 7; i >= 0; i--)
            {
                buf[len++] = (byte)(v >>> (8 * i));
            }
            return this;
        }

        Out bytes(final byte[] b)
        {
            varint(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        Out raw(final byte[] b)
        {
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        byte[] toArray()
        {
            return Arrays.copyOf(buf, len);
        }
    }

    /** A bounds-checked reader over one array. */
    static final class In
    {
        private final byte[] buf;
        private int pos;

        In(final byte[] buf)
        {
            this.buf = buf;
        }

        int remaining()
        {
            return buf.length - pos;
        }

        int u8()
        {
            if (pos >= buf.length)
            {
                throw new EntryFormatException(Reason.TRUNCATED, "byte at " + pos + " of " + buf.length);
            }
            return buf[pos++] & 0xFF;
        }

        long varint()
        {
            long v = 0;
            for (int shift = 0; shift < 63; shift += 7)
            {
                final int b = u8();
                v |= (long)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return v;
                }
            }
            throw new EntryFormatException(Reason.BAD_NUMBER, "varint longer than 63 bits at " + pos);
        }

        /** @return a varint that must fit {@code [0, max]}. */
        int length(final int max, final String what)
        {
            final long v = varint();
            if (v > max)
            {
                throw new EntryFormatException(Reason.TOO_LARGE, what + " " + v + " > " + max);
            }
            return (int)v;
        }

        long i64()
        {
            if (remaining() < 8)
            {
                throw new EntryFormatException(Reason.TRUNCATED, "8 bytes at " + pos + " of " + buf.length);
            }
            long v = 0;
            for (int i = 0; i < 8; i++)
            {
                v = (v << 8) | (buf[pos++] & 0xFF);
            }
            return v;
        }

        byte[] bytes(final int max, final String what)
        {
            final int n = length(max, what);
            if (n > remaining())
            {
                throw new EntryFormatException(Reason.TRUNCATED, what + " of " + n + " bytes, " + remaining() + " left");
            }
            final byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        void end()
        {
            if (remaining() != 0)
            {
                throw new EntryFormatException(Reason.TRAILING_BYTES, remaining() + " bytes after the entry");
            }
        }
    }
}
