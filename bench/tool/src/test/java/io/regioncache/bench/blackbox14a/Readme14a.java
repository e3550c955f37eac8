package io.regioncache.bench.blackbox14a;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * README.md's shell commands, as a newcomer would copy them: every line of a fenced block that is not Java or XML
 * (continuation lines joined, {@code # comments} cut, {@code &&} and a trailing {@code &} split), and every inline
 * code span that starts like a command. Surefire runs in bench/tool, so the repository root is two levels up.
 */
final class Readme14a
{
    /** The repository root. */
    static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

    /** One command as the README shows it: its text, the README line it starts on, and whether it was inline. */
    record Cmd(String text, int line, boolean inline)
    {
        List<String> words()
        {
            return Readme14a.words(text);
        }

        String where()
        {
            return "README.md:" + line + (inline ? " (inline)" : "") + ": " + text;
        }
    }

    private static final Pattern COMMAND_START = Pattern.compile(
        "^(?:[A-Z][A-Z0-9_]*=\\S+\\s+)*(java|mvn|bench/\\w|engine/\\w|\\.ci/|curl|openssl|time |-jar )");

    private Readme14a()
    {
    }

    static String text()
    {
        try
        {
            return Files.readString(ROOT.resolve("README.md"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return every fenced block's shell commands and every command-like inline span, in README order. */
    static List<Cmd> commands()
    {
        final String[] lines = text().split("\n", -1);
        final List<Cmd> out = new ArrayList<>();
        final StringBuilder prose = new StringBuilder();
        boolean fenced = false;
        boolean shell = false;
        String pending = null;
        int pendingLine = 0;
        for (int i = 0; i < lines.length; i++)
        {
            final String line = lines[i];
            if (line.startsWith("```"))
            {
                fenced = !fenced;
                final String lang = line.substring(3).trim();
                shell = fenced && !lang.equals("java") && !lang.equals("xml");
                prose.append('\n');
                continue;
            }
            if (!fenced)
            {
                prose.append(line).append('\n');
                continue;
            }
            prose.append('\n'); // keep line numbers of the prose aligned
            if (!shell)
            {
                continue;
            }
            String l = stripComment(line).strip();
            if (pending != null)
            {
                l = pending + " " + l;
            }
            else
            {
                pendingLine = i + 1;
            }
            if (l.endsWith("\\"))
            {
                pending = l.substring(0, l.length() - 1).strip();
                continue;
            }
            pending = null;
            for (String part : l.split("\\s&&\\s"))
            {
                part = part.strip();
                if (part.endsWith(" &"))
                {
                    part = part.substring(0, part.length() - 2).strip();
                }
                if (COMMAND_START.matcher(part).find())
                {
                    out.add(new Cmd(part, pendingLine, false));
                }
            }
        }
        // Inline spans (they may run over a line break, not over a blank line), outside the fenced blocks.
        final String[] proseLines = prose.toString().split("\n", -1);
        int start = 0;
        for (int i = 0; i <= proseLines.length; i++)
        {
            if (i == proseLines.length || proseLines[i].isBlank())
            {
                if (i > start)
                {
                    final String para = String.join("\n", java.util.Arrays.copyOfRange(proseLines, start, i));
                    final Matcher m = Pattern.compile("`([^`]+)`").matcher(para);
                    while (m.find())
                    {
                        final String span = m.group(1).replaceAll("\\s+", " ").strip();
                        if (COMMAND_START.matcher(span).find() || span.matches("^(drive|regions|stat|serve) --.*") ||
                            span.matches("^\\w*Benchmark( .*)? -p .*") || span.matches("^-p \\w+=\\S+$"))
                        {
                            final int line = start + 1 +
                                (int)para.substring(0, m.start()).chars().filter(c -> c == '\n').count();
                            out.add(new Cmd(span, line, true));
                        }
                    }
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** @return the line without a {@code #} comment (a {@code #} outside quotes, at the start or after a blank). */
    static String stripComment(final String line)
    {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < line.length(); i++)
        {
            final char c = line.charAt(i);
            if (c == '\'' && !dbl)
            {
                single = !single;
            }
            else if (c == '"' && !single)
            {
                dbl = !dbl;
            }
            else if (c == '#' && !single && !dbl && (i == 0 || Character.isWhitespace(line.charAt(i - 1))))
            {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** @return the shell words of a command (quotes removed; no expansion). */
    static List<String> words(final String command)
    {
        final List<String> out = new ArrayList<>();
        final StringBuilder w = new StringBuilder();
        boolean single = false;
        boolean dbl = false;
        boolean any = false;
        for (int i = 0; i < command.length(); i++)
        {
            final char c = command.charAt(i);
            if (c == '\'' && !dbl)
            {
                single = !single;
                any = true;
            }
            else if (c == '"' && !single)
            {
                dbl = !dbl;
                any = true;
            }
            else if (Character.isWhitespace(c) && !single && !dbl)
            {
                if (any)
                {
                    out.add(w.toString());
                    w.setLength(0);
                    any = false;
                }
            }
            else
            {
                w.append(c);
                any = true;
            }
        }
        if (any)
        {
            out.add(w.toString());
        }
        return out;
    }
}
