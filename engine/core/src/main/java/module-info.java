/**
 * RegionCache core: the engine behind a small facade.
 * <p>
 * Exported: {@code io.regioncache} (the API: {@link io.regioncache.RegionCache}, its config, commands and
 * results, snapshots, the {@link io.regioncache.BackingStore} SPI, metrics snapshots), {@code io.regioncache.hybrid}
 * (a durable store plus the cache) and {@code io.regioncache.store} (an in-memory store). Not exported:
 * {@code io.regioncache.internal.*} (off-heap tables and memory). The apply thread's internals are package-private
 * in {@code io.regioncache}. On the classpath the jar works as well; this descriptor then only documents the rule.
 */
module io.regioncache.core {
    requires transitive org.agrona;
    requires org.jctools.core;
    requires org.slf4j;
    // JCTools reads sun.misc.Unsafe but only "requires static" jdk.unsupported, which does not add the module to a
    // module-path host's graph: without this line RegionCache.create failed there with NoClassDefFoundError.
    requires jdk.unsupported;

    exports io.regioncache;
    exports io.regioncache.hybrid;
    exports io.regioncache.store;
}
