using AspireShop.ServiceDefaults.Http;
using AspireShop.ServiceDefaults.Messaging;
using AspireShop.ServiceDefaults.OpenApi;
using AspireShop.ServiceDefaults.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every AspireShop process gets: telemetry, health endpoints, service discovery, resilient HttpClients and
/// ProblemDetails. Kept in the Microsoft.Extensions.Hosting namespace, as Aspire's template does, so services need no using.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new NulRejectingStringConverter()));
        builder.Services.AddDefaultOpenApi();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler(ResiliencePolicy.Configure);
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(KafkaTelemetry.MeterName, WorkerTelemetry.MeterName, "Npgsql", "Polly", "Microsoft.Extensions.Http.Resilience"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, KafkaTelemetry.ActivitySourceName, "Npgsql")
                .AddAspNetCoreInstrumentation(options =>
                    // Probes run every few seconds; tracing them buries the requests people look for.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

        return builder;
    }

    /// <summary>
    /// Error handling plus /health (every check), /alive (liveness only) and the OpenAPI document. Mapped in every
    /// environment because Container Apps probes them in production too; services are reached only through the
    /// gateway, which forwards the documents only where it serves the API reference.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.MapDefaultOpenApi();
        app.MapHealthChecks(HealthEndpointPath).AllowAnonymous();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains("live"),
        }).AllowAnonymous();

        return app;
    }

    /// <summary>
    /// What runs before any handler, in this order: the shared text rule (<see cref="RequestText"/>); authentication
    /// (where OpenIddict answers its discovery and key endpoints, which have no endpoint of their own); then a request
    /// routing found no endpoint for is 404, and one it refused (a method or content type the path does not take) is
    /// 405/415, for everyone, before the fallback policy could turn either into 401; then
    /// <paramref name="beforeAuthorization"/> (the gateway's rate limiter) and authorization. Call after
    /// <see cref="MapDefaultEndpoints"/>, so every one of these answers carries ProblemDetails.
    /// </summary>
    public static WebApplication UseDefaultRequestPipeline(this WebApplication app, Action<WebApplication>? beforeAuthorization = null)
    {
        app.UseRequestTextRule();
        app.UseAuthentication();
        app.Use((context, next) => context.GetEndpoint() switch
        {
            null => NotFound(context),
            RouteEndpoint => next(context),
            // Routing's own 405/415 answer: it has no metadata, so authorization would demand a token first.
            var rejection => rejection.RequestDelegate?.Invoke(context) ?? NotFound(context),
        });
        beforeAuthorization?.Invoke(app);
        app.UseAuthorization();
        return app;
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
