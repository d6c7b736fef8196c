using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace OrderActors.Bench;

/// <summary>The routes SOAK sends, each reported on its own.</summary>
public enum SoakRoute
{
    ProductGet,
    ListingGet,
    CartPut,
    Checkout,
    Pay,
}

/// <summary>
/// One request as SOAK saw it: when it was due (seconds since the load began), how long from then to its final answer,
/// the final status (0: no answer — a transport error or the 10 s timeout; -1: never sent, the in-flight bound was full)
/// how many attempts it took (checkout and pay retry on 503 with the same Idempotency-Key) and whether the final answer
/// came from the gateway's response cache (<c>X-Cache: HIT</c>).
/// </summary>
public readonly record struct SoakSample(SoakRoute Route, float DueSeconds, float Milliseconds, short Status, byte Attempts, bool CacheHit = false)
{
    public bool Answered => Status is > 0 and < 500;
}

/// <summary>
/// What one rate's load works on: the shared catalog, the deal products with little stock (checkouts compete for
/// them), and the customers whose carts it changes and checks out, all named with the load's prefix.
/// </summary>
public sealed record SoakPlan(string Prefix, IReadOnlyList<string> CatalogSkus, IReadOnlyList<string> DealSkus, int Customers, IReadOnlyList<string> Words)
{
    public string Customer(int i) => $"{Prefix}-c{i}";
}

/// <summary>
/// The open-model load of SOAK: operations start at a fixed rate whether or not earlier ones have finished — 55 %
/// product GET, 15 % listing GET, 20 % cart line PUT, 10 % checkout then pay — and each latency runs from the moment the
/// operation was due, so a slow answer never slows the schedule or hides the wait (no coordinated omission). At most
/// <paramref name="maxInFlight"/> operations are in flight; one due while the bound is full is not sent and counts as
/// unanswered. Checkout and pay retry a 503, a transport error or a timeout with the same Idempotency-Key (at most
/// <see cref="MaxAttempts"/> attempts, waiting Retry-After); nothing else is retried.
/// </summary>
public sealed class SoakLoad(HttpClient http, SoakPlan plan, int maxInFlight)
{
    public const int MaxAttempts = 6;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Longest an operation can take: every attempt of checkout and of pay timing out, with the longest waits.</summary>
    public static readonly TimeSpan LongestOperation = 2 * MaxAttempts * (RequestTimeout + TimeSpan.FromSeconds(5));

    private readonly ConcurrentQueue<SoakSample> samples = new();
    private readonly ConcurrentDictionary<string, string> orderByCheckoutKey = new();
    private readonly ConcurrentQueue<int> readyToCheckOut = new();
    private readonly ConcurrentDictionary<int, byte> queued = new();
    private readonly Stopwatch clock = new();
    private long inFlight;
    private long fiveHundredsSeen;
    private long retries;
    private long clientDuplicates;
    private long checkoutKeysSent;
    private long paid;
    private long operations;

    public IReadOnlyCollection<SoakSample> Samples => samples;

    /// <summary>Operations answered so far (any status below 500), however late: counted in the samples.</summary>
    public long Answered => samples.Count(sample => sample.Answered);

    /// <summary>Every 5xx answer seen, retried ones included.</summary>
    public long FiveHundredsSeen => Interlocked.Read(ref fiveHundredsSeen);

    public long Retries => Interlocked.Read(ref retries);

    /// <summary>Checkout keys the client saw answered with two different order ids.</summary>
    public long ClientDuplicates => Interlocked.Read(ref clientDuplicates);

    public long CheckoutKeysSent => Interlocked.Read(ref checkoutKeysSent);

    public long Paid => Interlocked.Read(ref paid);

    /// <summary>Operations started by the schedule (a checkout and its payment are one; so is a checkout's first cart line).</summary>
    public long Operations => Interlocked.Read(ref operations);

