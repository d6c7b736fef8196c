using System.Diagnostics;
using Microsoft.Playwright;

namespace OrderActors.Dashboard.Tests;

/// <summary>
/// The system Chromium (Debian's package; Playwright's own browser download cannot be fetched here), kept off the
/// internet by its own resolver: every host but the loopback fails to resolve at once, inside the browser. Pages we
/// serve may name outside resources (Scalar's fonts); without this, whether and when a page finishes loading would
/// depend on how the machine's DNS and routes fail, which differs between this machine and CI's. (Playwright's request
/// interception would do the same, but it holds every request until the test process answers it, so a starved test
/// process would stall the page.)
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly string Executable = Environment.GetEnvironmentVariable("ORDERACTORS_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly Action<string> _log;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser, Action<string> log)
    {
        _playwright = playwright;
        _browser = browser;
        _log = log;
    }

    /// <summary>
    /// Starts Chromium; <paramref name="log"/> hears of every request a page makes, when it ends and how, so a failed
    /// test says which request a page was still waiting for.
    /// </summary>
    public static async Task<HeadlessChromium> LaunchAsync(Action<string> log)
    {
        Assert.True(File.Exists(Executable), $"Chromium is not installed at {Executable}: run `apt-get install -y chromium` (CI's .ci/run installs it) or set ORDERACTORS_TEST_CHROMIUM.");
        // Expectations wait as long as a starved CI box needs; they pass as soon as the page shows what they look for.
        Assertions.SetDefaultExpectTimeout(60_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Executable, Headless = true, Args = Args });
        return new HeadlessChromium(playwright, browser, log);
    }

    /// <summary>
    /// A new page whose every wait gives up after <paramref name="timeout"/>. Navigate with <see cref="Committed"/>: the
    /// tests then wait for what the page shows, not for its scripts or its last font.
    /// </summary>
    public async Task<IPage> NewPageAsync(TimeSpan timeout, ViewportSize? viewport = null)
    {
        var page = await _browser.NewPageAsync(new() { ViewportSize = viewport });
        page.SetDefaultTimeout((float)timeout.TotalMilliseconds);
        var clock = Stopwatch.StartNew();
        page.Request += (_, request) => _log($"browser +{clock.Elapsed.TotalSeconds:F1} s: {request.Method} {request.Url}");
        page.RequestFinished += (_, request) => _log($"browser +{clock.Elapsed.TotalSeconds:F1} s: done {request.Url}");
        page.RequestFailed += (_, request) => _log($"browser +{clock.Elapsed.TotalSeconds:F1} s: failed {request.Url}: {request.Failure}");
        return page;
    }

    /// <summary>Navigation ends once the server's answer is in: what the page then shows is for expectations to wait for.</summary>
    public static PageGotoOptions Committed => new() { WaitUntil = WaitUntilState.Commit };

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
