package io.regioncache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs test code on the engine's dedicated apply thread, every time: a loader executor (set it with the public
 * {@code RegionCacheConfig.Builder.loaderExecutor(...)}) that, when the apply thread hands it the next load job,
 * first runs the code queued with {@link #runNext}, then starts the job on a daemon thread of its own. The host
 * starts a load ({@code loadRegion}) to bring the apply thread here. Public for the black-box packages.
 * <p>
 * Why not a command's dependent stage ({@code future.thenRun(...)}): a stage attached after the apply thread
 * completed the future runs on the attaching thread, and an apply thread still spinning after its last command
 * completes the next one before the test thread has attached anything. A test that retried that race 1,000 times
 * lost all of them in one CI run ({@code blackbox15/HybridOnApplyThreadTest}, 2026-12-07).
 */
public final class ApplyThreadHook implements Executor
{
    private final AtomicReference<Runnable> next = new AtomicReference<>();

    @Override
    public void execute(final Runnable job)
    {
        final Runnable hook = next.getAndSet(null);
        if (hook != null)
        {
            hook.run();
        }
        final Thread loader = new Thread(job, "apply-thread-hook-loader");
        loader.setDaemon(true);
        loader.start();
    }

    /**
     * Queue {@code body} for the apply thread's next hand-over of a load job.
     *
     * @param cache the engine this executor is the loader executor of.
     * @param body  the code to run there.
     * @return completed once {@code body} returned; exceptionally if it threw, or if the executor was not called on
     * {@code cache}'s apply thread.
     */
    public CompletableFuture<Void> runNext(final RegionCache cache, final Runnable body)
    {
        final CompletableFuture<Void> ran = new CompletableFuture<>();
        final Runnable hook = () ->
        {
            if (!cache.isApplyThread())
            {
                ran.completeExceptionally(new AssertionError("the loader executor was called off the apply thread"));
                return;
            }
            try
            {
                body.run();
                ran.complete(null);
            }
            catch (final Throwable t)
            {
                ran.completeExceptionally(t);
            }
        };
        if (!next.compareAndSet(null, hook))
        {
            throw new IllegalStateException("a hook is already queued");
        }
        return ran;
    }

    /**
     * {@link #runNext}, then wait for it.
     *
     * @param cache   the engine.
     * @param body    the code to run on its apply thread.
     * @param trigger starts a load (the host's {@code loadRegion} of a region no other command of the test touches).
     * @throws Exception what {@code body} threw (wrapped), or a timeout after 10 s.
     */
    public void runOnApplyThread(final RegionCache cache, final Runnable body, final Runnable trigger) throws Exception
    {
        final CompletableFuture<Void> ran = runNext(cache, body);
        trigger.run();
        ran.get(10, TimeUnit.SECONDS);
    }

    /**
     * Hold the apply thread in this executor until the returned handle is run. Commands made meanwhile are applied
     * after it, so a dependent stage attached to one of them now runs on the apply thread, every time.
     *
     * @param cache   the engine.
     * @param trigger starts a load, as for {@link #runOnApplyThread}.
     * @return lets the apply thread go (idempotent).
     * @throws Exception if the apply thread did not come within 10 s.
     */
    public Runnable hold(final RegionCache cache, final Runnable trigger) throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<Void> ran = runNext(cache, () ->
        {
            entered.countDown();
            try
            {
                release.await(60, TimeUnit.SECONDS);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        });
        trigger.run();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!entered.await(10, TimeUnit.MILLISECONDS))
        {
            if (ran.isDone())
            {
                ran.get();
            }
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("the apply thread never handed a load job over");
            }
        }
        return release::countDown;
    }
}
