namespace AspireShop.Seller.API.Domain;

/// <summary>
/// A user's request to sell on the platform. <see cref="ApplicationStatus.Pending"/> until an admin approves it (a
/// <see cref="SellerAccount"/> is created and <see cref="SellerId"/> set) or rejects it (with a reason); a user has at
/// most one pending or approved application (a unique index), and may apply again after a rejection.
/// </summary>
public sealed class SellerApplication
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public required string BusinessName { get; set; }

    public required string ContactEmail { get; set; }

    /// <summary>Normalised IBAN (<see cref="PayoutAccount"/>); only ever shown masked.</summary>
    public required string PayoutAccount { get; set; }

    public string Status { get; set; } = ApplicationStatus.Pending;

    public string? RejectionReason { get; set; }

    /// <summary>The seller the approval created; also what row-level security matches once the user sells.</summary>
    public Guid? SellerId { get; set; }

    public int? CommissionBasisPoints { get; set; }

    public DateTimeOffset SubmittedAt { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    /// <summary>The admin (user id, or client id for a service) who approved or rejected it.</summary>
    public string? DecidedBy { get; set; }

    /// <summary>Postgres' xmin: two admins deciding at once cannot both win.</summary>
    public uint Version { get; set; }
}

public static class ApplicationStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public static readonly IReadOnlyList<string> All = [Pending, Approved, Rejected];
}
