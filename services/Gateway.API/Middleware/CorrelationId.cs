using System.Diagnostics;

namespace AspireShop.Gateway.Middleware;

/// <summary>
/// Every request leaves the gateway with an <c>X-Correlation-Id</c> (the caller's, if it sent a sane one, else the
/// trace id), echoed on the response, so a support ticket quoting it finds the trace in the dashboard.
/// </summary>
public static class CorrelationId
{
    public const string Header = "X-Correlation-Id";

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var incoming = context.Request.Headers[Header].ToString();
        // Bounded and printable: the id is logged and forwarded, so it must not be a vehicle for log injection.
        var id = incoming.Length is > 0 and <= 64 && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? incoming
            : Activity.Current?.TraceId.ToString() ?? Guid.NewGuid().ToString("N");
        context.Request.Headers[Header] = id;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = id;
            return Task.CompletedTask;
        });
        Activity.Current?.SetTag("correlation.id", id);
        await next(context);
    });
}
