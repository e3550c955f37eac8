package io.regioncache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

/**
 * {@link RegionCache#applyCycle()} on a host thread whose interrupt flag is set ({@code Threading.INVOKER}): the
 * engine goes on applying commands, and the flag is the caller's again after each cycle. Agrona's
 * {@code AgentInvoker} stops for good on an idle cycle of an interrupted thread; audit 32's fuzzing found it (a JUnit
 * timeout interrupted the fuzzing thread, and from then on no command completed), and each test here left every later
 * command queued until {@code close()} before {@link InvokerCycleAgent}.
 */
class InterruptedInvokerCycleTest
{
    private final ArrayDeque<Runnable> loads = new ArrayDeque<>();
    private final InMemoryBackingStore store = new InMemoryBackingStore();
    private final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
        .threading(RegionCacheConfig.Threading.INVOKER)
        .capacityBytes(1 << 20)
        .segmentSize(4096)
        .backingStore(store)
        .loaderExecutor(loads::add)
        .build());

    @AfterEach
    void close()
    {
        Thread.interrupted();
        cache.close();
    }

    private static CommandResult cycleUntilDone(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        for (int i = 0; i < 1_000 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        assertTrue(f.isDone(), () -> "pending after 1,000 apply cycles, queue depth " + cache.queueDepth());
        return f.join();
    }

    /** Idle cycles with the flag set, then a write: applied, and the flag was kept for the caller every time. */
    @Test
    void idleCyclesOfAnInterruptedThreadLeaveTheEngineApplying()
    {
        assertEquals(ResultCode.OK, cycleUntilDone(cache, cache.createRegion(new Region(1, new byte[0], new byte[0],
            1))).code());
        for (int i = 0; i < 10; i++)
        {
            Thread.currentThread().interrupt();
            cache.applyCycle(); // idle: nothing queued
            assertTrue(Thread.interrupted(), "the caller's flag is handed back (and cleared here)");
        }
        Thread.currentThread().interrupt();
        final CompletableFuture<CommandResult> write = cache.write(new WriteBatch(1, 1, 5).put(b("x"), b("y")));
        assertEquals(ResultCode.OK, cycleUntilDone(cache, write).code());
        assertTrue(Thread.interrupted(), "still the caller's after the cycles that applied the write");
    }

    /** Audit 32's reduction: a load job the host's executor ran, installed by cycles of an interrupted thread. */
    @Test
    void aLoadInstalledByAnInterruptedThreadLeavesTheEngineApplying()
    {
        store.put(b("k"), 1, b("v"));
        final CompletableFuture<CommandResult> load = cache.loadRegion(new Region(3, new byte[0], new byte[0], 1));
        assertEquals(ResultCode.OK, cycleUntilDone(cache, load).code());
        assertEquals(1, loads.size(), "the load job, held by the host's executor");
        loads.poll().run();
        Thread.currentThread().interrupt();
        for (int i = 0; i < 100; i++)
        {
            cache.applyCycle();
        }
        assertTrue(Thread.interrupted());
        assertEquals(RegionState.ACTIVE, cache.stateOf(3));
        final CompletableFuture<CommandResult> write = cache.write(new WriteBatch(3, 1, 5).put(b("x"), b("y")));
        assertEquals(ResultCode.OK, cycleUntilDone(cache, write).code());
        assertEquals(0, cache.metrics().get("apply.errors"), "the caller's own flag is no error of the engine's");
    }

    /** A callback that interrupts its thread: the flag is the caller's after the cycle, and the engine goes on. */
    @Test
    void aCallbackThatInterruptsTheCycleLeavesTheEngineApplying()
    {
        final CompletableFuture<CommandResult> create = cache.createRegion(new Region(1, new byte[0], new byte[0], 1));
        create.thenRun(() -> Thread.currentThread().interrupt());
        assertEquals(ResultCode.OK, cycleUntilDone(cache, create).code());
        assertTrue(Thread.interrupted(), "the callback's flag, handed to the caller after the cycle");
        for (int i = 0; i < 5; i++)
        {
            Thread.currentThread().interrupt();
            cache.applyCycle();
            assertTrue(Thread.interrupted());
        }
        final CompletableFuture<CommandResult> write = cache.write(new WriteBatch(1, 1, 5).put(b("x"), b("y")));
        assertEquals(ResultCode.OK, cycleUntilDone(cache, write).code());
        assertFalse(Thread.currentThread().isInterrupted());
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
