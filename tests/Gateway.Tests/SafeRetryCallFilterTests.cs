using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using OrderActors.Gateway.Hosting;
using OrderActors.Grains.Abstractions;
using Orleans.Serialization.Invocation;

namespace OrderActors.Gateway.Tests;

public sealed class SafeRetryCallFilterTests
{
    private readonly SafeRetryCallFilter filter = new(NullLogger<SafeRetryCallFilter>.Instance);

    [Fact]
    public async Task A_safe_call_failed_by_a_leaving_silo_is_sent_again_until_it_succeeds()
    {
        var call = new FakeCall(nameof(IProductGrain.Get), failures: 2);

        await filter.Invoke(call);

        Assert.Equal(3, call.Attempts);
    }

    [Fact]
    public async Task A_call_not_marked_safe_fails_at_once()
    {
        var call = new FakeCall(nameof(IProductGrain.AdjustStock), failures: 1);

        await Assert.ThrowsAsync<SiloUnavailableException>(() => filter.Invoke(call));
        Assert.Equal(1, call.Attempts);
    }

    [Fact]
    public async Task A_safe_call_is_not_repeated_for_a_failure_that_is_not_the_clusters()
    {
        var call = new FakeCall(nameof(IProductGrain.Get), failures: 1, failure: new InvalidOperationException());

        await Assert.ThrowsAsync<InvalidOperationException>(() => filter.Invoke(call));
        Assert.Equal(1, call.Attempts);
    }

    /// <summary>A call on <see cref="IProductGrain"/> whose first attempts fail.</summary>
    private sealed class FakeCall(string method, int failures, Exception? failure = null) : IOutgoingGrainCallContext
    {
        public int Attempts { get; private set; }

        public MethodInfo InterfaceMethod { get; } = typeof(IProductGrain).GetMethod(method)!;

        public string InterfaceName => nameof(IProductGrain);

        public string MethodName => method;

        public Response? Response { get; set; }

        public object? Result { get; set; }

        public Task Invoke()
        {
            Attempts++;
            if (Attempts <= failures)
            {
                throw failure ?? new SiloUnavailableException();
            }

            Response = Response.FromResult<object?>(null);
            return Task.CompletedTask;
        }

        public IInvokable Request => throw new NotSupportedException();

        public object Grain => throw new NotSupportedException();

        public GrainId? SourceId => null;

        public GrainId TargetId => default;

        public GrainInterfaceType InterfaceType => default;

        public IGrainContext? SourceContext => null;
    }
}
