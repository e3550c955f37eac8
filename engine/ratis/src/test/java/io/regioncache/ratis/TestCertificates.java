package io.regioncache.ratis;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for the TLS tests (BouncyCastle, test scope only): EC P-256 keys, PEM files as
 * {@code openssl} would write them (certificate, PKCS#8 private key, CA certificate). Leaf certificates name
 * {@code 127.0.0.1} and {@code localhost} (gRPC checks the server's name) and serve as both server and client
 * certificates, as a node's does (it serves Raft and dials its peers).
 */
final class TestCertificates
{
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private final String name;
    private final Path dir;
    private final KeyPair keys;
    private final X509Certificate cert;

    private TestCertificates(final String name, final Path dir, final KeyPair keys, final X509Certificate cert)
    {
        this.name = name;
        this.dir = dir;
        this.keys = keys;
        this.cert = cert;
    }

    /**
     * @param dir  where the PEM files go.
     * @param name the CA's name (file prefix).
     * @return a new self-signed CA; its certificate is written to {@code dir/name-ca.pem}.
     */
    static TestCertificates newCa(final Path dir, final String name) throws Exception
    {
        final KeyPair kp = keyPair();
        final X500Name subject = new X500Name("CN=" + name + " test CA");
        final X509v3CertificateBuilder b = builder(subject, subject, kp);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        final TestCertificates ca = new TestCertificates(name, dir, kp, sign(b, kp.getPrivate()));
        Files.createDirectories(dir);
        writePem(ca.caFile(), ca.cert);
        return ca;
    }

    /** @return the CA certificate's file. */
    Path caFile()
    {
        return dir.resolve(name + "-ca.pem");
    }

    /**
     * @param leaf the certificate's name (file prefix, CN).
     * @return a node or client certificate and key signed by this CA, with files trusting this CA.
     */
    TlsFiles issue(final String leaf) throws Exception
    {
        final KeyPair kp = keyPair();
        final X509v3CertificateBuilder b = builder(new X500Name(cert.getSubjectX500Principal().getName()),
            new X500Name("CN=" + leaf), kp);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()),
            new GeneralName(GeneralName.dNSName, "localhost")}));
        final X509Certificate c = sign(b, keys.getPrivate());
        final Path certFile = dir.resolve(name + "-" + leaf + ".pem");
        final Path keyFile = dir.resolve(name + "-" + leaf + ".key");
        writePem(certFile, c);
        writePem(keyFile, new JcaPKCS8Generator(kp.getPrivate(), null).generate());
        return new TlsFiles(certFile, keyFile, caFile());
    }

    private static KeyPair keyPair() throws GeneralSecurityException
    {
        final KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(final X500Name issuer, final X500Name subject, final KeyPair kp)
    {
        final Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject, kp.getPublic());
    }

    private static X509Certificate sign(final X509v3CertificateBuilder b, final PrivateKey signer)
        throws OperatorCreationException, GeneralSecurityException
    {
        final ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
        final X509CertificateHolder h = b.build(s);
        return new JcaX509CertificateConverter().getCertificate(h);
    }

    private static void writePem(final Path file, final Object o) throws IOException
    {
        final StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw))
        {
            w.writeObject(o);
        }
        Files.writeString(file, sw.toString(), StandardCharsets.US_ASCII);
    }
}
