using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.Inventory.API.Apis;

/// <summary>The 409 answers, each with the number a client needs to try again sensibly, and the 404 for unknown offers.</summary>
public static class Problems
{
    public static ProblemHttpResult OutOfStock(int available) => TypedResults.Problem(
        title: "Not enough stock.",
        detail: $"Only {available} available.",
        statusCode: StatusCodes.Status409Conflict,
        extensions: new Dictionary<string, object?> { ["available"] = available });

    public static ProblemHttpResult BelowReserved(int reserved) => TypedResults.Problem(
        title: "On-hand cannot drop below what is reserved.",
        detail: $"{reserved} units are reserved.",
        statusCode: StatusCodes.Status409Conflict,
        extensions: new Dictionary<string, object?> { ["reserved"] = reserved });

    /// <summary>404: Catalog publishes no such offer (or has not yet: its events reach Inventory within a second).</summary>
    public static ProblemHttpResult NotOffered() => TypedResults.Problem(
        title: "Catalog publishes no such offer.",
        detail: "Stock is kept only for offers Catalog publishes; a new offer is known here within a second of its creation.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Conflict(string title, string? detail = null) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict);
}