    /// <summary>Order ids the checkouts were answered with, by Idempotency-Key.</summary>
    public IReadOnlyDictionary<string, string> OrdersByCheckoutKey => orderByCheckoutKey;

    /// <summary>Seconds since the load began.</summary>
    public double Now => clock.Elapsed.TotalSeconds;

    /// <summary>
    /// Starts <paramref name="perMinute"/> operations a minute for <paramref name="duration"/> (or until
    /// <paramref name="stop"/>), then waits for those in flight (each ends within <see cref="LongestOperation"/>).
    /// Returns once every operation started has its sample.
    /// </summary>
    public async Task RunAsync(double perMinute, TimeSpan duration, CancellationToken stop = default)
    {
        var perSecond = perMinute / 60;
        var total = (long)Math.Round(perSecond * duration.TotalSeconds);
        var running = new List<Task>((int)Math.Min(total, 10_000_000));
        clock.Start();
        long issued = 0;
        while (issued < total && !stop.IsCancellationRequested)
        {
            var due = Math.Min(total, (long)(clock.Elapsed.TotalSeconds * perSecond) + 1);
            for (; issued < due; issued++)
            {
                running.Add(Start(issued / perSecond));
            }

            Interlocked.Exchange(ref operations, issued);
            await Task.Delay(1);
        }

        await Task.WhenAll(running);
    }

