package io.regioncache.ratis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS for a node's or a client's gRPC traffic, from PEM files: this side's certificate (chain), its private
 * key (PKCS#8, {@code -----BEGIN PRIVATE KEY-----}) and the CA certificate(s) it trusts. Both ends present a
 * certificate and both check the other's against the CA: a node refuses a peer or client whose certificate its CA did
 * not sign (or that has none, or that speaks plaintext), and a client or peer refuses a server the same way. A
 * client checks the server's name too, so a node's certificate must name the address the others dial (a
 * {@code subjectAltName} such as {@code IP:127.0.0.1}).
 *
 * @param cert this side's certificate chain, PEM.
 * @param key  this side's private key, PEM (PKCS#8).
 * @param ca   the trusted CA certificate(s), PEM.
 */
public record TlsFiles(Path cert, Path key, Path ca)
{
    /**
     * @throws IllegalArgumentException if a file is missing or unreadable (the error names the file and the option).
     */
    public TlsFiles
    {
        requireReadable(cert, "certificate (--tls-cert)");
        requireReadable(key, "private key (--tls-key)");
        requireReadable(ca, "CA certificate (--tls-ca)");
    }

    private static void requireReadable(final Path p, final String what)
    {
        Objects.requireNonNull(p, what);
        if (!Files.isRegularFile(p) || !Files.isReadable(p))
        {
            throw new IllegalArgumentException(what + " " + p + " is not a readable file");
        }
    }

    /**
     * The command lines' three options, all or none.
     *
     * @param cert {@code --tls-cert} or null.
     * @param key  {@code --tls-key} or null.
     * @param ca   {@code --tls-ca} or null.
     * @return the files, or null when none is given (plaintext).
     * @throws IllegalArgumentException if only some are given, or a file is not readable.
     */
    public static TlsFiles ofOptions(final Path cert, final Path key, final Path ca)
    {
        if (cert == null && key == null && ca == null)
        {
            return null;
        }
        if (cert == null || key == null || ca == null)
        {
            throw new IllegalArgumentException("TLS needs all of --tls-cert, --tls-key and --tls-ca");
        }
        return new TlsFiles(cert, key, ca);
    }

    /** @return Ratis' gRPC TLS settings: these files, mutual authentication on. */
    public GrpcTlsConfig grpc()
    {
        return new GrpcTlsConfig(key.toFile(), cert.toFile(), ca.toFile(), true);
    }

    /**
     * @param tls TLS settings, or null for plaintext.
     * @return Ratis parameters using them for every gRPC channel Ratis opens or serves: server-to-server (Raft),
     *         admin (group management, snapshots, leadership) and client; an empty set for null.
     */
    static Parameters parameters(final GrpcTlsConfig tls)
    {
        final Parameters p = new Parameters();
        if (tls != null)
        {
            GrpcConfigKeys.TLS.setConf(p, tls);
            GrpcConfigKeys.Server.setTlsConf(p, tls);
            GrpcConfigKeys.Admin.setTlsConf(p, tls);
            GrpcConfigKeys.Client.setTlsConf(p, tls);
        }
        return p;
    }
}
