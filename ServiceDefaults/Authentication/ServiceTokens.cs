using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireShop.ServiceDefaults.Authentication;

/// <summary>Where a service's own access token comes from; tests swap in locally minted tokens.</summary>
public interface IServiceTokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Client-credentials access tokens for calls between AspireShop services (role <c>service</c>), fetched from the
/// Identity service's token endpoint and reused until shortly before they expire.
/// </summary>
public sealed class ServiceTokenProvider(IHttpClientFactory httpClientFactory, IConfiguration configuration, TimeProvider time) : IServiceTokenSource
{
    public const string ClientIdKey = "Identity:ClientId";
    public const string ClientSecretKey = "Identity:ClientSecret";
    internal const string HttpClientName = "identity-token";

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _current;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && time.GetUtcNow() < current.RenewAt)
        {
            return current.Token;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } fresh && time.GetUtcNow() < fresh.RenewAt)
            {
                return fresh.Token;
            }

            var authority = AuthenticationExtensions.ResolveAuthority(configuration)
                ?? throw new InvalidOperationException($"No identity authority: set {AuthenticationExtensions.AuthorityKey} or reference the identity resource.");
            var clientId = configuration[ClientIdKey] ?? throw new InvalidOperationException($"{ClientIdKey} is not set.");
            var secret = configuration[ClientSecretKey] ?? throw new InvalidOperationException($"{ClientSecretKey} is not set.");

            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = clientId,
                ["client_secret"] = secret,
            });
            using var response = await httpClientFactory.CreateClient(HttpClientName)
                .PostAsync($"{authority}/connect/token", form, cancellationToken);
            response.EnsureSuccessStatusCode();
            var token = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken)
                ?? throw new InvalidOperationException("The token endpoint answered without a body.");
            // Renew at 80 % of the lifetime so a token never expires between the check and the call.
            var renewAt = time.GetUtcNow().AddSeconds(Math.Max(1, token.ExpiresIn * 0.8));
            _current = (token.AccessToken, renewAt);
            return token.AccessToken;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}

/// <summary>Adds the service's own bearer token to each outgoing request of the client it is attached to.</summary>
public sealed class ServiceTokenHandler(IServiceTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetTokenAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}

public static class ServiceTokenExtensions
{
    /// <summary>Calls through this client carry the service's client-credentials token (config <c>Identity:ClientId/ClientSecret</c>).</summary>
    public static IHttpClientBuilder AddServiceToken(this IHttpClientBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IServiceTokenSource, ServiceTokenProvider>();
        builder.Services.TryAddTransient<ServiceTokenHandler>();
        builder.Services.AddHttpClient(ServiceTokenProvider.HttpClientName);
        return builder.AddHttpMessageHandler<ServiceTokenHandler>();
    }
}
