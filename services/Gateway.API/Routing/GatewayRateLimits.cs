using System.Globalization;
using System.Threading.RateLimiting;
using AspireShop.ServiceDefaults.Authentication;

namespace AspireShop.Gateway.Routing;

/// <summary><c>Gateway:RateLimits</c>: token buckets per caller (the user's sub when signed in, else the client IP).</summary>
public sealed class GatewayRateLimitOptions
{
    public const string Section = "Gateway:RateLimits";

    /// <summary>Every request, every route.</summary>
    public BucketOptions Default { get; set; } = new() { TokensPerSecond = 100, Burst = 200 };

    /// <summary>Cart, reservation, catalog and stock writes: flash-sale bots hammer these.</summary>
    public BucketOptions Writes { get; set; } = new() { TokensPerSecond = 5, Burst = 20 };

    /// <summary>Identity (token, register, login), always per IP: password guessing comes before any token exists.</summary>
    public BucketOptions Auth { get; set; } = new() { TokensPerSecond = 10, Burst = 30 };
}

public sealed class BucketOptions
{
    public int TokensPerSecond { get; set; }

    public int Burst { get; set; }
}

public static class GatewayRateLimits
{
    public const string Writes = "writes";
    public const string Auth = "auth";

    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(GatewayRateLimitOptions.Section).Get<GatewayRateLimitOptions>() ?? new GatewayRateLimitOptions();
        return services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Bucket(CallerKey(context), limits.Default));
            options.AddPolicy(Writes, context => Bucket(CallerKey(context), limits.Writes));
            options.AddPolicy(Auth, context => Bucket(IpKey(context), limits.Auth));
            options.OnRejected = (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter =
                    Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
        });
    }

    private static RateLimitPartition<string> Bucket(string key, BucketOptions bucket) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, bucket.Burst),
            TokensPerPeriod = Math.Max(1, bucket.TokensPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    private static string CallerKey(HttpContext context) =>
        context.User.GetUserId() is { } user ? $"user:{user}"
        : context.User.FindFirst(AspireShopClaims.Subject)?.Value is { } subject ? $"sub:{subject}"
        : IpKey(context);

    private static string IpKey(HttpContext context) => $"ip:{context.Connection.RemoteIpAddress}";
}
