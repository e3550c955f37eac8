package io.regioncache;

import org.agrona.concurrent.Agent;

/**
 * The apply agent as Agrona's {@code AgentInvoker} sees it in {@link RegionCacheConfig.Threading#INVOKER} mode: the
 * same agent, with the calling thread's interrupt flag kept out of the invoker's sight.
 * <p>
 * <b>Why.</b> {@code AgentInvoker.invoke()} stops for good (its running flag cleared, never set again) when a cycle
 * finds no work on an interrupted thread, and closes when the agent throws on one. In this mode the thread is the
 * host's own, and its flag is the host's business (README, "Interrupted callers": such a thread is served by every
 * call and the flag is kept for it). Until audit 32 (fuzzing; {@code InterruptedInvokerCycleTest}) a host that called
 * {@link RegionCache#applyCycle()} with its flag set, say after a load job its executor ran was interrupted, stopped
 * the engine silently: every later command stayed queued until {@code close()}. Now {@code applyCycle()} puts the
 * flag aside before the cycle, and {@link #doWork()} takes any flag host code set during it (a command's callback, a
 * load listener) before the invoker looks; {@code applyCycle()} gives both back to the caller when it returns.
 * <p>
 * Used by the invoking thread only, one cycle at a time, so its fields are plain.
 */
final class InvokerCycleAgent implements Agent
{
    private final Agent agent;
    private boolean interruptedInCycle;
    private int lastWork;

    /**
     * @param agent the apply agent.
     */
    InvokerCycleAgent(final Agent agent)
    {
        this.agent = agent;
    }

    @Override
    public void onStart()
    {
        agent.onStart();
    }

    @Override
    public int doWork() throws Exception
    {
        lastWork = 0;
        try
        {
            lastWork = agent.doWork();
        }
        finally
        {
            if (Thread.interrupted())
            {
                interruptedInCycle = true; // before the invoker reads the flag: see the class comment
            }
        }
        // At least 1 for the invoker: another thread may interrupt this one after the line above, and the invoker
        // stops for good on a cycle of no work that finds the flag set. The cycle's real count is lastWork().
        return Math.max(1, lastWork);
    }

    /** @return the work the last {@link #doWork()} did (invoking thread, after the cycle). */
    int lastWork()
    {
        return lastWork;
    }

    @Override
    public void onClose()
    {
        agent.onClose();
    }

    @Override
    public String roleName()
    {
        return agent.roleName();
    }

    /**
     * Invoking thread, after a cycle.
     *
     * @return whether host code set the thread's interrupt flag during the cycle (then cleared for it).
     */
    boolean takeInterrupt()
    {
        final boolean was = interruptedInCycle;
        interruptedInCycle = false;
        return was;
    }
}
