using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace OrderActors.Hosts.Tests;

/// <summary>
/// Customers buying as real clients do: each worker fills a new customer's cart with two products, checks out and
/// pays, over and over, retrying every call that got no final answer with the same idempotency key until it does.
/// Each purchase goes through one of <paramref name="gateways"/>, in turn. Every call is recorded (when, what,
/// status, how long), so a test can say what clients saw at any moment.
/// </summary>
public sealed class CheckoutLoad(IReadOnlyList<HttpClient> gateways, IReadOnlyList<string> skus, decimal price)
{
    /// <summary>How long a purchase under way when the load is stopped may still take to get its final answers.</summary>
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromSeconds(120);
    private readonly ConcurrentQueue<Call> calls = new();
    private readonly ConcurrentQueue<Purchase> purchases = new();
    private int next;

    /// <summary>Time since the load was created: the time axis of <see cref="Call.At"/>.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public IReadOnlyCollection<Call> Calls => calls;

    public IReadOnlyCollection<Purchase> Purchases => purchases;

    public int Paid => purchases.Count(p => p.Outcome == "paid");

    /// <summary>Waits until <paramref name="count"/> purchases are paid (the load is making progress).</summary>
    public async Task UntilPaidAsync(int count)
    {
        var deadline = Clock.Elapsed + FinishTimeout;
        while (Paid < count)
        {
            Assert.True(Clock.Elapsed < deadline, $"Only {Paid} of {count} purchases paid; calls so far: {string.Join(", ", calls.TakeLast(10))}");
            await Task.Delay(250);
        }
    }

    /// <summary>The amount each order costs: one unit of two products.</summary>
    public decimal OrderTotal => 2 * price;

    /// <summary>Runs <paramref name="workers"/> buyers until <paramref name="stop"/>, then lets each finish its purchase.</summary>
    public Task RunAsync(int workers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await BuyAsync();
            }
        })));

    private async Task BuyAsync()
    {
        var i = Interlocked.Increment(ref next);
        var purchase = new Purchase(JsonApi.NewKey("buyer"), [skus[i % skus.Count], skus[(i + 1) % skus.Count]], Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var api = gateways[i % gateways.Count];
        purchases.Enqueue(purchase);
        var deadline = Clock.Elapsed + FinishTimeout;
        foreach (var sku in purchase.Skus)
        {
            if (await UntilFinal("cart", deadline, () => api.Send(HttpMethod.Put, $"/api/carts/{purchase.Customer}/items/{sku}", new { quantity = 1 }), HttpStatusCode.OK) is null)
            {
                return;
            }
        }

        var checkout = await UntilFinal("checkout", deadline, () => api.Checkout(purchase.Customer, purchase.CheckoutKey), HttpStatusCode.Created, HttpStatusCode.Conflict);
        if (checkout is not { } placed)
        {
            return;
        }

        if (placed.Status == HttpStatusCode.Conflict)
        {
            purchase.Outcome = "sold out";
            return;
        }

        purchase.OrderId = (string)placed.Body!["orderId"]!;
        purchase.Outcome = "placed";
        var payment = await UntilFinal("pay", deadline, () => api.Pay(purchase.OrderId, OrderTotal, purchase.PayKey), HttpStatusCode.OK, HttpStatusCode.Conflict);
        purchase.Outcome = payment?.Status switch
        {
            HttpStatusCode.OK => "paid",
            HttpStatusCode.Conflict => $"payment refused: {payment.Value.Body?.ToJsonString()}",
            _ => "placed",
        };
    }

    /// <summary>Repeats <paramref name="call"/> until its status is one of <paramref name="final"/>; null if the deadline passes first.</summary>
    private async Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body)?> UntilFinal(
        string operation, TimeSpan deadline, Func<Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body)>> call, params HttpStatusCode[] final)
    {
        while (Clock.Elapsed < deadline)
        {
            var started = Clock.Elapsed;
            (HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body) answer;
            try
            {
                answer = await call();
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                answer = (0, null);
            }

            calls.Enqueue(new Call(started, operation, (int)answer.Status, Clock.Elapsed - started));
            if (final.Contains(answer.Status))
            {
                return answer;
            }

            await Task.Delay(500);
        }

        return null;
    }

    /// <summary>One HTTP call: when it started, what it was, its status (0: no answer at all) and how long it took.</summary>
    public sealed record Call(TimeSpan At, string Operation, int Status, TimeSpan Duration);

    /// <summary>One customer's purchase of one unit each of <see cref="Skus"/>.</summary>
    public sealed record Purchase(string Customer, string[] Skus, string CheckoutKey, string PayKey)
    {
        /// <summary>The last final answer: null (none yet), "sold out", "placed", "paid" or why the payment was refused.</summary>
        public string? Outcome { get; set; }

        public string? OrderId { get; set; }
    }
}
