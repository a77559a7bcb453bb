using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using StackExchange.Redis;

namespace AspireShop.Cart.API.Services;

/// <summary>A service the cart needs did not answer usefully (down, timed out, breaker open, refused our token).</summary>
public sealed class DependencyUnavailableException(string dependency, string reason, Exception? inner = null)
    : Exception($"{dependency} is unavailable: {reason}", inner)
{
    public string Dependency { get; } = dependency;
}

/// <summary>
/// A dependency (Catalog, Inventory, Redis) that is down becomes 503 ProblemDetails with Retry-After, never a 500:
/// the cart was not changed and the buyer may simply try again.
/// </summary>
internal sealed partial class DependencyUnavailableProblemHandler(IProblemDetailsService problemDetails, ILogger<DependencyUnavailableProblemHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var dependency = exception switch
        {
            DependencyUnavailableException unavailable => unavailable.Dependency,
            RedisException or RedisTimeoutException => "Redis",
            _ => null,
        };
        if (dependency is null)
        {
            return false;
        }

        LogUnavailable(dependency, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = $"{dependency} is unavailable; the cart was not changed.",
                Detail = "Try again in a few seconds.",
            },
            Exception = exception,
        });
    }

    [LoggerMessage(LogLevel.Warning, "Cart request failed because {Dependency} is unavailable: {Reason}")]
    private partial void LogUnavailable(string dependency, string reason);
}
