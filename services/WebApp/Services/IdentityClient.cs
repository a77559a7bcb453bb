using System.Net;

namespace AspireShop.WebApp.Services;

/// <summary>Identity's self-service sign-up through the gateway (<c>POST /auth/register</c>, anonymous; always a buyer).</summary>
public sealed class IdentityClient(HttpClient http)
{
    /// <summary>Null when the account was created; otherwise what Identity objected to (field errors, 409 for a taken email).</summary>
    public async Task<ApiProblem?> RegisterAsync(string email, string password, string name, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("auth/register", new { email, password, name }, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var problem = await ApiProblem.ReadAsync(response, cancellationToken);
        // The conflict names its field in an extension, not in errors: put it where the form shows field messages.
        return response.StatusCode == HttpStatusCode.Conflict && problem.Errors.Count == 0
            ? problem with { Errors = new Dictionary<string, string[]> { ["email"] = [problem.Title] } }
            : problem;
    }
}