    private Task Start(double due)
    {
        var pick = Random.Shared.Next(100);
        var route = pick switch
        {
            < 55 => SoakRoute.ProductGet,
            < 70 => SoakRoute.ListingGet,
            < 90 => SoakRoute.CartPut,
            _ => SoakRoute.Checkout,
        };
        if (Interlocked.Increment(ref inFlight) > maxInFlight)
        {
            Interlocked.Decrement(ref inFlight);
            samples.Enqueue(new SoakSample(route, (float)due, 0, -1, 0));
            return Task.CompletedTask;
        }

        return Task.Run(async () =>
        {
            try
            {
                await (route switch
                {
                    SoakRoute.ProductGet => ReadProductAsync(due),
                    SoakRoute.ListingGet => ReadListingAsync(due),
                    SoakRoute.CartPut => ChangeCartAsync(due),
                    _ => CheckOutAndPayAsync(due),
                });
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        });
    }

    private async Task ReadProductAsync(double due)
    {
        var sku = plan.CatalogSkus[Random.Shared.Next(plan.CatalogSkus.Count)];
        await SendAsync(SoakRoute.ProductGet, due, () => new HttpRequestMessage(HttpMethod.Get, $"/api/products/{sku}"), retry: false);
    }

    private async Task ReadListingAsync(double due)
    {
        var word = plan.Words[Random.Shared.Next(plan.Words.Count)];
        await SendAsync(SoakRoute.ListingGet, due, () => new HttpRequestMessage(HttpMethod.Get, $"/api/products?query={word}&limit=20"), retry: false);
    }

    /// <summary>A line of a deal (30 %) or a catalog product (70 %) in a random customer's cart; that cart may then check out.</summary>
    private async Task ChangeCartAsync(double due)
    {
        var customer = Random.Shared.Next(plan.Customers);
        if (await PutLineAsync(customer, due))
        {
            if (queued.TryAdd(customer, 0))
            {
                readyToCheckOut.Enqueue(customer);
            }
        }
    }

    private async Task<bool> PutLineAsync(int customer, double due)
    {
        var sku = Random.Shared.Next(10) < 3
            ? plan.DealSkus[Random.Shared.Next(plan.DealSkus.Count)]
            : plan.CatalogSkus[Random.Shared.Next(plan.CatalogSkus.Count)];
        var quantity = Random.Shared.Next(1, 3);
        var (status, _) = await SendAsync(SoakRoute.CartPut, due, () => new HttpRequestMessage(HttpMethod.Put, $"/api/carts/{plan.Customer(customer)}/items/{sku}")
        {
            Content = JsonContent.Create(new { quantity }),
        }, retry: false);
        return status == 200;
    }

    /// <summary>
    /// Checks out a cart the load filled (or, when none is waiting, a cart of a new customer it fills first, that PUT
    /// counted under its own route), then pays the order's total, each with an Idempotency-Key of its own.
    /// </summary>
    private async Task CheckOutAndPayAsync(double due)
    {
        int customer;
        if (readyToCheckOut.TryDequeue(out var ready))
        {
            queued.TryRemove(ready, out _);
            customer = ready;
        }
        else
        {
            customer = plan.Customers + Random.Shared.Next(int.MaxValue - plan.Customers);
            await PutLineAsync(customer, due);
        }

        var checkoutKey = Guid.NewGuid().ToString("N");
        Interlocked.Increment(ref checkoutKeysSent);
        var (status, order) = await SendAsync(SoakRoute.Checkout, due, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{plan.Customer(customer)}/checkout");
            request.Headers.Add("Idempotency-Key", checkoutKey);
            return request;
        }, retry: true, checkoutKey);
        if (status != 201 || order?["orderId"]?.GetValue<string>() is not { } orderId)
        {
            return;
        }

        var amount = order["total"]!.GetValue<decimal>();
        var paymentKey = Guid.NewGuid().ToString("N");
        var (paidStatus, _) = await SendAsync(SoakRoute.Pay, Now, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/pay") { Content = JsonContent.Create(new { amount }) };
            request.Headers.Add("Idempotency-Key", paymentKey);
            return request;
        }, retry: true);
        if (paidStatus == 200)
        {
            Interlocked.Increment(ref paid);
        }
    }

    /// <summary>
    /// Sends a request (a new message per attempt, the same headers) and records its sample; with <paramref name="retry"/>,
    /// a 503, a transport error or a timeout is tried again after Retry-After (1 s when absent, at most 5 s).
    /// </summary>
    private async Task<(int Status, JsonNode? Body)> SendAsync(
        SoakRoute route, double due, Func<HttpRequestMessage> request, bool retry, string? checkoutKey = null)
    {
        var status = 0;
        JsonNode? body = null;
        var attempts = 0;
        var cacheHit = false;
        while (attempts < (retry ? MaxAttempts : 1))
        {
            attempts++;
            var wait = TimeSpan.FromSeconds(1);
            try
            {
                using var message = request();
                using var timeout = new CancellationTokenSource(RequestTimeout);
                using var response = await http.SendAsync(message, timeout.Token);
                status = (int)response.StatusCode;
                cacheHit = response.Headers.TryGetValues("X-Cache", out var cache) && cache.Contains("HIT");
                if (status >= 500)
                {
                    Interlocked.Increment(ref fiveHundredsSeen);
                }

                if (status == 201 && route == SoakRoute.Checkout)
                {
                    body = await response.Content.ReadFromJsonAsync<JsonNode>(timeout.Token);
                    NoteOrder(checkoutKey!, body?["orderId"]?.GetValue<string>());
                }
                else
                {
                    await response.Content.LoadIntoBufferAsync(timeout.Token);
                }

                if (status != (int)HttpStatusCode.ServiceUnavailable)
                {
                    break;
                }

                if (response.Headers.RetryAfter?.Delta is { } delta)
                {
                    wait = delta;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
            {
                status = 0;
            }

            if (retry && attempts < MaxAttempts)
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(wait.TotalSeconds, 0.1, 5)));
            }
        }

        samples.Enqueue(new SoakSample(route, (float)due, (float)((Now - due) * 1000), (short)status, (byte)attempts, cacheHit));
        return (status, body);
    }

    private void NoteOrder(string key, string? orderId)
    {
        if (orderId is not null && orderByCheckoutKey.GetOrAdd(key, orderId) != orderId)
        {
            Interlocked.Increment(ref clientDuplicates);
        }
    }
}
