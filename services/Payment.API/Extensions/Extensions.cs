using System.Net.Http.Headers;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Fulfillment.Contracts;
using AspireShop.Payment.API.Data;
using AspireShop.Payment.API.Events;
using AspireShop.Payment.API.Services;
using AspireShop.Payment.Contracts;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.ServiceDefaults.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace AspireShop.Payment.API.Extensions;

public static class Extensions
{
    public const string DatabaseName = "paymentdb";
    public const string KafkaName = "kafka";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPaymentDatabase();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<PaymentOptions>().BindConfiguration(PaymentOptions.Section)
            .Validate(o => o.ClaimLease > TimeSpan.Zero && o.ReplayWindow > TimeSpan.Zero, "Payment:ClaimLease and Payment:ReplayWindow must be positive.")
            .Validate(o => o.ReconcileInterval > TimeSpan.Zero && o.ReconcileBatchSize > 0 && o.ReconcileMaxAttempts > 0,
                "Payment:ReconcileInterval, ReconcileBatchSize and ReconcileMaxAttempts must be positive.")
            .ValidateOnStart();
        builder.Services.AddOptions<PaymentProviderOptions>().BindConfiguration(PaymentProviderOptions.Section);
        builder.Services.AddSingleton<PaymentMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(PaymentMetrics.MeterName));

        builder.AddDefaultAuthentication();
        builder.Services.AddBadRequestProblems();

        builder.Services.AddScoped<PaymentStore>();
        builder.Services.AddScoped<PaymentProcessor>();
        builder.Services.AddSingleton<PaymentReconciler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PaymentReconciler>());
        builder.AddProviderClient();

        builder.AddKafkaClients(KafkaName);
        builder.AddEventHandler<PaymentCommand, PaymentCommandHandler>(PaymentCommandHandler.ConsumerGroup, PaymentCommand.Topic, consumer =>
        {
            // An unknown outcome goes to the PaymentReconciler; a command retries only while another worker holds the
            // call or a refund waits for its charge: seconds, spaced, before a dead letter (the saga re-sends anyway).
            consumer.MaxAttempts = 10;
            // A charge waits ~50 ms or more on the provider: with the default 4 at once, Payment capped checkout at ~30
            // orders/s (measured); one per partition, the provider bulkhead (8) still bounds the calls.
            consumer.MaxConcurrency = 12;
            consumer.InitialBackoff = TimeSpan.FromSeconds(1);
            consumer.MaxBackoff = TimeSpan.FromMinutes(1);
        });
        builder.AddEventHandler<ShipmentEvent, ShipmentCancelledHandler>(ShipmentCancelledHandler.ConsumerGroup, ShipmentEvent.Topic, consumer =>
        {
            // Retried only while the order's charge is unsettled (never for long: the order was confirmed on a capture);
            // past that the dead letter waits for an operator's replay, since nobody re-sends an event.
            consumer.MaxAttempts = 10;
            consumer.InitialBackoff = TimeSpan.FromSeconds(1);
            consumer.MaxBackoff = TimeSpan.FromMinutes(1);
        });
    }

    /// <summary>
    /// EF Core for the model, the migrations and the guarded updates; what the migrate step needs too. No retrying
    /// execution strategy: every step is an explicit short transaction, retried whole by the consumer host.
    /// </summary>
    public static void AddPaymentDatabase(this IHostApplicationBuilder builder) =>
        builder.AddServiceDbContext<PaymentContext>(DatabaseName, retryOnFailure: false);

    /// <summary>
    /// The provider behind ServiceDefaults' downstream resilience: 10 s attempts, a breaker, and a bulkhead of 8 calls
    /// in flight (the rest queue). POSTs are never retried by the pipeline: the payment's own logic must see an
    /// unanswered charge as UNKNOWN and record it before it asks again (with the same key) on the consumer's schedule.
    /// </summary>
    private static void AddProviderClient(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<DownstreamOptions>(PaymentProviderOptions.Section, options =>
        {
            options.AttemptTimeout = TimeSpan.FromSeconds(10);
            options.TotalTimeout = TimeSpan.FromSeconds(30);
            options.MaxRetryAttempts = 2;
            options.RetryDelay = TimeSpan.FromMilliseconds(200);
            options.MaxConcurrency = 8;
            options.QueueLength = 64;
            // The breaker samples at least two attempts' worth of time (Polly refuses a shorter window).
            options.BreakerSamplingDuration = TimeSpan.FromSeconds(30);
        });

        builder.Services.AddHttpClient<ProviderClient>((services, http) =>
            {
                var provider = services.GetRequiredService<IOptions<PaymentProviderOptions>>().Value;
                // A base path (http://host/prefix) keeps its prefix only with a trailing slash.
                http.BaseAddress = new Uri(provider.Url.ToString().TrimEnd('/') + "/");
                if (provider.ApiKey.Length > 0)
                {
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", provider.ApiKey);
                }
            })
            .AddDownstreamResilience(PaymentProviderOptions.Section, (options, _) =>
            {
                var retryable = options.Retry.ShouldHandle;
                options.Retry.ShouldHandle = async args =>
                    (args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage())?.Method != HttpMethod.Post && await retryable(args);
            });
    }
}
