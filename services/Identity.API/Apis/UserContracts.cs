namespace AspireShop.Identity.API.Apis;

/// <summary>Self-service sign-up: always a buyer.</summary>
public sealed record RegisterRequest(string? Email, string? Password, string? Name);

/// <summary>An admin creates any account; sellers need the id of the seller they act for.</summary>
public sealed record CreateUserRequest(string? Email, string? Password, string? Name, string? Role, Guid? SellerId);

public sealed record UserResponse(Guid Id, string Email, string Name, IReadOnlyList<string> Roles, Guid? SellerId);
