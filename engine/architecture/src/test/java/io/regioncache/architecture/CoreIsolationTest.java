package io.regioncache.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.regioncache.architecture.fixtures.core.UsesAnAdapter;
import org.junit.jupiter.api.Test;

/**
 * Rule 3: the core engine knows none of its adapters: no class of regioncache-core depends on an adapter package
 * ({@code io.regioncache.rocksdb}, {@code .lmdb}, {@code .catalog}, {@code .micrometer}, {@code .ratis}) or on an
 * adapter's library (RocksDB, lmdbjava, Chronicle, Micrometer, Ratis). README "Embedding": each adapter is an
 * artifact a host adds; "Replication": "Nothing of Ratis reaches the core engine"; DESIGN §4: "The core engine must
 * not require" Chronicle Map. The hybrid engine is in the core "since it needs nothing but the SPI", so it too must
 * not name RocksDB or LMDB.
 */
class CoreIsolationTest
{
    static final ArchRule CORE_KNOWS_NO_ADAPTER = noClasses()
        .that().resideInAPackage("io.regioncache..")
        .should().dependOnClassesThat().resideInAnyPackage(EngineClasses.ADAPTER_PACKAGES)
        .orShould().dependOnClassesThat().resideInAnyPackage(EngineClasses.ADAPTER_LIBRARIES)
        .because("the adapters are optional modules over the engine, never the reverse (README \"Embedding\")");

    @Test
    void theCoreDependsOnNoAdapterAndNoAdapterLibrary()
    {
        CORE_KNOWS_NO_ADAPTER.check(EngineClasses.core());
    }

    @Test
    void theRuleReportsACoreClassUsingAnAdapter()
    {
        final AssertionError error = assertThrows(AssertionError.class,
            () -> CORE_KNOWS_NO_ADAPTER.check(new ClassFileImporter().importClasses(UsesAnAdapter.class)));
        assertTrue(error.getMessage().contains("io.regioncache.rocksdb.RocksDbBackingStore"), error.getMessage());
        assertTrue(error.getMessage().contains("org.rocksdb.RocksDB"), error.getMessage());
    }
}
