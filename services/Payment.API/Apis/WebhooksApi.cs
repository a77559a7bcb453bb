using System.Text;
using System.Text.Json;
using AspireShop.Payment.API.Extensions;
using AspireShop.Payment.API.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AspireShop.Payment.API.Apis;

/// <summary>
/// The provider's webhooks. Anonymous (the provider is outside AspireShop) but signed: an unsigned, forged or stale
/// event is refused before anything is read from or written to the database. An event is only a prompt to ask the
/// provider again; it is deduplicated by its id.
/// </summary>
public static partial class WebhooksApi
{
    /// <summary>The inbox's message id column; a longer event id is not one the provider sends.</summary>
    public const int MaxEventIdLength = 255;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/payments/webhooks", ReceiveAsync)
            .WithTags("Payment")
            .WithName("ReceivePaymentWebhook")
            .Accepts<ProviderEvent>("application/json")
            .AllowAnonymous();
        return app;
    }

    public static async Task<Results<Ok, ProblemHttpResult>> ReceiveAsync(
        HttpRequest request,
        PaymentProcessor payments,
        IOptions<PaymentProviderOptions> options,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        // The signature covers the exact bytes sent, so the body is read raw, never re-serialised.
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var settings = options.Value;
        if (!WebhookSignature.IsValid(request.Headers[WebhookSignature.Header], body, settings.WebhookSecret, clock.GetUtcNow(), settings.WebhookTolerance))
        {
            LogRejected(loggers.CreateLogger(typeof(WebhooksApi)), string.IsNullOrEmpty(settings.WebhookSecret) ? "no PaymentProvider:WebhookSecret is configured" : "bad or missing signature");
            return TypedResults.Problem(title: "Invalid webhook signature.", detail: $"The {WebhookSignature.Header} header does not sign this body.", statusCode: StatusCodes.Status400BadRequest);
        }

        ProviderEvent? providerEvent;
        try
        {
            providerEvent = JsonSerializer.Deserialize<ProviderEvent>(body, ProviderJson.Options);
        }
        catch (JsonException)
        {
            providerEvent = null;
        }

        if (providerEvent is not { Id.Length: > 0 and <= MaxEventIdLength, Data: not null })
        {
            return TypedResults.Problem(title: "Not a provider event.", detail: "Expected an object with id, type and data.object.", statusCode: StatusCodes.Status400BadRequest);
        }

        return await payments.ApplyWebhookAsync(providerEvent, cancellationToken)
            ? TypedResults.Ok()
            // The provider delivers again until it gets a 2xx: no event is lost while it cannot be asked.
            : TypedResults.Problem(title: "The payment provider could not be asked about this event; deliver it again.", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    [LoggerMessage(LogLevel.Warning, "Payment webhook refused: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);
}
