using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace AspireShop.WebApp.Services;

/// <summary>
/// The signed-in user's access token for calls to the gateway, or null (anonymous). Tokens never leave the server.
/// <list type="bullet">
/// <item>Static rendering (a normal request, including streaming and prerendering): from the request's cookie ticket.
/// The cookie handler has already refreshed it at the start of the request when it had less than a minute left.</item>
/// <item>Interactive circuit: the circuit's user (captured when the circuit opened) carries the session key
/// (<see cref="SessionTicketStore.SessionKeyClaim"/>); the ticket is read from Redis on each call, refreshed when less
/// than a minute is left and written back, so a long-lived page keeps working past the access token's 15 minutes.
/// Typed clients reach this circuit's instance through <see cref="CircuitServicesAccessor"/>, because
/// IHttpClientFactory builds message handlers in a scope of its own.</item>
/// </list>
/// A session that Identity ended (refresh refused) yields null: calls go out anonymous and the gateway answers 401.
/// </summary>
public sealed class UserTokens(
    IHttpContextAccessor httpContextAccessor,
    AuthenticationStateProvider authenticationState,
    CircuitMarker circuit,
    SessionTicketStore store,
    TokenRefresher refresher)
{
    public async Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        if (!circuit.IsCircuit && httpContextAccessor.HttpContext is { } http)
        {
            var result = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return result.Succeeded ? result.Properties?.GetTokenValue("access_token") : null;
        }

        var user = (await authenticationState.GetAuthenticationStateAsync()).User;
        if (SessionTicketStore.SessionKey(user) is not { } key || await store.RetrieveAsync(key, cancellationToken) is not { } ticket)
        {
            return null;
        }

        if (refresher.NeedsRefresh(ticket.Properties))
        {
            var refreshed = await refresher.RefreshAsync(ticket.Principal, ticket.Properties, cancellationToken);
            switch (refreshed.Outcome)
            {
                case RefreshOutcome.Refreshed:
                    await store.RenewAsync(key, new AuthenticationTicket(refreshed.Principal, ticket.Properties, ticket.AuthenticationScheme), cancellationToken);
                    break;
                case RefreshOutcome.SessionEnded:
                    return null;
                default:
                    break;
            }
        }

        return ticket.Properties.GetTokenValue("access_token");
    }
}

/// <summary>Scoped; set in a circuit's scope when the circuit opens, so <see cref="UserTokens"/> knows not to use HttpContext there.</summary>
public sealed class CircuitMarker
{
    public bool IsCircuit { get; internal set; }

    /// <summary>The shopper's address, taken from the circuit's connection when it opened.</summary>
    public IPAddress? RemoteAddress { get; internal set; }
}

/// <summary>
/// The current circuit's service provider while the circuit handles an inbound event (render, event handler, JS
/// call), flowing into the tasks started there; null outside circuits.
/// </summary>
public sealed class CircuitServicesAccessor
{
    private static readonly AsyncLocal<IServiceProvider?> Current = new();

    public IServiceProvider? Services
    {
        get => Current.Value;
        internal set => Current.Value = value;
    }
}

internal sealed class CircuitServicesHandler(
    IServiceProvider services, CircuitServicesAccessor accessor, CircuitMarker marker, IHttpContextAccessor httpContextAccessor) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        marker.IsCircuit = true;
        marker.RemoteAddress ??= httpContextAccessor.HttpContext?.Connection.RemoteIpAddress;
        return Task.CompletedTask;
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            marker.IsCircuit = true;
            accessor.Services = services;
            await next(context);
            accessor.Services = null;
        };
}

/// <summary>
/// Attaches the current user's access token (see <see cref="UserTokens"/>) to every call through the gateway, and the
/// shopper's address with the storefront's key (<see cref="StorefrontHeaders"/>).
/// </summary>
public sealed class GatewayTokenHandler(CircuitServicesAccessor circuit, IHttpContextAccessor httpContextAccessor, StorefrontHeaders storefront)
    : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var services = circuit.Services ?? httpContextAccessor.HttpContext?.RequestServices;
        if (request.Headers.Authorization is null
            && services?.GetService<UserTokens>() is { } tokens
            && await tokens.GetAccessTokenAsync(cancellationToken) is { } accessToken)
        {
            request.Headers.Authorization = new("Bearer", accessToken);
        }

        var shopper = circuit.Services?.GetService<CircuitMarker>()?.RemoteAddress ?? httpContextAccessor.HttpContext?.Connection.RemoteIpAddress;
        storefront.Apply(request, shopper);
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Every shopper's calls leave from this server's address; the gateway limits per address, so the storefront names
/// the shopper in X-Forwarded-For and proves it may do so with the key the AppHost gave both (<c>Storefront:GatewayKey</c>).
/// Without a key nothing is added, and the gateway counts the storefront as one client.
/// </summary>
public sealed class StorefrontHeaders(IConfiguration configuration)
{
    public const string KeyHeader = "X-AspireShop-Storefront";
    public const string KeySetting = "Storefront:GatewayKey";

    public void Apply(HttpRequestMessage request, IPAddress? shopper)
    {
        if (configuration[KeySetting] is { Length: > 0 } key && shopper is not null)
        {
            request.Headers.Remove(KeyHeader);
            request.Headers.Remove("X-Forwarded-For");
            request.Headers.TryAddWithoutValidation(KeyHeader, key);
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", (shopper.IsIPv4MappedToIPv6 ? shopper.MapToIPv4() : shopper).ToString());
        }
    }
}

/// <summary>The same headers on Identity's back channel (code exchange, discovery, refresh), which the gateway throttles per address.</summary>
internal sealed class StorefrontBackchannelHandler(StorefrontHeaders storefront, IHttpContextAccessor httpContextAccessor) : DelegatingHandler(new HttpClientHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        storefront.Apply(request, httpContextAccessor.HttpContext?.Connection.RemoteIpAddress);
        return base.SendAsync(request, cancellationToken);
    }
}
