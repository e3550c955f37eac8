package io.regioncache;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;

/**
 * Runs jcstress (same arguments as {@code org.openjdk.jcstress.Main}) and exits non-zero unless tests ran and none
 * failed or errored. jcstress reports a forbidden outcome by throwing from {@code run()}; this gate also fails a
 * run in which no test ran (a filter that matches nothing, a harness that did not start) and prints one verdict
 * line for the build log. On a machine with fewer than two CPUs jcstress cannot schedule any of these tests; the
 * gate then says so and passes (the Lincheck tests of the core module still check the protocols).
 * <p>
 * The verdict is read from jcstress's run summary ({@code RUN RESULTS:} with its {@code Failed tests},
 * {@code Error tests} and {@code All remaining tests} lines). Forked test VMs get Agrona's
 * {@code --add-exports} unless the caller passes {@code -jvmArgsPrepend} itself. With no {@code -t} filter only this
 * project's tests run.
 */
public final class JcstressGate
{
    /** Every test here has two actors (or an actor and an arbiter), each needing a CPU of its own. */
    private static final int MIN_CPUS = 2;
    private static final String AGRONA = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    private static final Pattern LINE = Pattern.compile(
        "^\\s*(Interesting tests|Failed tests|Error tests|All remaining tests):\\s*(.*)$", Pattern.MULTILINE);

    private JcstressGate()
    {
    }

    /**
     * @param args jcstress arguments, e.g. {@code -m quick}.
     * @throws Exception if jcstress cannot run.
     */
    public static void main(final String[] args) throws Exception
    {
        final int cpus = Runtime.getRuntime().availableProcessors();
        if (cpus < MIN_CPUS)
        {
            // jcstress schedules each actor on a CPU of its own and refuses to run a 2-actor test on one ("No
            // scheduling is possible"); failing the build for the machine's size would say nothing about the code.
            // The same protocols are still model-checked by the core module's Lincheck tests on any machine.
            System.out.println("JcstressGate: SKIPPED: jcstress needs " + MIN_CPUS + " CPUs and this JVM sees " + cpus +
                "; the state-word protocols are still checked by RegionRecordLincheckTest");
            System.exit(0);
        }
        final List<String> all = new ArrayList<>(Arrays.asList(args));
        if (!all.contains("-jvmArgsPrepend"))
        {
            all.add("-jvmArgsPrepend");
            all.add(AGRONA);
        }
        if (!all.contains("-t"))
        {
            all.add("-t");
            // The tests live in the engine's packages (io.regioncache, io.regioncache.internal.table) to reach their
            // package-private internals, as the unit tests do; every jcstress test of this module ends in "Test".
            all.add("io\\.regioncache\\.([a-z]+\\.)*[A-Za-z]+Test$");
        }
        String thrown = null;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream console = System.out;
        final PrintStream tee = new PrintStream(new Tee(console, captured), true, StandardCharsets.UTF_8);
        System.setOut(tee);
        try
        {
            final Options options = new Options(all.toArray(new String[0]));
            if (!options.parse())
            {
                System.exit(2);
            }
            new JCStress(options).run();
        }
        catch (final AssertionError failures)
        {
            thrown = failures.getMessage();
        }
        finally
        {
            tee.flush();
            System.setOut(console);
        }
        final String summary = verdict(captured.toString(StandardCharsets.UTF_8));
        final String verdict = thrown != null ? thrown : summary;
        console.println();
        console.println("JcstressGate: " + (verdict == null ? "PASS" : "FAIL: " + verdict));
        System.exit(verdict == null ? 0 : 1);
    }

    /** @return null if the summary shows tests ran and none failed or errored, else why not. */
    static String verdict(final String output)
    {
        final int start = output.lastIndexOf("RUN RESULTS:");
        if (start < 0)
        {
            return "no RUN RESULTS summary (did jcstress run?)";
        }
        final Matcher m = LINE.matcher(output.substring(start));
        boolean sawFailed = false;
        boolean sawError = false;
        boolean ranSome = false;
        while (m.find())
        {
            final String what = m.group(1);
            final String value = m.group(2).trim();
            final boolean none = value.startsWith("No matches");
            switch (what)
            {
                case "Failed tests":
                    sawFailed = true;
                    if (!none)
                    {
                        return "failed tests: " + value;
                    }
                    break;
                case "Error tests":
                    sawError = true;
                    if (!none)
                    {
                        return "error tests: " + value;
                    }
                    break;
                case "All remaining tests":
                    ranSome = !none;
                    break;
                default:
                    ranSome |= !none;
                    break;
            }
        }
        if (!sawFailed || !sawError)
        {
            return "summary without Failed/Error lines";
        }
        return ranSome ? null : "no test ran";
    }

    private static final class Tee extends OutputStream
    {
        private final OutputStream a;
        private final OutputStream b;

        Tee(final OutputStream a, final OutputStream b)
        {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(final int x) throws java.io.IOException
        {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(final byte[] buf, final int off, final int len) throws java.io.IOException
        {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException
        {
            a.flush();
            b.flush();
        }
    }
}
