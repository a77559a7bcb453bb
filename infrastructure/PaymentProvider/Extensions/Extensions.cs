using AspireShop.Infrastructure.PaymentProvider.Data;
using AspireShop.Infrastructure.PaymentProvider.Testing;
using AspireShop.Infrastructure.PaymentProvider.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireShop.Infrastructure.PaymentProvider.Extensions;

public static class Extensions
{
    public const string DatabaseName = "providerdb";

    public static void AddProviderServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProviderOptions>()
            .BindConfiguration(ProviderOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ApiKey), $"{ProviderOptions.Section}:ApiKey is required.")
            .Validate(o => o.WebhookUrl is null || !string.IsNullOrEmpty(o.WebhookSecret), $"{ProviderOptions.Section}:WebhookSecret is required when WebhookUrl is set.")
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Faults>();
        builder.Services.AddSingleton<TrafficStats>();
        builder.Services.AddSingleton<IdempotentRequests>();

        // Before the sender and the server: both need the tables.
        builder.Services.AddHostedService<ProviderSchema>();
        builder.Services.AddHostedService<ExpiredKeysPurge>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebhookSender>());

        // The sender's own retry table is the resilience: the standard handler would retry (and break) on top of it.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(WebhookSender.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
