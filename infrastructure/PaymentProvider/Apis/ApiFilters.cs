using System.Security.Cryptography;
using System.Text;
using AspireShop.Infrastructure.PaymentProvider.Extensions;
using AspireShop.Infrastructure.PaymentProvider.Testing;
using Microsoft.Extensions.Options;

namespace AspireShop.Infrastructure.PaymentProvider.Apis;

/// <summary>
/// The provider's own API-key check (it is an external system: no AspireShop tokens). An endpoint filter, so it runs
/// only where a route matched: an unknown path stays 404 for everyone.
/// </summary>
public sealed class ApiKeyFilter(IOptions<ProviderOptions> options) : IEndpointFilter
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes("Bearer " + options.Value.ApiKey);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers.Authorization.ToString());
        // Constant time: the comparison must not tell an attacker how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(presented, _expected)
            ? await next(context)
            : ApiResult.Error(StatusCodes.Status401Unauthorized, new ApiError { Type = ErrorTypes.InvalidRequest, Message = "Invalid API Key provided" });
    }
}

/// <summary>What every call of the payment API goes through: counted in flight, then slowed by the latency fault.</summary>
public sealed class TrafficFilter(TrafficStats stats, Faults faults) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        stats.Enter();
        try
        {
            if (faults.Latency > TimeSpan.Zero)
            {
                await Task.Delay(faults.Latency, context.HttpContext.RequestAborted);
            }

            return await next(context);
        }
        finally
        {
            stats.Exit();
        }
    }
}

/// <summary>The rate_limit fault: 429 with Retry-After before anything is done.</summary>
public sealed class RateLimitFilter(Faults faults) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        faults.TryTakeRateLimit(out var retryAfter)
            ? ApiResult.Error(StatusCodes.Status429TooManyRequests, new ApiError
            {
                Type = ErrorTypes.RateLimit,
                Message = "Too many requests hit the API too quickly (injected fault).",
            }) with { RetryAfterSeconds = retryAfter }
            : await next(context);
}
