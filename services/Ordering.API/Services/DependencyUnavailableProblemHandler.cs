using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace AspireShop.Ordering.API.Services;

/// <summary>Cart or Catalog down during checkout: 503 with Retry-After, never a 500; no order was written.</summary>
internal sealed partial class DependencyUnavailableProblemHandler(IProblemDetailsService problemDetails, ILogger<DependencyUnavailableProblemHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not DependencyUnavailableException unavailable)
        {
            return false;
        }

        LogUnavailable(unavailable.Dependency, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "2";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = $"{unavailable.Dependency} is unavailable; no order was placed.",
                Detail = "Retry with the same Idempotency-Key in a few seconds.",
            },
            Exception = exception,
        });
    }

    [LoggerMessage(LogLevel.Warning, "Checkout failed because {Dependency} is unavailable: {Reason}")]
    private partial void LogUnavailable(string dependency, string reason);
}
