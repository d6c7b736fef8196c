using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace OrderActors.Hosting;

/// <summary>
/// TLS on Orleans' own connections (silo to silo, gateway to silo), from the <c>Orleans:Tls</c> section; off unless
/// <see cref="CertificatePath"/> is set. Each side presents its certificate and requires one from the other (mutual
/// TLS), so a process without an accepted certificate cannot join the cluster or call it.
/// </summary>
public sealed class ClusterTls
{
    /// <summary>A PKCS#12 file (.pfx/.p12), or a PEM certificate whose key is in <see cref="KeyPath"/>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PKCS#12 file's password, or the encrypted PEM key's.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The PEM private key of a PEM certificate.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// Comma-separated SHA-1 thumbprints of the only certificates a peer may present (e.g. the cluster's one
    /// self-signed certificate). When empty, a peer's certificate must validate against this machine's trusted roots.
    /// </summary>
    public string? AllowedThumbprints { get; set; }

    /// <summary>The settings in <c>Orleans:Tls</c>, or null when TLS is off.</summary>
    public static ClusterTls? From(IConfiguration configuration) =>
        configuration.GetSection("Orleans:Tls").Get<ClusterTls>() is { CertificatePath.Length: > 0 } tls ? tls : null;

    public X509Certificate2 LoadCertificate()
    {
        var path = CertificatePath!;
        if (!string.IsNullOrEmpty(KeyPath))
        {
            return string.IsNullOrEmpty(CertificatePassword)
                ? X509Certificate2.CreateFromPemFile(path, KeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, CertificatePassword, KeyPath);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword);
    }

    /// <summary>Which certificates a peer may present: the pinned thumbprints, else any the machine trusts.</summary>
    public void Configure(TlsOptions options)
    {
        var allowed = (AllowedThumbprints ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = allowed.Length > 0
            ? (certificate, _, _) => allowed.Contains(certificate.Thumbprint, StringComparer.OrdinalIgnoreCase)
            : (_, _, errors) => errors == SslPolicyErrors.None;
    }
}
