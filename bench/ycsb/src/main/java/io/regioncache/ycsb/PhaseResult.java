package io.regioncache.ycsb;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.codehaus.jackson.JsonNode;
import org.codehaus.jackson.map.ObjectMapper;

/**
 * One phase (load, or a workload) of one system, as YCSB measured it: parsed from its
 * {@code JSONArrayMeasurementsExporter} output ({@code [{"metric": "READ", "measurement": "Operations",
 * "value": 123}, ...]}).
 */
final class PhaseResult
{
    /** YCSB's numbers for one operation type. */
    static final class OpStats
    {
        long operations;
        double averageUs;
        double p95Us;
        double p99Us;
        /** {@code Return=OK} count. */
        long ok;
        /** Every {@code Return=...} count, OK included. */
        final Map<String, Long> returns = new LinkedHashMap<>();
    }

    final String system;
    final String workload;
    final long operationsDone;
    double runtimeMs;
    double throughput;
    final Map<String, OpStats> ops = new LinkedHashMap<>();
    /** RegionCache hybrid only: the host's regions after the phase (-1 for other systems). */
    int regions = -1;
    /** RegionCache hybrid only: the store's GC safe point after the phase (-1: never collected, or another system). */
    long gcSafePoint = -1;
    /** Metrics YCSB records only for failed operations ({@code READ-FAILED}, ...). */
    final Map<String, Long> failed = new LinkedHashMap<>();

    PhaseResult(final String system, final String workload, final long operationsDone)
    {
        this.system = system;
        this.workload = workload;
        this.operationsDone = operationsDone;
    }

    static PhaseResult parse(final String system, final String workload, final long ops, final byte[] json)
        throws IOException
    {
        final PhaseResult r = new PhaseResult(system, workload, ops);
        final JsonNode array = new ObjectMapper().readTree(json);
        for (final JsonNode m : array)
        {
            final String metric = m.get("metric").getTextValue();
            final String measurement = m.get("measurement").getTextValue();
            final double value = m.get("value").getDoubleValue();
            if ("OVERALL".equals(metric))
            {
                if (measurement.startsWith("RunTime"))
                {
                    r.runtimeMs = value;
                }
                else if (measurement.startsWith("Throughput"))
                {
                    r.throughput = value;
                }
                continue;
            }
            if (metric.endsWith("-FAILED"))
            {
                if ("Operations".equals(measurement))
                {
                    r.failed.put(metric, (long)value);
                }
                continue;
            }
            if (metric.startsWith("CLEANUP") || metric.startsWith("INIT"))
            {
                continue;
            }
            final OpStats o = r.ops.computeIfAbsent(metric, k -> new OpStats());
            switch (measurement)
            {
                case "Operations": o.operations = (long)value; break;
                case "AverageLatency(us)": o.averageUs = value; break;
                case "95thPercentileLatency(us)": o.p95Us = value; break;
                case "99thPercentileLatency(us)": o.p99Us = value; break;
                default:
                    if (measurement.startsWith("Return="))
                    {
                        o.returns.put(measurement.substring("Return=".length()), (long)value);
                        if ("Return=OK".equals(measurement))
                        {
                            o.ok = (long)value;
                        }
                    }
                    break;
            }
        }
        return r;
    }

    /** @return every way this phase fell short of "every operation returned OK" (empty if none). */
    List<String> problems()
    {
        final List<String> out = new ArrayList<>();
        final String at = system + " " + workload + ": ";
        if (operationsDone == 0 || ops.isEmpty())
        {
            out.add(at + "no operations");
        }
        long measured = 0;
        for (final Map.Entry<String, OpStats> e : ops.entrySet())
        {
            final OpStats o = e.getValue();
            measured += o.operations;
            if (o.returns.isEmpty() && "READ-MODIFY-WRITE".equals(e.getKey()))
            {
                continue; // measured as a whole without a return code; its READ and UPDATE report theirs
            }
            if (o.ok != o.operations)
            {
                out.add(at + e.getKey() + " " + o.ok + " OK of " + o.operations + " " + o.returns);
            }
        }
        if (!failed.isEmpty())
        {
            out.add(at + "failed operations " + failed);
        }
        // read-modify-write is measured as itself and as its read and update
        if (measured < operationsDone)
        {
            out.add(at + "YCSB measured " + measured + " operations, the threads did " + operationsDone);
        }
        return out;
    }

    static List<String> problems(final List<PhaseResult> results)
    {
        final List<String> out = new ArrayList<>();
        for (final PhaseResult r : results)
        {
            out.addAll(r.problems());
        }
        return out;
    }

    String latencySummary()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, OpStats> e : ops.entrySet())
        {
            sb.append(String.format(Locale.ROOT, " %s avg %.1f p95 %.0f p99 %.0f us;", e.getKey(),
                e.getValue().averageUs, e.getValue().p95Us, e.getValue().p99Us));
        }
        return sb.toString();
    }
}
