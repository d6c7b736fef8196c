using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrderActors.Gateway.Tests;

/// <summary>A self-signed certificate for 127.0.0.1 and localhost, made for the test and written as .pfx and as PEM files.</summary>
public sealed class TestCertificate : IDisposable
{
    public const string Password = "test-certificate-password";

    private readonly string folder = Directory.CreateTempSubdirectory("orderactors-cert-").FullName;

    public TestCertificate(string subject = "CN=orderactors-test")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        // Serves as a server (HTTPS, silos) and as a client (mutual TLS between silos and gateways).
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));

        PfxPath = Path.Combine(folder, "cert.pfx");
        File.WriteAllBytes(PfxPath, Certificate.Export(X509ContentType.Pfx, Password));
        PemPath = Path.Combine(folder, "cert.pem");
        File.WriteAllText(PemPath, Certificate.ExportCertificatePem());
        KeyPath = Path.Combine(folder, "key.pem");
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Certificate { get; }

    public string Thumbprint => Certificate.Thumbprint;

    public string PfxPath { get; }

    public string PemPath { get; }

    public string KeyPath { get; }

    /// <summary>A handler that trusts exactly this certificate, as a client that pinned it would.</summary>
    public SocketsHttpHandler TrustingHandler() => new()
    {
        AllowAutoRedirect = false,
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == Thumbprint },
    };

    public void Dispose()
    {
        Certificate.Dispose();
        Directory.Delete(folder, recursive: true);
    }
}
