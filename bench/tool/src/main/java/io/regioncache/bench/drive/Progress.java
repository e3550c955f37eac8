package io.regioncache.bench.drive;

import java.io.PrintWriter;

/**
 * The live progress line on stderr: one line overwritten with {@code \r} on a terminal, one line per update
 * otherwise. Java cannot ask whether stderr itself is a terminal; {@code AUTO} uses a line when a console is
 * attached ({@link System#console()}, i.e. stdin and stdout are terminals) and {@code TERM} is not {@code dumb}.
 */
abstract class Progress
{
    static Progress create(final DriveSettings.Progress mode, final PrintWriter out)
    {
        if (out == null || mode == DriveSettings.Progress.OFF)
        {
            return new Progress()
            {
                @Override
                void update(final String line)
                {
                }

                @Override
                void finish()
                {
                }
            };
        }
        final boolean tty = mode == DriveSettings.Progress.TTY ||
            (mode == DriveSettings.Progress.AUTO && System.console() != null &&
                !"dumb".equals(System.getenv("TERM")));
        return tty ? new Overwriting(out) : new Plain(out);
    }

    abstract void update(String line);

    abstract void finish();

    private static final class Plain extends Progress
    {
        private final PrintWriter out;

        Plain(final PrintWriter out)
        {
            this.out = out;
        }

        @Override
        void update(final String line)
        {
            out.println(line);
            out.flush();
        }

        @Override
        void finish()
        {
            out.flush();
        }
    }

    private static final class Overwriting extends Progress
    {
        private final PrintWriter out;
        private int lastLength;
        private boolean printed;

        Overwriting(final PrintWriter out)
        {
            this.out = out;
        }

        @Override
        void update(final String line)
        {
            final StringBuilder sb = new StringBuilder("\r").append(line);
            for (int i = line.length(); i < lastLength; i++)
            {
                sb.append(' ');
            }
            lastLength = line.length();
            out.print(sb);
            out.flush();
            printed = true;
        }

        @Override
        void finish()
        {
            if (printed)
            {
                out.println();
            }
            out.flush();
        }
    }
}
