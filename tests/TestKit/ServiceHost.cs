using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.TestKit;

/// <summary>
/// A service in-process (its real Program) configured only through settings, as the AppHost configures it, accepting
/// test tokens. The one base of every service's test host: settings, clients per caller, services, test overrides.
/// </summary>
public abstract class ServiceHost<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private readonly Dictionary<string, string?> _settings;

    /// <param name="settings">The host's own settings.</param>
    /// <param name="overrides">A test's changes to them; a null value removes a setting.</param>
    protected ServiceHost(IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        _settings = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public IReadOnlyDictionary<string, string?> Settings => _settings;

    public virtual HttpClient Anonymous() => CreateClient();

    public HttpClient As(TestUser user) => WithToken(TestTokens.Issue(user));

    public HttpClient WithToken(string accessToken)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public T Service<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Whether the service accepts <see cref="TestTokens"/>; Identity validates only its own.</summary>
    protected virtual bool AcceptsTestTokens => true;

    /// <summary>Test doubles on top of the service's registrations.</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    protected sealed override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting reaches Program as arguments, so registration-time reads (connection strings) see it.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            if (AcceptsTestTokens)
            {
                services.UseTestTokens();
            }

            ConfigureTestServices(services);
        });
    }
}
