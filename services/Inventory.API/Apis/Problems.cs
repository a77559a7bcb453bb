using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireShop.Inventory.API.Apis;

/// <summary>The 409 answers, each with the number a client needs to try again sensibly.</summary>
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

    public static ProblemHttpResult Conflict(string title, string? detail = null) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict);
}
