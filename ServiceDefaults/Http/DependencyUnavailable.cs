using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;

namespace AspireShop.ServiceDefaults.Http;

/// <summary>A service this one needs did not answer usefully (down, timed out, breaker open, refused our token).</summary>
public sealed class DependencyUnavailableException(string dependency, string reason, Exception? inner = null)
    : Exception($"{dependency} is unavailable: {reason}", inner)
{
    public string Dependency { get; } = dependency;

    /// <summary>Failures that mean "the other service did not answer", as opposed to the caller hanging up.</summary>
    public static bool IsUnavailable(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or JsonException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);
}

/// <summary>
/// A dependency (another service, Redis) that is down becomes 503 ProblemDetails with Retry-After, never a 500: the
/// request changed nothing, and the caller may simply try again (with the same Idempotency-Key where it sent one).
/// </summary>
public sealed partial class DependencyUnavailableProblemHandler(IProblemDetailsService problemDetails, ILogger<DependencyUnavailableProblemHandler> logger)
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

        LogUnavailable(httpContext.Request.Path, dependency, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = $"{dependency} is unavailable; nothing was changed.",
                Detail = "Try again in a few seconds.",
            },
            Exception = exception,
        });
    }

    [LoggerMessage(LogLevel.Warning, "{Path} failed because {Dependency} is unavailable: {Reason}")]
    private partial void LogUnavailable(string path, string dependency, string reason);
}

public static class DependencyUnavailableExtensions
{
    public static IServiceCollection AddDependencyUnavailableProblems(this IServiceCollection services) =>
        services.AddExceptionHandler<DependencyUnavailableProblemHandler>();
}
